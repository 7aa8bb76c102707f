package io.fqdnjob.cli;

import io.fqdnjob.dns.DnsResolver;
import io.fqdnjob.job.RunJob;
import io.fqdnjob.job.RunSummary;
import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.kube.ConfigurationException;
import io.fqdnjob.kube.EventRecorder;
import io.fqdnjob.kube.FqdnPolicyStore;
import io.fqdnjob.kube.KubeClients;
import io.fqdnjob.kube.NetworkPolicyStore;
import io.fqdnjob.kube.Scope;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.AddressFilter;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fqdn-job run}: one reconcile of the resources in scope. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Lists the fqdn resources in scope, resolves the names of those that are due, and applies"
          + " their NetworkPolicies and statuses.",
      "",
      "A resource is due when it was never looked up, when its spec changed since the last run,"
          + " or when latestLookupTime + ttlSeconds <= now + --due-slack. Resources that are not"
          + " due cost no DNS query and no write."
    })
final class RunCommand implements Callable<Integer> {
  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "Kubeconfig to use. Default: $KUBECONFIG, ~/.kube/config, then in-cluster.")
  Path kubeconfig;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description = "Only resources in this namespace (repeatable). Default: all namespaces.")
  List<String> namespaces = new ArrayList<>();

  @Option(
      names = {"-l", "--selector"},
      paramLabel = "SELECTOR",
      description = "Only resources matching this label selector, e.g. team=payments.")
  String selector;

  @Option(
      names = "--policy",
      paramLabel = "NS/NAME",
      description = "Only this resource (repeatable). Combine with --force in an incident.")
  List<String> policies = new ArrayList<>();

  @Option(
      names = "--force",
      description = "Treat every resource in scope as due, whatever its TTL.")
  boolean force;

  @Option(
      names = "--due-slack",
      paramLabel = "DURATION",
      defaultValue = "5s",
      converter = Durations.class,
      description =
          "A resource whose TTL ends within this much of now is due already, so a schedule with"
              + " the TTL's period never skips a run (default: ${DEFAULT-VALUE}).")
  Duration dueSlack;

  @Option(
      names = "--dry-run",
      description =
          "Send every write as a server-side dry run and print what would change; nothing is"
              + " stored and no event is written.")
  boolean dryRun;

  @Option(
      names = "--deny-cidr",
      paramLabel = "CIDR",
      description =
          "Never allow addresses in this range (repeatable), in addition to the built-in"
              + " loopback, link-local, metadata, multicast and unspecified ranges.")
  List<String> denyCidrs = new ArrayList<>();

  @Option(
      names = "--api-concurrency",
      paramLabel = "N",
      defaultValue = "8",
      description = "API requests in flight at once (default: ${DEFAULT-VALUE}).")
  int apiConcurrency;

  @Option(
      names = "--api-timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = Durations.class,
      description = "Timeout of one API request (default: ${DEFAULT-VALUE}).")
  Duration apiTimeout;

  @Option(
      names = "--lookup-deadline",
      paramLabel = "DURATION",
      converter = Durations.class,
      description =
          "Abandon lookups still running this long after the start; resources that need them are"
              + " left untouched. Default: none (each lookup is bounded by its resource's"
              + " resolveTimeoutSeconds).")
  Duration lookupDeadline;

  @Option(
      names = {"-v", "--verbose"},
      description = "Log each DNS query and API retry.")
  boolean verbose;

  @Mixin DnsOptions dns;

  @Override
  public Integer call() throws Exception {
    Logging.configure(verbose);
    Logger log = LoggerFactory.getLogger(RunCommand.class);
    Scope scope = scope();
    AddressFilter filter = new AddressFilter(Cidrs.parse(denyCidrs));
    if (apiConcurrency < 1) {
      throw new ConfigurationException("--api-concurrency must be at least 1");
    }
    Instant start = Instant.now();
    Instant deadline = lookupDeadline == null ? Instant.MAX : start.plus(lookupDeadline);
    // Every flag is checked before the first request, so a typo never costs a half run.
    try (DnsResolver resolver = dns.resolver()) {
      ApiClient client = KubeClients.create(kubeconfig, apiTimeout, apiConcurrency);
      ApiRetry retry = ApiRetry.standard();
      RunJob job =
          new RunJob(
              new FqdnPolicyStore(client, retry),
              new NetworkPolicyStore(client, retry),
              new EventRecorder(client, retry, hostname()),
              resolver,
              filter,
              Clock.systemUTC(),
              new RunJob.Options(scope, dueSlack, force, dryRun, apiConcurrency, deadline),
              System.out);
      CountDownLatch finished = new CountDownLatch(1);
      Thread hook = onTermination(resolver, finished);
      try {
        RunSummary summary = job.run();
        log.info("run finished: {}", summary);
        return summary.exitCode();
      } catch (ApiException e) {
        log.error("run failed: {}", ApiRetry.describe(e));
        return 1;
      } finally {
        finished.countDown();
        removeHook(hook);
      }
    }
  }

  private Scope scope() throws ConfigurationException {
    TreeSet<ResourceId> ids = new TreeSet<>();
    for (String policy : policies) {
      try {
        ids.add(ResourceId.parse(policy));
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException("--policy: " + e.getMessage(), e);
      }
    }
    return new Scope(new TreeSet<>(namespaces), selector, ids);
  }

  /**
   * On SIGTERM, stops the lookups still running and gives the run a moment to write what finished;
   * resources that needed an unfinished lookup are left as they were.
   */
  private static Thread onTermination(DnsResolver resolver, CountDownLatch finished) {
    Thread hook =
        new Thread(
            () -> {
              resolver.cancel();
              try {
                finished.await(20, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "fqdn-job-termination");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook is running and waits for us.
    }
  }

  private static String hostname() {
    String pod = System.getenv("HOSTNAME");
    if (pod != null && !pod.isBlank()) {
      return pod;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "fqdn-job";
    }
  }
}
