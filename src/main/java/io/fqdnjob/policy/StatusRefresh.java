package io.fqdnjob.policy;

import com.google.common.hash.Hashing;
import io.fqdnjob.model.Condition;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicySpec;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.FqdnStatus;
import io.fqdnjob.model.ResolveReason;
import io.fqdnjob.model.SeenAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides whether a status is worth writing.
 *
 * <p>A status is written when something a person or the next run reads from it changed (addresses,
 * reasons, conditions, counts, observedGeneration, the set of seen addresses), and otherwise only
 * on the resource's refresh turn: once per refresh interval, at a phase given by a stable hash of
 * the resource's uid, so that resources created together refresh in different runs. Between two
 * writes, the times in the status (latestLookupTime, lastSuccessfulTime, lastSeenTime) are older
 * than the lookups they stand for, by less than one interval:
 *
 * <ul>
 *   <li>a run that does not write comes before the next turn, which is at most one interval after
 *       the recorded latestLookupTime;
 *   <li>a run that would move a name's lastSuccessfulTime or an address's lastSeenTime forward by a
 *       whole interval or more writes.
 * </ul>
 *
 * <p>The retention windows are therefore measured from the recorded time plus the interval ({@link
 * #lag}): an address is never dropped before its window has passed since the true last success or
 * sighting, and is kept at most one interval longer. Due-ness needs nothing: an older lookup time
 * only makes a resource due sooner.
 *
 * <p>The interval is clamped, per resource, to its retryTimeoutSeconds and
 * seenAddressRetentionSeconds when those are shorter, so that the extra retention is never longer
 * than the window itself.
 */
public final class StatusRefresh {
  /** The default interval: with a run a minute, 1/60 of the resources refresh in each run. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofHours(1);

  /** Writes every status on every run: no interval. */
  public static final StatusRefresh EVERY_RUN = new StatusRefresh(Duration.ZERO);

  /** Why a status is written, or that it is not. */
  public enum Decision {
    /** Something a reader of the status sees changed. */
    CHANGED,
    /** Only times moved; the resource's refresh turn came, or a time would fall too far behind. */
    REFRESH,
    /** Only times moved, within the interval: not written. */
    UNCHANGED;

    public boolean write() {
      return this != UNCHANGED;
    }
  }

  private final Duration interval;

  /**
   * @param interval how long the times of an unchanged status may stay as they are; zero writes
   *     every status on every run
   */
  public StatusRefresh(Duration interval) {
    if (interval.isNegative()) {
      throw new IllegalArgumentException("refresh interval must not be negative: " + interval);
    }
    this.interval = interval;
  }

  public Duration interval() {
    return interval;
  }

  /**
   * Returns the interval for a resource with {@code spec}: the configured one, or its retry window
   * or seen-address window when that is shorter (and not zero).
   */
  public Duration intervalFor(FqdnNetworkPolicySpec spec) {
    Duration result = interval;
    for (Duration window : List.of(spec.retryTimeout(), spec.seenAddressRetention())) {
      if (!window.isZero() && window.compareTo(result) < 0) {
        result = window;
      }
    }
    return result;
  }

  /** Returns whether {@link #intervalFor} is shorter than the configured interval. */
  public boolean isClamped(FqdnNetworkPolicySpec spec) {
    return intervalFor(spec).compareTo(interval) < 0;
  }

  /**
   * Returns how much older than the lookups they stand for the times in the status of a resource
   * with {@code spec} may be: the retention windows are extended by this much.
   */
  public Duration lag(FqdnNetworkPolicySpec spec) {
    return intervalFor(spec);
  }

  /**
   * Returns the first refresh turn of the resource with {@code uid} after {@code recorded}. Turns
   * are every {@code interval} (in whole seconds, as status times are), at a phase within the
   * interval given by a hash of the uid, so resources written in the same run take their turns at
   * different times.
   */
  public static Instant turnAfter(String uid, Duration interval, Instant recorded) {
    long period = interval.toSeconds();
    if (period <= 0) {
      return recorded;
    }
    long phase =
        Math.floorMod(
            Hashing.murmur3_128()
                .hashString(uid == null ? "" : uid, StandardCharsets.UTF_8)
                .asLong(),
            period);
    long turns = Math.floorDiv(recorded.getEpochSecond() - phase, period);
    return Instant.ofEpochSecond((turns + 1) * period + phase);
  }

  /** Returns whether the resource's first turn after {@code recorded} has come at {@code now}. */
  static boolean turnPassed(String uid, Duration interval, Instant recorded, Instant now) {
    return !now.isBefore(turnAfter(uid, interval, recorded));
  }

  /**
   * Returns whether {@code next}, computed at {@code now} for {@code resource}, is to be written
   * over the resource's current status.
   */
  public Decision decide(FqdnNetworkPolicy resource, FqdnNetworkPolicyStatus next, Instant now) {
    FqdnNetworkPolicyStatus previous = resource.status();
    if (!meaningful(previous, resource.spec()).equals(meaningful(next, resource.spec()))) {
      return Decision.CHANGED;
    }
    Duration interval = intervalFor(resource.spec());
    Instant recorded = previous.latestLookupTime();
    if (interval.toSeconds() == 0
        || recorded == null
        || !Objects.equals(next.latestLookupTime(), now)
        || turnPassed(resource.uid(), interval, recorded, now)
        || fallsBehind(previous, next, now, interval)) {
      return Objects.equals(previous, next) ? Decision.UNCHANGED : Decision.REFRESH;
    }
    return Decision.UNCHANGED;
  }

  /**
   * Returns whether {@code next} moves a name's lastSuccessfulTime or an address's lastSeenTime
   * forward by {@code interval} or more: leaving it would let the recorded time fall further behind
   * than the retention windows allow for.
   */
  private static boolean fallsBehind(
      FqdnNetworkPolicyStatus previous,
      FqdnNetworkPolicyStatus next,
      Instant now,
      Duration interval) {
    Instant limit = now.minus(interval);
    for (FqdnStatus name : next.fqdns()) {
      FqdnStatus before = previous.fqdn(name.fqdn()).orElse(null);
      if (before == null) {
        return true;
      }
      if (now.equals(name.lastSuccessfulTime())
          && (before.lastSuccessfulTime() == null || !before.lastSuccessfulTime().isAfter(limit))) {
        return true;
      }
      Map<String, Instant> seenBefore = new HashMap<>();
      before.seenAddresses().forEach(s -> seenBefore.put(s.address(), s.lastSeenTime()));
      for (SeenAddress seen : name.seenAddresses()) {
        if (now.equals(seen.lastSeenTime())) {
          Instant was = seenBefore.getOrDefault(seen.address(), before.lastSuccessfulTime());
          if (was == null || !was.isAfter(limit)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * Returns what a reader of {@code status} sees, without the times that move on every lookup:
   * conditions without their transition times, and per name its reason, addresses, seen addresses
   * (not when each was seen), dropped count, the message of a failure (a success's message names
   * the server that answered, which may change from run to run) and, for a resource that follows
   * record TTLs, the record TTL its due time depends on.
   */
  private static List<Object> meaningful(
      FqdnNetworkPolicyStatus status, FqdnNetworkPolicySpec spec) {
    List<Object> parts = new ArrayList<>();
    for (Condition c : status.conditions()) {
      parts.add(
          List.of(c.type(), c.status(), c.reason(), c.message(), gen(c.observedGeneration())));
    }
    for (FqdnStatus name : status.fqdns()) {
      parts.add(name.fqdn());
      parts.add(name.resolveReason());
      parts.add(name.resolveReason() == ResolveReason.SUCCESS ? "" : name.resolveMessage());
      parts.add(name.addresses());
      parts.add(name.seenAddresses().stream().map(SeenAddress::address).toList());
      parts.add(String.valueOf(name.droppedAddressCount()));
      parts.add(spec.followRecordTTL() ? String.valueOf(name.recordTTLSeconds()) : "");
    }
    parts.add(String.valueOf(status.appliedAddressCount()));
    parts.add(String.valueOf(status.totalAddressesCount()));
    parts.add(gen(status.observedGeneration()));
    parts.add(status.latestLookupTime() == null ? "never" : "looked up");
    return parts;
  }

  private static String gen(Long generation) {
    return String.valueOf(generation);
  }
}
