package io.fqdnjob.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
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
          + " TCP on truncation) and prints the reason, the server, the addresses and the TTL."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      ExitCodes.HELP_COMPLETED_RESOLVE,
      ExitCodes.HELP_JVM_UNCAUGHT_ERROR,
      ExitCodes.HELP_CONFIG,
      ExitCodes.HELP_RESOLVE_FAILED
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

  @Option(
      names = {"-o", "--output"},
      paramLabel = "text|json|yaml",
      defaultValue = "text",
      description =
          "text: a line per name and record type, then its addresses (default). json, yaml: a"
              + " list with, for each, name, type, reason, server, elapsedMillis and, as they"
              + " apply, ttlSeconds, cnameChain, addresses and message.")
  String output;

  @Mixin DnsOptions dns;

  @Override
  public Integer call() throws Exception {
    Logging.configure(false);
    NetworkType networkType = NetworkType.fromWireName(type);
    if (networkType == null) {
      throw new io.fqdnjob.kube.ConfigurationException(
          "--type must be ipv4, ipv6 or all, got '" + type + "'");
    }
    String format = OutputFormat.parse(output, "text", "json", "yaml");
    PrintStream out = System.out;
    boolean allResolved = true;
    JsonArray printed = new JsonArray();
    Map<LookupKey, Duration> wanted = new LinkedHashMap<>();
    for (String name : names) {
      Optional<String> problem = DomainName.problem(name);
      if (problem.isPresent()) {
        allResolved = false;
        JsonObject entry = new JsonObject();
        entry.addProperty("name", name);
        entry.addProperty("reason", "INVALID_DOMAIN");
        entry.addProperty("message", problem.get() + " (no query sent)");
        printed.add(entry);
        if (format.equals("text")) {
          out.println(name + "  INVALID_DOMAIN  " + problem.get() + " (no query sent)");
        }
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
        allResolved &= result instanceof LookupResult.Success;
        printed.add(toJson(key, result));
        if (format.equals("text")) {
          printText(out, key, result);
        }
      }
    }
    switch (format) {
      case "json" -> out.println(OutputFormat.toJson(printed));
      case "yaml" -> out.print(YamlOutput.toYaml(printed));
      default -> {}
    }
    return allResolved ? ExitCodes.COMPLETED : ExitCodes.RUN_FAILED;
  }

  private static void printText(PrintStream out, LookupKey key, LookupResult result) {
    if (result == null) {
      out.println(key + "  UNFINISHED");
      return;
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
                + (s.cnameChain().isEmpty() ? "" : "  via " + String.join(" -> ", s.cnameChain())));
        for (InetAddress address : s.addresses()) {
          out.println("    " + address.getHostAddress());
        }
      }
      case LookupResult.Failure f -> out.println(head + "  " + f.message());
    }
  }

  private static JsonObject toJson(LookupKey key, LookupResult result) {
    JsonObject entry = new JsonObject();
    entry.addProperty("name", key.fqdn());
    entry.addProperty("type", key.type().name());
    if (result == null) {
      entry.addProperty("reason", "UNFINISHED");
      return entry;
    }
    entry.addProperty("reason", result.reason().name());
    entry.addProperty("server", result.server());
    entry.addProperty("elapsedMillis", result.elapsed().toMillis());
    switch (result) {
      case LookupResult.Success s -> {
        entry.addProperty("ttlSeconds", s.minTtlSeconds());
        if (!s.cnameChain().isEmpty()) {
          JsonArray chain = new JsonArray();
          s.cnameChain().forEach(chain::add);
          entry.add("cnameChain", chain);
        }
        JsonArray addresses = new JsonArray();
        s.addresses().forEach(a -> addresses.add(a.getHostAddress()));
        entry.add("addresses", addresses);
      }
      case LookupResult.Failure f -> entry.addProperty("message", f.message());
    }
    return entry;
  }
}
