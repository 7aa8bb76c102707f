package io.fqdnjob.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fqdnjob.dns.DnsResolver;
import io.fqdnjob.dns.LookupKey;
import io.fqdnjob.dns.LookupResult;
import io.fqdnjob.job.NameLookups;
import io.fqdnjob.kube.ConfigurationException;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicyCodec;
import io.fqdnjob.model.InvalidResourceException;
import io.fqdnjob.policy.AddressFilter;
import io.fqdnjob.policy.ResourcePlan;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fqdn-job render}: what the job would apply for resources in a file, with no cluster. */
@Command(
    name = "render",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Reads fqdn resources from YAML (several documents allowed), resolves their names and prints"
          + " the NetworkPolicies the job would apply. Needs no cluster.",
      "",
      "Resources read from a file have no uid, so the printed policies carry no owner reference."
    })
final class RenderCommand implements Callable<Integer> {
  @Option(
      names = {"-f", "--filename"},
      paramLabel = "FILE",
      required = true,
      description = "YAML file with fqdn resources; '-' reads standard input.")
  String file;

  @Option(names = "--status", description = "Also print the status the job would write.")
  boolean status;

  @Option(
      names = "--deny-cidr",
      paramLabel = "CIDR",
      description = "Never allow addresses in this range (repeatable).")
  List<String> denyCidrs = new ArrayList<>();

  @Option(
      names = {"-o", "--output"},
      paramLabel = "yaml|json",
      defaultValue = "yaml",
      description =
          "yaml: one YAML document per object (default). json: one JSON List (kind: List) whose"
              + " items are the NetworkPolicies and, with --status, after each the fqdn resource"
              + " with the status it would get.")
  String output;

  @Mixin DnsOptions dns;

  @Override
  public Integer call() throws Exception {
    Logging.configure(false);
    List<FqdnNetworkPolicy> policies = read();
    AddressFilter filter = new AddressFilter(Cidrs.parse(denyCidrs));
    boolean json = OutputFormat.parse(output, "yaml", "json").equals("json");
    PrintStream out = System.out;
    JsonArray items = new JsonArray();
    try (DnsResolver resolver = dns.resolver()) {
      Map<LookupKey, Duration> wanted = NameLookups.collect(policies);
      Map<LookupKey, LookupResult> results = resolver.resolveAll(wanted, Instant.MAX);
      Instant now = Instant.now();
      for (FqdnNetworkPolicy policy : policies) {
        ResourcePlan plan =
            ResourcePlan.compute(
                policy, fqdn -> NameLookups.forName(policy, fqdn, results), filter, now);
        JsonObject statusJson = FqdnNetworkPolicyCodec.statusToJson(plan.appliedStatus());
        if (json) {
          items.add(plan.networkPolicy());
          if (status) {
            items.add(resourceWithStatus(policy, statusJson));
          }
          continue;
        }
        out.println("---");
        out.print(YamlOutput.toYaml(plan.networkPolicy()));
        if (status) {
          out.println("---");
          out.println("# status of fqdn resource " + policy.id());
          JsonObject statusDoc = new JsonObject();
          statusDoc.add("status", statusJson);
          out.print(YamlOutput.toYaml(statusDoc));
        }
      }
    }
    if (json) {
      out.println(OutputFormat.toJson(OutputFormat.list(items)));
    }
    return 0;
  }

  private List<FqdnNetworkPolicy> read() throws ConfigurationException {
    String source = "-".equals(file) ? "standard input" : file;
    List<FqdnNetworkPolicy> result = new ArrayList<>();
    try (Reader reader =
        "-".equals(file)
            ? new InputStreamReader(System.in, StandardCharsets.UTF_8)
            : Files.newBufferedReader(Path.of(file))) {
      int index = 0;
      for (Object document : YamlOutput.safeLoader().loadAll(reader)) {
        index++;
        if (document == null) {
          continue;
        }
        JsonElement json = YamlOutput.toJson(document);
        if (!json.isJsonObject()) {
          throw new ConfigurationException(
              source + ", document " + index + ": expected a mapping (an fqdn resource)");
        }
        try {
          result.add(FqdnNetworkPolicyCodec.fromJson(json.getAsJsonObject()));
        } catch (InvalidResourceException e) {
          throw new ConfigurationException(
              source
                  + ", document "
                  + index
                  + describeName(json.getAsJsonObject())
                  + ": "
                  + e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new ConfigurationException("cannot read " + source + ": " + e.getMessage(), e);
    } catch (YAMLException e) {
      throw new ConfigurationException(source + " is not valid YAML: " + e.getMessage(), e);
    }
    if (result.isEmpty()) {
      throw new ConfigurationException(source + " holds no fqdn resource");
    }
    return result;
  }

  /** The fqdn resource as kubectl would print it with only its status: what --status shows. */
  private static JsonObject resourceWithStatus(FqdnNetworkPolicy policy, JsonObject status) {
    JsonObject resource = new JsonObject();
    resource.addProperty("apiVersion", FqdnNetworkPolicy.API_VERSION);
    resource.addProperty("kind", FqdnNetworkPolicy.KIND);
    JsonObject metadata = new JsonObject();
    metadata.addProperty("name", policy.id().name());
    if (policy.id().namespace() != null) {
      metadata.addProperty("namespace", policy.id().namespace());
    }
    resource.add("metadata", metadata);
    resource.add("status", status);
    return resource;
  }

  private static String describeName(JsonObject document) {
    JsonElement metadata = document.get("metadata");
    if (metadata != null && metadata.isJsonObject() && metadata.getAsJsonObject().has("name")) {
      return " (" + metadata.getAsJsonObject().get("name").getAsString() + ")";
    }
    return "";
  }
}
