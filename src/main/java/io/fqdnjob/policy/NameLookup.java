package io.fqdnjob.policy;

import io.fqdnjob.model.ResolveReason;
import java.net.InetAddress;
import java.util.List;

/**
 * The finished lookup of one name for one address family, as the retention rules see it.
 *
 * @param addresses the answer's addresses; empty unless {@code reason} is SUCCESS
 * @param message a human description naming the server and what it answered
 * @param ttlSeconds the smallest record TTL of a successful answer, when known
 */
public record NameLookup(
    ResolveReason reason, List<InetAddress> addresses, String message, Long ttlSeconds) {
  public NameLookup {
    addresses = List.copyOf(addresses);
  }

  public static NameLookup success(List<InetAddress> addresses, String message) {
    return new NameLookup(ResolveReason.SUCCESS, addresses, message, null);
  }

  /** A success whose answer had {@code ttlSeconds} as its smallest record TTL. */
  public static NameLookup success(List<InetAddress> addresses, String message, long ttlSeconds) {
    return new NameLookup(ResolveReason.SUCCESS, addresses, message, ttlSeconds);
  }

  public static NameLookup failure(ResolveReason reason, String message) {
    return new NameLookup(reason, List.of(), message, null);
  }
}
