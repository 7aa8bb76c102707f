package io.fqdnjob.dns;

import io.fqdnjob.model.ResolveReason;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What resolving one {@link LookupKey} gave: addresses, or a reason and a message saying why not.
 * DNS failures are values of this type, never exceptions.
 */
public sealed interface LookupResult {
  /** The name and type that were resolved. */
  LookupKey key();

  /**
   * The server whose answer decided the result, as {@code host:port} ({@code [v6]:port} for IPv6).
   * For a failure after trying several servers it is the last one tried; empty when no query was
   * sent (an invalid name).
   */
  String server();

  /** Time from the start of the lookup to its result, CNAME follow-up queries included. */
  Duration elapsed();

  /** The reason to record in the status; {@link ResolveReason#SUCCESS} for a success. */
  ResolveReason reason();

  /**
   * The name resolved to at least one address.
   *
   * @param addresses the addresses; stored without duplicates, IPv4 before IPv6, in numeric order
   * @param minTtlSeconds smallest TTL of the records used, CNAME records included
   * @param cnameChain the CNAME targets followed from {@code key.fqdn()}, in order, normalised;
   *     empty when the name itself owns the addresses
   */
  record Success(
      LookupKey key,
      String server,
      Duration elapsed,
      List<InetAddress> addresses,
      long minTtlSeconds,
      List<String> cnameChain)
      implements LookupResult {
    public Success {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(server, "server");
      Objects.requireNonNull(elapsed, "elapsed");
      addresses = Addresses.sortedUnique(addresses);
      cnameChain = List.copyOf(cnameChain);
      if (addresses.isEmpty()) {
        throw new IllegalArgumentException("a success has at least one address");
      }
    }

    @Override
    public ResolveReason reason() {
      return ResolveReason.SUCCESS;
    }
  }

  /**
   * The name did not resolve.
   *
   * @param reason why; never {@link ResolveReason#SUCCESS}
   * @param message for people: names the server and what it answered, for example {@code
   *     127.0.0.1:53 answered NXDOMAIN for foo.example.com (A)}
   */
  record Failure(
      LookupKey key, String server, Duration elapsed, ResolveReason reason, String message)
      implements LookupResult {
    public Failure {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(server, "server");
      Objects.requireNonNull(elapsed, "elapsed");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
      if (reason == ResolveReason.SUCCESS) {
        throw new IllegalArgumentException("a failure cannot have reason SUCCESS");
      }
    }
  }
}
