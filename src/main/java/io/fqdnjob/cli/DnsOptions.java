package io.fqdnjob.cli;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import io.fqdnjob.dns.DnsResolver;
import io.fqdnjob.kube.ConfigurationException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** DNS options shared by the commands that resolve names. */
final class DnsOptions {
  @Option(
      names = "--dns-server",
      paramLabel = "HOST[:PORT]",
      description = {
        "DNS server to query (repeatable; tried in order, the next one on timeout or server"
            + " failure). An IP address, IPv6 in brackets with a port: [2001:db8::53]:53.",
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
      List<InetSocketAddress> all = new ArrayList<>(parseServers(servers));
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

  static List<InetSocketAddress> parseServers(List<String> values) throws ConfigurationException {
    List<InetSocketAddress> result = new ArrayList<>();
    for (String value : values) {
      HostAndPort hostAndPort;
      try {
        hostAndPort = HostAndPort.fromString(value.trim()).withDefaultPort(53);
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException("--dns-server '" + value + "': " + e.getMessage(), e);
      }
      if (!InetAddresses.isInetAddress(hostAndPort.getHost())) {
        throw new ConfigurationException(
            "--dns-server '" + value + "': must be an IP address, not a host name");
      }
      result.add(
          new InetSocketAddress(
              InetAddresses.forString(hostAndPort.getHost()), hostAndPort.getPort()));
    }
    return result;
  }
}
