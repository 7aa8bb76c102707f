package io.fqdnjob.cli;

import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.kube.ConfigurationException;
import io.fqdnjob.migration.ClusterReader;
import io.fqdnjob.migration.ClusterState;
import io.fqdnjob.migration.FirstRunPlan;
import io.fqdnjob.migration.MigrationCheck;
import io.fqdnjob.migration.MigrationReport;
import io.fqdnjob.policy.AddressFilter;
import io.fqdnjob.policy.StatusRefresh;
import io.kubernetes.client.openapi.ApiClient;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fqdn-job check --migration}: a read-only report before switching from fqdn-controller. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Read-only checks of a live cluster; nothing is written.",
      "",
      "--migration reports on switching from fqdn-controller in place: whether the controller"
          + " still runs (its Deployment, its leader Lease), whether a Helm release owns the"
          + " shared CRD (uninstalling it would delete every fqdn resource), which stored"
          + " resources the new schema refuses, which NetworkPolicies carry labels and annotations"
          + " the controller copied, and what the first run will do: adopt, repair, refuse."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:nothing blocks the switch and every check ran",
      "1:an unexpected error (a defect); set by the JVM",
      "2:usage or configuration error",
      "12:findings block the switch or need action (listed in the report); also when some checks"
          + " could not run",
      "13:incomplete: nothing found blocks, but a right was missing or a request failed; the"
          + " report names the right and what it could not check"
    })
final class CheckCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--migration",
      required = true,
      description = "Check the switch from fqdn-controller (the only check so far).")
  boolean migration;

  @Mixin ClusterOptions cluster = new ClusterOptions();

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description =
          "Only fqdn resources and NetworkPolicies in this namespace (repeatable), as 'run"
              + " --namespace'. Default: all namespaces.")
  List<String> namespaces = new ArrayList<>();

  @Option(
      names = "--controller-namespace",
      paramLabel = "NS",
      description =
          "Look for fqdn-controller's Deployment and Lease in this namespace only. Default: all"
              + " namespaces.")
  String controllerNamespace;

  @Option(
      names = "--max-peers-per-policy",
      paramLabel = "N",
      defaultValue = "5000",
      description =
          "As for 'run': policies larger than this are refused (default: ${DEFAULT-VALUE}).")
  int maxPeersPerPolicy;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "text|json",
      defaultValue = "text",
      description = "Print the report for people (text) or for machines (json).")
  String output;

  @Override
  public Integer call() throws Exception {
    if (!output.equals("text") && !output.equals("json")) {
      throw new ConfigurationException("--output must be text or json, got '" + output + "'");
    }
    if (maxPeersPerPolicy < 1) {
      throw new ConfigurationException("--max-peers-per-policy must be at least 1");
    }
    ApiClient client = cluster.connect().client();
    ClusterState state =
        new ClusterReader(client, ApiRetry.standard())
            .read(new TreeSet<>(namespaces), controllerNamespace);
    FirstRunPlan.Options options =
        new FirstRunPlan.Options(
            Duration.ofSeconds(5),
            maxPeersPerPolicy,
            new StatusRefresh(StatusRefresh.DEFAULT_INTERVAL),
            AddressFilter.defaults());
    MigrationReport report = MigrationCheck.evaluate(state, options, Clock.systemUTC().instant());
    PrintWriter out = spec.commandLine().getOut();
    out.print(output.equals("json") ? report.toJsonText() : report.toText());
    out.flush();
    return report.exitCode();
  }
}
