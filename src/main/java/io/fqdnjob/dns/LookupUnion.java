package io.fqdnjob.dns;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Combines the lookups of one name at several servers (or several times at one) into one. */
final class LookupUnion {
  private LookupUnion() {}

  /**
   * Returns a success with every address any part found when some part succeeded (the smallest TTL,
   * the servers that answered, the longest time a successful part took); otherwise the part failure
   * with the most important reason, its message listing what each server said, and the longest time
   * taken.
   *
   * <p>A failed part does not count towards a success's time: a server that never answers takes the
   * whole timeout, and the caller would take a success that late for a timeout.
   */
  static LookupResult of(LookupKey key, List<LookupResult> parts) {
    Set<InetAddress> addresses = new LinkedHashSet<>();
    Set<String> servers = new LinkedHashSet<>();
    long minTtl = Long.MAX_VALUE;
    List<String> chain = List.of();
    Duration elapsed = Duration.ZERO;
    Duration successElapsed = Duration.ZERO;
    for (LookupResult part : parts) {
      elapsed = part.elapsed().compareTo(elapsed) > 0 ? part.elapsed() : elapsed;
      if (part instanceof LookupResult.Success success) {
        addresses.addAll(success.addresses());
        servers.add(success.server());
        minTtl = Math.min(minTtl, success.minTtlSeconds());
        if (chain.isEmpty()) {
          chain = success.cnameChain();
        }
        if (success.elapsed().compareTo(successElapsed) > 0) {
          successElapsed = success.elapsed();
        }
      }
    }
    if (!addresses.isEmpty()) {
      return new LookupResult.Success(
          key,
          String.join(",", servers),
          successElapsed,
          new ArrayList<>(addresses),
          minTtl,
          chain);
    }
    LookupResult.Failure worst =
        parts.stream()
            .map(LookupResult.Failure.class::cast)
            .min(Comparator.comparing(LookupResult.Failure::reason))
            .orElseThrow();
    Set<String> messages = new LinkedHashSet<>();
    parts.forEach(p -> messages.add(((LookupResult.Failure) p).message()));
    return new LookupResult.Failure(
        key, worst.server(), elapsed, worst.reason(), String.join("; ", messages));
  }
}
