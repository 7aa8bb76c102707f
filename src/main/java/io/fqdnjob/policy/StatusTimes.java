package io.fqdnjob.policy;

import io.fqdnjob.model.Condition;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.FqdnStatus;
import io.fqdnjob.model.SeenAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Treats the times in a status as untrusted input. The status is the job's only memory, but anyone
 * with write access to the status subresource can write it, and a clock that runs ahead on another
 * machine writes times that have not happened yet.
 *
 * <p>A time up to {@link #TOLERANCE} ahead of now is read as now. A time further ahead cannot be
 * true and is dropped: a {@code latestLookupTime} so far ahead makes the resource due (it would
 * otherwise never be due again), a {@code lastSuccessfulTime} so far ahead counts as no success (it
 * would otherwise keep addresses past any retry window), and an address whose {@code lastSeenTime}
 * is so far ahead counts as last seen at the last success, or never.
 */
public final class StatusTimes {
  /** How far ahead of this job's clock a time may be and still be read (as now). */
  public static final Duration TOLERANCE = Duration.ofSeconds(60);

  private StatusTimes() {}

  /** Returns {@code status} with its times checked against {@code now}. */
  public static FqdnNetworkPolicyStatus trusted(FqdnNetworkPolicyStatus status, Instant now) {
    List<FqdnStatus> fqdns = new ArrayList<>();
    for (FqdnStatus name : status.fqdns()) {
      List<SeenAddress> seen = new ArrayList<>();
      for (SeenAddress address : name.seenAddresses()) {
        Instant lastSeen = trusted(address.lastSeenTime(), now);
        if (lastSeen != null) {
          seen.add(new SeenAddress(address.address(), lastSeen));
        }
      }
      fqdns.add(
          new FqdnStatus(
              name.fqdn(),
              trusted(name.lastSuccessfulTime(), now),
              trusted(name.lastTransitionTime(), now),
              name.resolveReason(),
              name.resolveMessage(),
              name.addresses(),
              seen,
              name.recordTTLSeconds(),
              name.droppedAddressCount()));
    }
    List<Condition> conditions = new ArrayList<>();
    for (Condition c : status.conditions()) {
      conditions.add(
          new Condition(
              c.type(),
              c.status(),
              c.reason(),
              c.message(),
              trusted(c.lastTransitionTime(), now),
              c.observedGeneration()));
    }
    FqdnNetworkPolicyStatus checked =
        new FqdnNetworkPolicyStatus(
            conditions,
            fqdns,
            status.appliedAddressCount(),
            status.totalAddressesCount(),
            trusted(status.latestLookupTime(), now),
            status.observedGeneration());
    // An unchanged status stays the same object, so callers can tell whether anything was dropped.
    return checked.equals(status) ? status : checked;
  }

  /**
   * Returns {@code time} when it is not after {@code now}, {@code now} when it is at most {@link
   * #TOLERANCE} ahead, and {@code null} when it is further ahead or {@code null}.
   */
  public static Instant trusted(Instant time, Instant now) {
    if (time == null || !time.isAfter(now)) {
      return time;
    }
    return time.isAfter(now.plus(TOLERANCE)) ? null : now;
  }
}
