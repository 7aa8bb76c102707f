package io.fqdnjob.cli;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import io.fqdnjob.dns.DnsResolver;
import io.fqdnjob.kube.ConfigurationException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** DNS options shared by the commands that resolve names. */
final class DnsOptions {
  @Option(
      names = "--dns-server",
      paramLabel = "HOST[:PORT]",
      description = {
        "DNS server to query (repeatable; tried in order, the next one on timeout or server"
            + " failure). An IP address (IPv6 in brackets when a port follows: [2001:db8::53]:53)"
            + " or a host name, looked up once at start through the system resolver and standing"
            + " for every address it returns. The port defaults to 53.",
        "Default: the nameservers of /etc/resolv.conf."
      })
  List<String> servers = new ArrayList<>();

  @Option(
      names = "--dns-concurrency",
      paramLabel = "N",
      defaultValue = "32",
      description = "Lookups in flight at once (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(
      names = "--dns-union",
      description =
          "Ask every DNS server and take the union of their answers, instead of the first server"
              + " that answers. Widens the address set of names whose answers rotate; costs one"
              + " query per server and name.")
  boolean union;

  @Option(
      names = "--dns-samples",
      paramLabel = "K",
      defaultValue = "1",
      description =
          "With --dns-union, ask each server K times per run (1 to 10) and take the union: more"
              + " of a rotating set per run, K times the queries (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(
      names = "--dns-sample-interval",
      paramLabel = "DURATION",
      converter = Durations.class,
      defaultValue = "0s",
      description =
          "With --dns-samples K, send each server's samples this far apart instead of at once,"
              + " so that a caching server (a CoreDNS replica: cache 30) is asked again after its"
              + " cached answer expired: 31s for CoreDNS. Each lookup, and so the run, takes"
              + " (K-1) times this longer (default: ${DEFAULT-VALUE}, at once).")
  Duration sampleInterval;

  private List<InetSocketAddress> parsed;

  /**
   * Returns the addresses of {@code --dns-server}, parsed (and any host name looked up) on the
   * first call only, so that a loop keeps the addresses it started with.
   */
  List<InetSocketAddress> servers() throws ConfigurationException {
    if (parsed == null) {
      parsed = List.copyOf(parseServers(servers));
    }
    return parsed;
  }

  /** Returns whether some {@code --dns-server} is a host name rather than an address. */
  boolean namesGiven() {
    return servers.stream()
        .anyMatch(v -> {
          try {
            return !InetAddresses.isInetAddress(HostAndPort.fromString(v.trim()).getHost());
          } catch (IllegalArgumentException e) {
            return false;
          }
        });
  }

  /** Returns a resolver for these options; the caller closes it. */
  DnsResolver resolver() throws ConfigurationException {
    return resolver(List.of());
  }

  /**
   * Returns a resolver for these options that also asks {@code moreServers}, after the ones given
   * with {@code --dns-server}; the caller closes it.
   */
  DnsResolver resolver(List<InetSocketAddress> moreServers) throws ConfigurationException {
    DnsResolver.Config config;
    try {
      List<InetSocketAddress> all = new ArrayList<>(servers());
      all.addAll(moreServers);
      config = all.isEmpty() ? DnsResolver.Config.systemDefaults() : DnsResolver.Config.of(all);
      if (samples != 1 && !union) {
        throw new ConfigurationException("--dns-samples needs --dns-union");
      }
      checkSampleInterval();
      return new DnsResolver(
          config
              .withMaxInFlight(concurrency)
              .withUnion(union, samples)
              .withSampleInterval(sampleInterval));
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          "--dns-server/--dns-concurrency/--dns-samples: " + e.getMessage(), e);
    }
  }

  /**
   * Checks {@code --dns-sample-interval} against the other DNS options; {@link #sampleSpread()} is
   * valid after it.
   */
  void checkSampleInterval() throws ConfigurationException {
    try {
      DnsResolver.Config.checkSampleInterval(sampleInterval);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException("--dns-sample-interval " + e.getMessage(), e);
    }
    if (!sampleInterval.isZero() && samples < 2) {
      throw new ConfigurationException(
          "--dns-sample-interval needs --dns-union and --dns-samples 2 or more");
    }
  }

  /** How long after its first query a lookup sends its last sample. */
  Duration sampleSpread() {
    return DnsResolver.Config.sampleSpread(union, samples, sampleInterval);
  }

  /** Looks a host name up once; {@link InetAddress#getAllByName} through the system resolver. */
  interface HostLookup {
    InetAddress[] addresses(String host) throws UnknownHostException;
  }

  static List<InetSocketAddress> parseServers(List<String> values) throws ConfigurationException {
    return parseServers(values, InetAddress::getAllByName);
  }

  /**
   * Parses {@code --dns-server} values: {@code HOST[:PORT]} where HOST is an IPv4 address, an IPv6
   * address (in brackets when a port follows: {@code [2001:db8::53]:53}) or a host name. A name is
   * looked up once, here, through {@code lookup}, and stands for every address it returns, in that
   * order; the port defaults to 53.
   */
  static List<InetSocketAddress> parseServers(List<String> values, HostLookup lookup)
      throws ConfigurationException {
    List<InetSocketAddress> result = new ArrayList<>();
    for (String value : values) {
      HostAndPort hostAndPort;
      try {
        hostAndPort = HostAndPort.fromString(value.trim()).withDefaultPort(53);
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException(
            "--dns-server '" + value + "': " + e.getMessage() + "; expected HOST[:PORT]", e);
      }
      String host = hostAndPort.getHost();
      int port = hostAndPort.getPort();
      if (host.isEmpty()) {
        throw new ConfigurationException("--dns-server '" + value + "': no host");
      }
      if (InetAddresses.isInetAddress(host)) {
        result.add(new InetSocketAddress(InetAddresses.forString(host), port));
        continue;
      }
      if (host.contains(":") || !HOST_NAME.matcher(host).matches()) {
        throw new ConfigurationException(
            "--dns-server '"
                + value
                + "': '"
                + host
                + "' is neither an IP address nor a host name (IPv6 with a port goes in brackets:"
                + " [2001:db8::53]:53)");
      }
      InetAddress[] addresses;
      try {
        addresses = lookup.addresses(host);
      } catch (UnknownHostException e) {
        throw new ConfigurationException(
            "--dns-server '"
                + value
                + "': the host name '"
                + host
                + "' does not resolve through the system resolver",
            e);
      }
      if (addresses == null || addresses.length == 0) {
        throw new ConfigurationException(
            "--dns-server '" + value + "': the host name '" + host + "' has no address");
      }
      for (InetAddress address : addresses) {
        result.add(new InetSocketAddress(address, port));
      }
    }
    return result;
  }

  /** Letters, digits, hyphens and underscores in dot-separated labels, an optional final dot. */
  private static final Pattern HOST_NAME =
      Pattern.compile("(?i)[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_]([a-z0-9_-]{0,62}))*\\.?");
}
