package io.fqdnjob.policy;

import io.fqdnjob.model.AddressFamily;
import io.fqdnjob.model.FqdnStatus;
import io.fqdnjob.model.ResolveReason;
import io.fqdnjob.model.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Rebuilds the status of one name from its previous status and this run's lookups, with no other
 * memory: everything the next run needs is in the returned status.
 *
 * <ul>
 *   <li>Success replaces the addresses and sets {@code lastSuccessfulTime}.
 *   <li>A transient failure (timeout, SERVFAIL, network error, ...) keeps the previous addresses
 *       while {@code now < lastSuccessfulTime + retryTimeout}; after that they are cleared. A retry
 *       timeout of zero keeps nothing.
 *   <li>A non-transient failure (NXDOMAIN, NODATA, invalid name) clears the addresses at once.
 *   <li>A lookup that did not finish leaves the previous status untouched.
 * </ul>
 *
 * <p>With both families asked, each family is judged on its own: a name with only A records is a
 * success (its AAAA NODATA is normal), and a family that failed transiently keeps its own previous
 * addresses within the window while the other family's answer is applied.
 */
public final class Retention {
  private Retention() {}

  /**
   * The new status of a name.
   *
   * @param changed whether this run produced a new status (false when a lookup did not finish)
   * @param expiredAddresses addresses dropped in this run because the retry window passed; these
   *     are reported once, on the run where they leave
   */
  public record Outcome(FqdnStatus status, boolean changed, List<String> expiredAddresses) {
    public Outcome {
      expiredAddresses = List.copyOf(expiredAddresses);
    }
  }

  /**
   * Returns the new status of {@code fqdn}.
   *
   * @param previous the name's status from the last run, or {@code null}
   * @param asked the families the resource asks for
   * @param lookups the finished lookups; a family in {@code asked} but absent here did not finish
   */
  public static Outcome next(
      String fqdn,
      FqdnStatus previous,
      Set<AddressFamily> asked,
      Map<AddressFamily, NameLookup> lookups,
      Duration retryTimeout,
      Instant now) {
    if (!lookups.keySet().containsAll(asked)) {
      return new Outcome(previous, false, List.of());
    }
    boolean anySuccess =
        asked.stream().anyMatch(f -> lookups.get(f).reason() == ResolveReason.SUCCESS);
    Optional<NameLookup> worst =
        asked.stream()
            .map(lookups::get)
            .filter(l -> l.reason() != ResolveReason.SUCCESS)
            // A family with no records is normal when the other family answered.
            .filter(l -> !(anySuccess && l.reason() == ResolveReason.NODATA))
            .min(Comparator.comparing(NameLookup::reason));
    ResolveReason reason = worst.map(NameLookup::reason).orElse(ResolveReason.SUCCESS);

    Instant lastSuccess = previous == null ? null : previous.lastSuccessfulTime();
    boolean withinWindow =
        lastSuccess != null
            && !retryTimeout.isZero()
            && now.isBefore(lastSuccess.plus(retryTimeout));

    TreeSet<Cidr> addresses = new TreeSet<>(Addresses.ORDER);
    List<String> expired = new ArrayList<>();
    for (AddressFamily family : asked) {
      NameLookup lookup = lookups.get(family);
      if (lookup.reason() == ResolveReason.SUCCESS) {
        lookup.addresses().forEach(a -> addresses.add(Cidr.host(a)));
      } else if (lookup.reason().isTransient() && previous != null) {
        List<Cidr> kept = Addresses.ofFamily(previous.addresses(), family);
        if (withinWindow) {
          addresses.addAll(kept);
        } else {
          kept.forEach(c -> expired.add(c.toString()));
        }
      }
    }

    String message;
    if (reason == ResolveReason.SUCCESS) {
      message = successMessage(asked, lookups);
    } else {
      message = worst.get().message();
      if (reason.isTransient() && withinWindow && !addresses.isEmpty()) {
        message +=
            "; keeping previous addresses until "
                + Timestamps.format(lastSuccess.plus(retryTimeout));
      }
    }
    Instant newLastSuccess = reason == ResolveReason.SUCCESS ? now : lastSuccess;
    Instant transition =
        previous != null
                && previous.resolveReason() == reason
                && previous.lastTransitionTime() != null
            ? previous.lastTransitionTime()
            : now;
    FqdnStatus status =
        new FqdnStatus(
            fqdn,
            newLastSuccess,
            transition,
            reason,
            message,
            addresses.stream().map(Cidr::toString).toList());
    return new Outcome(status, true, expired);
  }

  private static String successMessage(
      Set<AddressFamily> asked, Map<AddressFamily, NameLookup> lookups) {
    List<String> parts = new ArrayList<>();
    for (AddressFamily family : asked) {
      parts.add(lookups.get(family).message());
    }
    return String.join("; ", parts);
  }
}
