package io.fqdnjob.job;

import io.fqdnjob.kube.LiveNetworkPolicy;
import io.fqdnjob.policy.AddressFilter;
import io.fqdnjob.policy.ResourcePlan;
import io.fqdnjob.policy.RetainedNames;

/**
 * The fifth stage: renders the NetworkPolicy that allows a resource's retained addresses, through
 * the address filter, with the form the apply stage compares against the live policy.
 */
final class RenderStage {
  /** A plan and the compared form of its NetworkPolicy. */
  record Rendered(ResourcePlan plan, LiveNetworkPolicy.Rendered compared) {}

  private final AddressFilter filter;

  RenderStage(AddressFilter filter) {
    this.filter = filter;
  }

  Rendered render(RetainedNames names) {
    ResourcePlan plan = ResourcePlan.render(names, filter);
    return new Rendered(plan, LiveNetworkPolicy.Rendered.of(plan.networkPolicy()));
  }
}
