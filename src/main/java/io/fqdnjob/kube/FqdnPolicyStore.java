package io.fqdnjob.kube;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicyCodec;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.InvalidResourceException;
import io.fqdnjob.model.ResourceId;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import okhttp3.Call;

/** Reads fqdn custom resources and writes their status. */
public final class FqdnPolicyStore {
  /** The field manager of every write this job makes. */
  public static final String FIELD_MANAGER = "fqdn-job";

  private static final int PAGE_SIZE = 500;

  private final ApiClient client;
  private final CustomObjectsApi api;
  private final ApiRetry retry;
  private final int pageSize;

  public FqdnPolicyStore(ApiClient client, ApiRetry retry) {
    this(client, retry, PAGE_SIZE);
  }

  /** A store listing {@code pageSize} resources a page (the default is {@value #PAGE_SIZE}). */
  public FqdnPolicyStore(ApiClient client, ApiRetry retry, int pageSize) {
    this.client = client;
    this.api = new CustomObjectsApi(client);
    this.retry = retry;
    this.pageSize = pageSize;
  }

  /** The resources in scope, one page at a time. */
  @FunctionalInterface
  public interface Pages {
    /**
     * Returns the next page, sorted by namespace and name, or {@code null} after the last. Each
     * call makes at most one request (one per resource named by {@code --policy}, on the first
     * call).
     */
    List<ListedResource> next() throws ApiException;
  }

  /**
   * Returns the resources in scope page by page, for the caller to read one page at a time: a run
   * over any number of resources holds one page. {@code keep} picks the resources handed over (a
   * shard keeps its own part).
   *
   * @see Pagination.Pages
   */
  public Pages pages(Scope scope, Predicate<ResourceId> keep) {
    Function<JsonObject, ListedResource> convert =
        item -> {
          ListedResource resource = parse(item);
          return keep.test(resource.id()) ? resource : null;
        };
    if (!scope.policies().isEmpty()) {
      boolean[] read = {false};
      return () -> {
        if (read[0]) {
          return null;
        }
        read[0] = true;
        List<ListedResource> named = new ArrayList<>();
        for (ResourceId id : scope.policies()) {
          JsonObject item = keep.test(id) ? get(id) : null;
          if (item != null) {
            named.add(parse(item));
          }
        }
        return sorted(named);
      };
    }
    List<Pagination.Pages<ListedResource>> lists = new ArrayList<>();
    if (scope.listNamespaces().isEmpty()) {
      lists.add(listing("list " + FqdnNetworkPolicy.PLURAL, null, scope, convert));
    } else {
      for (String namespace : scope.listNamespaces()) {
        lists.add(
            listing(
                "list " + FqdnNetworkPolicy.PLURAL + " in " + namespace,
                namespace,
                scope,
                convert));
      }
    }
    Iterator<Pagination.Pages<ListedResource>> remaining = lists.iterator();
    return new Pages() {
      private Pagination.Pages<ListedResource> current = remaining.next();

      @Override
      public List<ListedResource> next() throws ApiException {
        for (List<ListedResource> page = current.next(); ; page = current.next()) {
          if (page != null) {
            return sorted(page);
          }
          if (!remaining.hasNext()) {
            return null;
          }
          current = remaining.next();
        }
      }
    };
  }

  /** The pages of the resources in {@code namespace}, or in every namespace when it is null. */
  private Pagination.Pages<ListedResource> listing(
      String what, String namespace, Scope scope, Function<JsonObject, ListedResource> convert) {
    return new Pagination.Pages<>(what, retry, cont -> page(namespace, scope, cont), convert);
  }

  private Call page(String namespace, Scope scope, String cont) throws ApiException {
    if (namespace == null) {
      return api.listClusterCustomObject(
              FqdnNetworkPolicy.GROUP, FqdnNetworkPolicy.VERSION, FqdnNetworkPolicy.PLURAL)
          .labelSelector(scope.labelSelector())
          .limit(pageSize)
          ._continue(cont)
          .buildCall(null);
    }
    return api.listNamespacedCustomObject(
            FqdnNetworkPolicy.GROUP, FqdnNetworkPolicy.VERSION, namespace, FqdnNetworkPolicy.PLURAL)
        .labelSelector(scope.labelSelector())
        .limit(pageSize)
        ._continue(cont)
        .buildCall(null);
  }

  private static List<ListedResource> sorted(List<ListedResource> page) {
    List<ListedResource> copy = new ArrayList<>(page);
    copy.sort((a, b) -> a.id().compareTo(b.id()));
    return copy;
  }

  /** Returns the resource, or {@code null} when it does not exist. */
  public JsonObject get(ResourceId id) throws ApiException {
    try {
      return retry.call(
          "get " + id,
          () ->
              RawCalls.execute(
                  retry.deadline(),
                  api.getNamespacedCustomObject(
                          FqdnNetworkPolicy.GROUP,
                          FqdnNetworkPolicy.VERSION,
                          id.namespace(),
                          FqdnNetworkPolicy.PLURAL,
                          id.name())
                      .buildCall(null)));
    } catch (ApiException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  /** Returns the listed form of a raw object. */
  public static ListedResource parse(JsonObject item) {
    JsonObject metadata =
        item.has("metadata") && item.get("metadata").isJsonObject()
            ? item.getAsJsonObject("metadata")
            : new JsonObject();
    ResourceId id = new ResourceId(string(metadata, "namespace"), string(metadata, "name"));
    String uid = string(metadata, "uid");
    long generation = metadata.has("generation") ? metadata.get("generation").getAsLong() : 0;
    String resourceVersion = string(metadata, "resourceVersion");
    boolean deleting = string(metadata, "deletionTimestamp") != null;
    try {
      // The parsed form is all a valid resource needs; its JSON tree is left to the collector.
      return new ListedResource(
          id,
          uid,
          generation,
          null,
          FqdnNetworkPolicyCodec.fromJson(item),
          null,
          resourceVersion,
          deleting);
    } catch (InvalidResourceException e) {
      return new ListedResource(id, uid, generation, item, null, e, resourceVersion, deleting);
    }
  }

  /**
   * Server-side applies {@code status} to the status subresource, with force.
   *
   * @param resourceVersion the resourceVersion the status was computed from, sent as a precondition
   *     (or {@code null} for none): when the resource changed since, or was deleted and created
   *     again under the same name, or another run wrote it, the API server refuses the write with
   *     409 Conflict instead of storing a status computed from a state that is gone. A uid in the
   *     body would not do: the status subresource ignores metadata.
   * @param dryRun when true the API server validates the write but does not persist it
   */
  public void applyStatus(
      ResourceId id, String resourceVersion, FqdnNetworkPolicyStatus status, boolean dryRun)
      throws ApiException {
    JsonObject body = new JsonObject();
    body.addProperty("apiVersion", FqdnNetworkPolicy.API_VERSION);
    body.addProperty("kind", FqdnNetworkPolicy.KIND);
    JsonObject metadata = new JsonObject();
    metadata.addProperty("name", id.name());
    metadata.addProperty("namespace", id.namespace());
    if (resourceVersion != null) {
      metadata.addProperty("resourceVersion", resourceVersion);
    }
    body.add("metadata", metadata);
    body.add("status", FqdnNetworkPolicyCodec.statusToJson(status));
    String json = body.toString();
    retry.call(
        "apply status of " + id,
        () -> {
          RawCalls.apply(client, retry.deadline(), statusCall(id, json, dryRun), json);
          return null;
        });
  }

  private Call statusCall(ResourceId id, String json, boolean dryRun) throws ApiException {
    return api.patchNamespacedCustomObjectStatus(
            FqdnNetworkPolicy.GROUP,
            FqdnNetworkPolicy.VERSION,
            id.namespace(),
            FqdnNetworkPolicy.PLURAL,
            id.name(),
            new V1Patch(json))
        .fieldManager(FIELD_MANAGER)
        .force(true)
        .dryRun(dryRun ? "All" : null)
        .buildCall(null);
  }

  static String string(JsonObject object, String key) {
    JsonElement value = object.get(key);
    return value != null && value.isJsonPrimitive() ? value.getAsString() : null;
  }

  static JsonArray items(JsonObject list) {
    JsonElement items = list.get("items");
    return items != null && items.isJsonArray() ? items.getAsJsonArray() : new JsonArray();
  }
}
