package io.fqdnjob.cli;

import io.fqdnjob.dns.DnsResolver;
import io.fqdnjob.dns.DomainName;
import io.fqdnjob.dns.LookupKey;
import io.fqdnjob.dns.LookupResult;
import io.fqdnjob.dns.RecordType;
import io.fqdnjob.model.AddressFamily;
import io.fqdnjob.model.NetworkType;
import java.io.PrintStream;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fqdn-job resolve}: what the job sees for a name. */
@Command(
    name = "resolve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Resolves names exactly as a run would (absolute names, the same servers, CNAME following,"
          + " TCP on truncation) and prints the reason, the server, the addresses and the TTL.",
      "Exits 1 when some name did not resolve."
    })
final class ResolveCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "NAME", description = "Names to resolve.")
  List<String> names;

  @Option(
      names = {"-t", "--type"},
      paramLabel = "ipv4|ipv6|all",
      defaultValue = "all",
      description = "Address families to ask for (default: ${DEFAULT-VALUE}).")
  String type;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "3s",
      converter = Durations.class,
      description = "Time allowed for each lookup (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Mixin DnsOptions dns;

  @Override
  public Integer call() throws Exception {
    Logging.configure(false);
    NetworkType networkType = NetworkType.fromWireName(type);
    if (networkType == null) {
      throw new io.fqdnjob.kube.ConfigurationException(
          "--type must be ipv4, ipv6 or all, got '" + type + "'");
    }
    PrintStream out = System.out;
    boolean allResolved = true;
    Map<LookupKey, Duration> wanted = new LinkedHashMap<>();
    for (String name : names) {
      Optional<String> problem = DomainName.problem(name);
      if (problem.isPresent()) {
        out.println(name + "  INVALID_DOMAIN  " + problem.get() + " (no query sent)");
        allResolved = false;
        continue;
      }
      for (AddressFamily family : AddressFamily.of(networkType)) {
        wanted.put(new LookupKey(DomainName.normalize(name), RecordType.of(family)), timeout);
      }
    }
    try (DnsResolver resolver = dns.resolver()) {
      Map<LookupKey, LookupResult> results = resolver.resolveAll(wanted, Instant.MAX);
      for (LookupKey key : wanted.keySet()) {
        LookupResult result = results.get(key);
        if (result == null) {
          out.println(key + "  UNFINISHED");
          allResolved = false;
          continue;
        }
        String head =
            key
                + "  "
                + result.reason()
                + "  from "
                + result.server()
                + " in "
                + result.elapsed().toMillis()
                + "ms";
        switch (result) {
          case LookupResult.Success s -> {
            out.println(
                head
                    + "  ttl="
                    + s.minTtlSeconds()
                    + "s"
                    + (s.cnameChain().isEmpty()
                        ? ""
                        : "  via " + String.join(" -> ", s.cnameChain())));
            for (InetAddress address : s.addresses()) {
              out.println("    " + address.getHostAddress());
            }
          }
          case LookupResult.Failure f -> {
            out.println(head + "  " + f.message());
            allResolved = false;
          }
        }
      }
    }
    return allResolved ? 0 : 1;
  }
}
