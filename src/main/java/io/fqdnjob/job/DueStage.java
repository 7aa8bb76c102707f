package io.fqdnjob.job;

import io.fqdnjob.kube.ListedResource;
import io.fqdnjob.kube.LiveNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.DueCheck;
import io.fqdnjob.policy.StatusTimes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second stage: sorts a page of listed resources into those due for a lookup, those not due
 * (whose NetworkPolicy is only checked), invalid ones and those being deleted.
 */
final class DueStage {
  private static final Logger LOG = LoggerFactory.getLogger(DueStage.class);

  /**
   * A page, sorted.
   *
   * @param deleting resources with a deletionTimestamp, left alone
   */
  record Triage(List<Target> due, List<Target> notDue, List<ListedResource> invalid, int deleting) {
    Triage {
      due = List.copyOf(due);
      notDue = List.copyOf(notDue);
      invalid = List.copyOf(invalid);
    }
  }

  private final DueCheck check;

  DueStage(DueCheck check) {
    this.check = check;
  }

  /** Sorts {@code page} at {@code now}; {@code live} gives each resource its NetworkPolicy. */
  Triage triage(List<ListedResource> page, Map<ResourceId, LiveNetworkPolicy> live, Instant now) {
    List<Target> due = new ArrayList<>();
    List<Target> notDue = new ArrayList<>();
    List<ListedResource> invalid = new ArrayList<>();
    int deleting = 0;
    for (ListedResource resource : page) {
      if (resource.deleting()) {
        deleting++;
        LOG.info("{}: being deleted, left alone", resource.id());
      } else if (resource.problem() != null) {
        invalid.add(resource);
      } else {
        Target target =
            new Target(resource, withTrustedTimes(resource.policy(), now), live.get(resource.id()));
        (check.isDue(target.policy(), now) ? due : notDue).add(target);
      }
    }
    return new Triage(due, notDue, invalid, deleting);
  }

  /**
   * Returns {@code policy} with the times of its status read through {@link StatusTimes}: a time
   * too far ahead of this job's clock is dropped, and the resource is then judged without it.
   */
  private static FqdnNetworkPolicy withTrustedTimes(FqdnNetworkPolicy policy, Instant now) {
    FqdnNetworkPolicyStatus trusted = StatusTimes.trusted(policy.status(), now);
    if (trusted == policy.status()) {
      return policy;
    }
    LOG.warn(
        "{}: status holds times more than {}s ahead of this job's clock; they are ignored",
        policy.id(),
        StatusTimes.TOLERANCE.toSeconds());
    return new FqdnNetworkPolicy(
        policy.id(), policy.uid(), policy.generation(), policy.labels(), policy.spec(), trusted);
  }
}
