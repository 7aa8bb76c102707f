package io.fqdnjob.kube;

import com.google.gson.JsonObject;
import io.fqdnjob.model.ResourceId;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.NetworkingV1Api;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

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
   * name, in their compared form. All of them are read, not just this job's: a hand-written policy
   * with the name of a resource must be seen to be left alone.
   *
   * @param keep which names to keep (a shard keeps its own part)
   * @param renderedLabels the keys of the labels the job renders
   */
  public Map<ResourceId, LiveNetworkPolicy> index(
      Scope scope, Predicate<ResourceId> keep, Set<String> renderedLabels) throws ApiException {
    Map<ResourceId, LiveNetworkPolicy> result = new HashMap<>();
    if (!scope.policies().isEmpty()) {
      for (ResourceId id : scope.policies()) {
        LiveNetworkPolicy live = keep.test(id) ? get(id, renderedLabels) : null;
        if (live != null) {
          result.put(id, live);
        }
      }
      return result;
    }
    // Another shard's policies are dropped as each page is read.
    Function<JsonObject, LiveNetworkPolicy> convert =
        item -> {
          LiveNetworkPolicy live = LiveNetworkPolicy.of(item, renderedLabels);
          return keep.test(live.id()) ? live : null;
        };
    List<LiveNetworkPolicy> items = new ArrayList<>();
    if (scope.listNamespaces().isEmpty()) {
      items =
          Pagination.listAll(
              "list networkpolicies",
              retry,
              cont ->
                  api.listNetworkPolicyForAllNamespaces()
                      .limit(PAGE_SIZE)
                      ._continue(cont)
                      .buildCall(null),
              convert);
    } else {
      for (String namespace : scope.listNamespaces()) {
        items.addAll(
            Pagination.listAll(
                "list networkpolicies in " + namespace,
                retry,
                cont ->
                    api.listNamespacedNetworkPolicy(namespace)
                        .limit(PAGE_SIZE)
                        ._continue(cont)
                        .buildCall(null),
                convert));
      }
    }
    items.forEach(live -> result.put(live.id(), live));
    return result;
  }

  /** Returns the NetworkPolicy, or {@code null} when it does not exist. */
  public LiveNetworkPolicy get(ResourceId id, Set<String> renderedLabels) throws ApiException {
    try {
      return LiveNetworkPolicy.of(
          retry.call(
              "get networkpolicy " + id,
              () ->
                  RawCalls.execute(
                      retry.deadline(),
                      api.readNamespacedNetworkPolicy(id.name(), id.namespace()).buildCall(null))),
          renderedLabels);
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
}
