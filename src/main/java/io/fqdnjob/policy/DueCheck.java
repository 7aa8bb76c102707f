package io.fqdnjob.policy;

import io.fqdnjob.model.Condition;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicySpec;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.FqdnStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Decides whether a resource needs a lookup in this run.
 *
 * <p>A resource is due when it was never looked up, when its spec changed since the last run
 * ({@code metadata.generation} differs from {@code status.observedGeneration}), when the last run
 * could not apply its NetworkPolicy (Ready is False with reason {@value Conditions#FAILED}: the
 * status then still describes the policy that is in place, not the failed one), or when its TTL has
 * passed. Times in the status are read through {@link StatusTimes#trusted} by the caller. The slack
 * lets a schedule with the same period as the TTL (a CronJob every minute, a 60 s TTL) find the
 * resource due although the previous run started a little later than a whole period ago.
 */
public final class DueCheck {
  private final Duration slack;
  private final boolean force;

  public DueCheck(Duration slack, boolean force) {
    this.slack = Objects.requireNonNull(slack);
    this.force = force;
  }

  /** Returns why {@code policy} is due at {@code now}, or {@code null} when it is not. */
  public String dueReason(FqdnNetworkPolicy policy, Instant now) {
    if (force) {
      return "forced";
    }
    FqdnNetworkPolicyStatus status = policy.status();
    if (status.latestLookupTime() == null) {
      return "never looked up";
    }
    if (status.observedGeneration() == null || status.observedGeneration() != policy.generation()) {
      return "spec changed (generation " + policy.generation() + ")";
    }
    if (status
        .condition(Condition.READY)
        .filter(c -> !c.isTrue() && Conditions.FAILED.equals(c.reason()))
        .isPresent()) {
      return "the last run could not apply its NetworkPolicy";
    }
    if (!nextDue(policy).isAfter(now.plus(slack))) {
      return "TTL passed";
    }
    return null;
  }

  public boolean isDue(FqdnNetworkPolicy policy, Instant now) {
    return dueReason(policy, now) != null;
  }

  /**
   * Returns since when {@code policy} is due, to order the due resources of a run that may not
   * finish: the epoch for one never looked up, whose spec changed or whose last policy could not be
   * applied (the user waits for those), else when its TTL ended. The earlier, the more overdue.
   */
  public static Instant dueSince(FqdnNetworkPolicy policy) {
    FqdnNetworkPolicyStatus status = policy.status();
    if (status.latestLookupTime() == null
        || status.observedGeneration() == null
        || status.observedGeneration() != policy.generation()
        || status
            .condition(Condition.READY)
            .filter(c -> !c.isTrue() && Conditions.FAILED.equals(c.reason()))
            .isPresent()) {
      return Instant.EPOCH;
    }
    return nextDue(policy);
  }

  /** Returns when {@code policy} becomes due by its TTL; the epoch when it never ran. */
  public static Instant nextDue(FqdnNetworkPolicy policy) {
    Instant last = policy.status().latestLookupTime();
    return last == null ? Instant.EPOCH : last.plus(effectiveTtl(policy.spec(), policy.status()));
  }

  /**
   * Returns how long after a lookup the resource is due again: {@code ttlSeconds}, or with {@code
   * followRecordTTL} the smallest record TTL of its names' last answers when that is shorter, but
   * never under {@link FqdnNetworkPolicySpec#MIN_RECORD_TTL}.
   */
  public static Duration effectiveTtl(FqdnNetworkPolicySpec spec, FqdnNetworkPolicyStatus status) {
    if (!spec.followRecordTTL()) {
      return spec.ttl();
    }
    Long smallest =
        status.fqdns().stream()
            .map(FqdnStatus::recordTTLSeconds)
            .filter(Objects::nonNull)
            .min(Long::compare)
            .orElse(null);
    if (smallest == null || smallest >= spec.ttlSeconds()) {
      return spec.ttl();
    }
    Duration record = Duration.ofSeconds(smallest);
    return record.compareTo(FqdnNetworkPolicySpec.MIN_RECORD_TTL) < 0
        ? FqdnNetworkPolicySpec.MIN_RECORD_TTL
        : record;
  }
}
