package io.fqdnjob.policy;

import io.fqdnjob.model.AddressFamily;
import io.fqdnjob.model.FqdnStatus;
import io.fqdnjob.model.ResolveReason;
import io.fqdnjob.model.SeenAddress;
import io.fqdnjob.model.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

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
    return next(fqdn, previous, asked, lookups, retryTimeout, Window.NONE, now);
  }

  /**
   * How addresses outlive the answer that brought them, and how many a name may hold.
   *
   * @param seenRetention an address stays applied until no answer has had it for this long; zero
   *     applies exactly the latest answer
   * @param maxAddresses the most addresses applied for one name; beyond it the least recently seen
   *     go first
   * @param lag how much older than the lookups they stand for the recorded times may be (see {@link
   *     StatusRefresh}): the retry window and a non-zero seen-address window are measured from the
   *     recorded time plus this, so that no address leaves before its window has passed since the
   *     true last success or sighting
   */
  public record Window(Duration seenRetention, int maxAddresses, Duration lag) {
    /** The latest answer only, with no limit. */
    public static final Window NONE = new Window(Duration.ZERO, Integer.MAX_VALUE);

    public Window {
      if (seenRetention.isNegative() || maxAddresses < 1 || lag.isNegative()) {
        throw new IllegalArgumentException(
            "bad window " + seenRetention + ", " + maxAddresses + ", " + lag);
      }
    }

    /** A window over recorded times that are exact. */
    public Window(Duration seenRetention, int maxAddresses) {
      this(seenRetention, maxAddresses, Duration.ZERO);
    }

    /** Returns when an address last seen at {@code seen} leaves, with no newer sighting. */
    Instant seenUntil(Instant seen) {
      return seen.plus(seenRetention).plus(lag);
    }
  }

  /**
   * Returns the new status of {@code fqdn} with a seen-address window and an address limit.
   *
   * @see #next(String, FqdnStatus, Set, Map, Duration, Instant)
   */
  public static Outcome next(
      String fqdn,
      FqdnStatus previous,
      Set<AddressFamily> asked,
      Map<AddressFamily, NameLookup> lookups,
      Duration retryTimeout,
      Window window,
      Instant now) {
    if (!lookups.keySet().containsAll(asked)) {
      return new Outcome(previous, false, List.of());
    }
    boolean anySuccess =
        asked.stream().anyMatch(f -> lookups.get(f).reason() == ResolveReason.SUCCESS);
    boolean anyTransient = asked.stream().anyMatch(f -> lookups.get(f).reason().isTransient());
    Optional<NameLookup> worst =
        asked.stream()
            .map(lookups::get)
            .filter(l -> l.reason() != ResolveReason.SUCCESS)
            // A family with no records is normal when the other family answered, and says
            // nothing about a family whose lookup failed: reporting it would hide that failure.
            .filter(l -> !((anySuccess || anyTransient) && l.reason() == ResolveReason.NODATA))
            .min(Comparator.comparing(NameLookup::reason));
    ResolveReason reason = worst.map(NameLookup::reason).orElse(ResolveReason.SUCCESS);

    Instant lastSuccess = previous == null ? null : previous.lastSuccessfulTime();
    Instant keptUntil =
        lastSuccess == null || retryTimeout.isZero()
            ? null
            : lastSuccess.plus(retryTimeout).plus(window.lag());
    boolean withinWindow = keptUntil != null && now.isBefore(keptUntil);
    Map<Cidr, Instant> previouslySeen = previouslySeen(previous);

    // Each address that stays, with when an answer last had it.
    Map<Cidr, Instant> kept = new TreeMap<>(Addresses.ORDER);
    List<String> expired = new ArrayList<>();
    int retainedBySeenWindow = 0;
    Long recordTtl = null;
    for (AddressFamily family : asked) {
      NameLookup lookup = lookups.get(family);
      Map<Cidr, Instant> before = ofFamily(previouslySeen, family);
      if (lookup.reason() == ResolveReason.SUCCESS) {
        lookup.addresses().forEach(a -> kept.put(Cidr.host(a), now));
        if (lookup.ttlSeconds() != null) {
          recordTtl =
              recordTtl == null ? lookup.ttlSeconds() : Math.min(recordTtl, lookup.ttlSeconds());
        }
        for (Map.Entry<Cidr, Instant> seen : before.entrySet()) {
          if (!kept.containsKey(seen.getKey())
              && !window.seenRetention().isZero()
              && now.isBefore(window.seenUntil(seen.getValue()))) {
            kept.put(seen.getKey(), seen.getValue());
            retainedBySeenWindow++;
          }
        }
      } else if (lookup.reason().isTransient()) {
        if (withinWindow) {
          kept.putAll(before);
        } else {
          before.keySet().forEach(c -> expired.add(c.toString()));
        }
      }
    }

    // The most recently seen first; addresses seen at the same time in address order.
    List<Map.Entry<Cidr, Instant>> byRecency = new ArrayList<>(kept.entrySet());
    byRecency.sort(Map.Entry.<Cidr, Instant>comparingByValue().reversed());
    int dropped = Math.max(0, byRecency.size() - window.maxAddresses());
    List<Map.Entry<Cidr, Instant>> applied =
        byRecency.subList(0, Math.min(byRecency.size(), window.maxAddresses()));
    TreeMap<Cidr, Instant> appliedInOrder = new TreeMap<>(Addresses.ORDER);
    applied.forEach(e -> appliedInOrder.put(e.getKey(), e.getValue()));

    String message;
    if (reason == ResolveReason.SUCCESS) {
      message = successMessage(asked, lookups);
      if (retainedBySeenWindow > 0) {
        message += "; " + retainedBySeenWindow + " more kept from earlier answers";
      }
    } else {
      message = worst.get().message();
      if (reason.isTransient() && withinWindow && !appliedInOrder.isEmpty()) {
        message += "; keeping previous addresses until " + Timestamps.format(keptUntil);
      }
    }
    if (dropped > 0) {
      message +=
          "; "
              + dropped
              + " addresses over maxAddressesPerFQDN="
              + window.maxAddresses()
              + " left out";
    }
    Instant newLastSuccess = reason == ResolveReason.SUCCESS ? now : lastSuccess;
    Instant transition =
        previous != null
                && previous.resolveReason() == reason
                && previous.lastTransitionTime() != null
            ? previous.lastTransitionTime()
            : now;
    List<SeenAddress> seenAddresses =
        window.seenRetention().isZero()
            ? List.of()
            : appliedInOrder.entrySet().stream()
                .map(e -> new SeenAddress(e.getKey().toString(), e.getValue()))
                .toList();
    if (recordTtl == null && previous != null) {
      recordTtl = previous.recordTTLSeconds();
    }
    FqdnStatus status =
        new FqdnStatus(
            fqdn,
            newLastSuccess,
            transition,
            reason,
            message,
            appliedInOrder.keySet().stream().map(Cidr::toString).toList(),
            seenAddresses,
            recordTtl,
            droppedCount(dropped, reason, withinWindow, previous));
    return new Outcome(status, true, expired);
  }

  /**
   * Returns the dropped count to record. A run that learned nothing new (a transient failure
   * keeping the previous, already limited set) carries the previous count, so that the limit is not
   * reported as new on the next success.
   */
  private static Integer droppedCount(
      int dropped, ResolveReason reason, boolean withinWindow, FqdnStatus previous) {
    if (dropped > 0) {
      return dropped;
    }
    if (reason.isTransient() && withinWindow && previous != null) {
      return previous.droppedAddressCount();
    }
    return null;
  }

  /**
   * Returns the addresses of the previous status with when each was last seen: from {@code
   * seenAddresses} where recorded, else the last success (a status written without a window, or by
   * fqdn-controller).
   */
  private static Map<Cidr, Instant> previouslySeen(FqdnStatus previous) {
    Map<Cidr, Instant> seen = new TreeMap<>(Addresses.ORDER);
    if (previous == null) {
      return seen;
    }
    for (SeenAddress entry : previous.seenAddresses()) {
      Addresses.parseAll(List.of(entry.address())).forEach(c -> seen.put(c, entry.lastSeenTime()));
    }
    Instant fallback =
        previous.lastSuccessfulTime() != null ? previous.lastSuccessfulTime() : Instant.EPOCH;
    for (Cidr cidr : Addresses.parseAll(previous.addresses())) {
      seen.putIfAbsent(cidr, fallback);
    }
    return seen;
  }

  private static Map<Cidr, Instant> ofFamily(Map<Cidr, Instant> seen, AddressFamily family) {
    Map<Cidr, Instant> result = new TreeMap<>(Addresses.ORDER);
    seen.forEach((cidr, time) -> {
      if (cidr.isIpv4() == (family == AddressFamily.IPV4)) {
        result.put(cidr, time);
      }
    });
    return result;
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
