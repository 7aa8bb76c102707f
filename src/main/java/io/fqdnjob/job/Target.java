package io.fqdnjob.job;

import io.fqdnjob.kube.ListedResource;
import io.fqdnjob.kube.LiveNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.ResourceId;

/**
 * A listed resource a run works on.
 *
 * @param policy the parsed resource, with the times of its status checked by {@link
 *     io.fqdnjob.policy.StatusTimes}
 * @param live its NetworkPolicy as listed, or {@code null} when there is none
 */
record Target(ListedResource listed, FqdnNetworkPolicy policy, LiveNetworkPolicy live) {
  ResourceId id() {
    return policy.id();
  }

  /** The state a decision about this resource starts from, naming its events. */
  String basis() {
    return listed.resourceVersion() + "/" + (live == null ? "none" : live.resourceVersion());
  }
}
