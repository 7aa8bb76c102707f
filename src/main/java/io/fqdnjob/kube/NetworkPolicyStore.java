package io.fqdnjob.kube;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fqdnjob.model.ResourceId;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.NetworkingV1Api;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Reads and writes {@code networking.k8s.io/v1} NetworkPolicies. */
public final class NetworkPolicyStore {
  private static final int PAGE_SIZE = 500;

  private final ApiClient client;
  private final NetworkingV1Api api;
  private final ApiRetry retry;

  public NetworkPolicyStore(ApiClient client, ApiRetry retry) {
    this.client = client;
    this.api = new NetworkingV1Api(client);
    this.retry = retry;
  }

  /**
   * Returns the NetworkPolicies that may collide with the resources in scope, by namespace and
   * name. All of them are read, not just this job's: a hand-written policy with the name of a
   * resource must be seen to be left alone.
   */
  public Map<ResourceId, JsonObject> list(Scope scope) throws ApiException {
    Map<ResourceId, JsonObject> result = new HashMap<>();
    if (!scope.policies().isEmpty()) {
      for (ResourceId id : scope.policies()) {
        JsonObject live = get(id);
        if (live != null) {
          result.put(id, live);
        }
      }
      return result;
    }
    List<JsonObject> items;
    if (scope.listNamespaces().isEmpty()) {
      items =
          Pagination.listAll(
              "list networkpolicies",
              retry,
              cont ->
                  api.listNetworkPolicyForAllNamespaces()
                      .limit(PAGE_SIZE)
                      ._continue(cont)
                      .buildCall(null));
    } else {
      items = new java.util.ArrayList<>();
      for (String namespace : scope.listNamespaces()) {
        items.addAll(
            Pagination.listAll(
                "list networkpolicies in " + namespace,
                retry,
                cont ->
                    api.listNamespacedNetworkPolicy(namespace)
                        .limit(PAGE_SIZE)
                        ._continue(cont)
                        .buildCall(null)));
      }
    }
    for (JsonObject item : items) {
      JsonObject metadata = item.getAsJsonObject("metadata");
      result.put(
          new ResourceId(
              FqdnPolicyStore.string(metadata, "namespace"),
              FqdnPolicyStore.string(metadata, "name")),
          item);
    }
    return result;
  }

  /** Returns the NetworkPolicy, or {@code null} when it does not exist. */
  public JsonObject get(ResourceId id) throws ApiException {
    try {
      return retry.call(
          "get networkpolicy " + id,
          () ->
              RawCalls.execute(
                  retry.deadline(),
                  api.readNamespacedNetworkPolicy(id.name(), id.namespace()).buildCall(null)));
    } catch (ApiException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  /** Server-side applies {@code body} with force, as field manager {@code fqdn-job}. */
  public void apply(ResourceId id, JsonObject body, boolean dryRun) throws ApiException {
    String json = body.toString();
    retry.call(
        "apply networkpolicy " + id,
        () -> {
          RawCalls.apply(
              client,
              retry.deadline(),
              api.patchNamespacedNetworkPolicy(id.name(), id.namespace(), new V1Patch(json))
                  .fieldManager(FqdnPolicyStore.FIELD_MANAGER)
                  .force(true)
                  .dryRun(dryRun ? "All" : null)
                  .buildCall(null),
              json);
          return null;
        });
  }

  /**
   * Returns whether {@code live} is controlled by the object with {@code ownerUid}: it has an owner
   * reference with that uid and {@code controller: true}.
   */
  public static boolean isControlledBy(JsonObject live, String ownerUid) {
    JsonObject metadata = live.getAsJsonObject("metadata");
    if (metadata == null || !metadata.has("ownerReferences")) {
      return false;
    }
    for (JsonElement element : metadata.getAsJsonArray("ownerReferences")) {
      JsonObject owner = element.getAsJsonObject();
      if (Objects.equals(FqdnPolicyStore.string(owner, "uid"), ownerUid)
          && owner.has("controller")
          && owner.get("controller").getAsBoolean()) {
        return true;
      }
    }
    return false;
  }

  /** Returns a short description of who controls {@code live}, for conflict messages. */
  public static String describeController(JsonObject live) {
    JsonObject metadata = live.getAsJsonObject("metadata");
    if (metadata != null && metadata.has("ownerReferences")) {
      for (JsonElement element : metadata.getAsJsonArray("ownerReferences")) {
        JsonObject owner = element.getAsJsonObject();
        if (owner.has("controller") && owner.get("controller").getAsBoolean()) {
          return "controlled by "
              + FqdnPolicyStore.string(owner, "kind")
              + " "
              + FqdnPolicyStore.string(owner, "name")
              + " (uid "
              + FqdnPolicyStore.string(owner, "uid")
              + ")";
        }
      }
    }
    return "not controlled by any object";
  }

  /**
   * Returns whether applying {@code rendered} would change nothing in {@code live}: same labels,
   * same owner references and the same spec.
   */
  public static boolean matches(JsonObject live, JsonObject rendered) {
    JsonObject liveMeta = live.getAsJsonObject("metadata");
    JsonObject renderedMeta = rendered.getAsJsonObject("metadata");
    if (!Objects.equals(orEmpty(liveMeta, "labels"), orEmpty(renderedMeta, "labels"))) {
      return false;
    }
    if (!Objects.equals(owners(liveMeta), owners(renderedMeta))) {
      return false;
    }
    return Objects.equals(
        withoutEmptyLists(live.get("spec")), withoutEmptyLists(rendered.get("spec")));
  }

  /**
   * Returns {@code element} without object members that are empty lists: the API server drops them
   * when it stores an object (a deny-all policy's {@code egress: []} reads back as no {@code
   * egress} at all), so they are no difference.
   */
  static JsonElement withoutEmptyLists(JsonElement element) {
    if (element == null || element.isJsonNull()) {
      return new JsonObject();
    }
    if (element.isJsonArray()) {
      JsonArray copy = new JsonArray();
      element.getAsJsonArray().forEach(e -> copy.add(withoutEmptyLists(e)));
      return copy;
    }
    if (!element.isJsonObject()) {
      return element;
    }
    JsonObject copy = new JsonObject();
    for (var entry : element.getAsJsonObject().entrySet()) {
      JsonElement value = entry.getValue();
      if (value.isJsonArray() && value.getAsJsonArray().isEmpty()) {
        continue;
      }
      copy.add(entry.getKey(), withoutEmptyLists(value));
    }
    return copy;
  }

  private static JsonElement orEmpty(JsonObject metadata, String key) {
    JsonElement value = metadata == null ? null : metadata.get(key);
    return value == null ? new JsonObject() : value;
  }

  /** Returns the owner references reduced to what this job sets, for comparison. */
  private static List<String> owners(JsonObject metadata) {
    if (metadata == null || !metadata.has("ownerReferences")) {
      return List.of();
    }
    return metadata.getAsJsonArray("ownerReferences").asList().stream()
        .map(JsonElement::getAsJsonObject)
        .map(o ->
            FqdnPolicyStore.string(o, "apiVersion")
                + "|"
                + FqdnPolicyStore.string(o, "kind")
                + "|"
                + FqdnPolicyStore.string(o, "name")
                + "|"
                + FqdnPolicyStore.string(o, "uid")
                + "|"
                + FqdnPolicyStore.string(o, "controller")
                + "|"
                + FqdnPolicyStore.string(o, "blockOwnerDeletion"))
        .sorted()
        .toList();
  }
}
