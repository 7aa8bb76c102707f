package io.fqdnjob.job;

import io.fqdnjob.kube.FqdnPolicyStore;
import io.fqdnjob.kube.LiveNetworkPolicy;
import io.fqdnjob.kube.NetworkPolicyStore;
import io.fqdnjob.kube.Scope;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.NetworkPolicyRenderer;
import io.kubernetes.client.openapi.ApiException;
import java.util.Map;

/**
 * The first stage: reads what the run works on. The NetworkPolicies in scope are read whole, into
 * their compact compared form ({@link LiveNetworkPolicy}); the fqdn resources one page at a time.
 * Both keep only the shard's part.
 */
final class ListStage {
  private final FqdnPolicyStore policies;
  private final NetworkPolicyStore networkPolicies;
  private final Scope scope;
  private final Shard shard;

  ListStage(
      FqdnPolicyStore policies, NetworkPolicyStore networkPolicies, Scope scope, Shard shard) {
    this.policies = policies;
    this.networkPolicies = networkPolicies;
    this.scope = scope;
    this.shard = shard;
  }

  /** Returns the NetworkPolicies of the shard's part of the scope, by namespace and name. */
  Map<ResourceId, LiveNetworkPolicy> networkPolicies() throws ApiException {
    return networkPolicies.index(scope, shard::owns, NetworkPolicyRenderer.LABEL_KEYS);
  }

  /** Returns the shard's resources in scope, for the run to read one page at a time. */
  FqdnPolicyStore.Pages resources() {
    return policies.pages(scope, shard::owns);
  }
}
