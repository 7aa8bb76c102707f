package io.fqdnjob.cli;

import com.google.common.net.InetAddresses;
import io.fqdnjob.dns.DnsResolver;
import io.fqdnjob.job.RunJob;
import io.fqdnjob.job.RunSummary;
import io.fqdnjob.job.Shard;
import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.kube.ConfigurationException;
import io.fqdnjob.kube.Deadline;
import io.fqdnjob.kube.DeadlineExceededException;
import io.fqdnjob.kube.DnsServiceEndpoints;
import io.fqdnjob.kube.DnsServiceUnavailableException;
import io.fqdnjob.kube.EventRecorder;
import io.fqdnjob.kube.FqdnPolicyStore;
import io.fqdnjob.kube.KubeClients;
import io.fqdnjob.kube.NetworkPolicyStore;
import io.fqdnjob.kube.Scope;
import io.fqdnjob.metrics.MetricsPusher;
import io.fqdnjob.metrics.RunMetrics;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.AddressFilter;
import io.fqdnjob.policy.StatusRefresh;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
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
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      ExitCodes.HELP_COMPLETED,
      ExitCodes.HELP_JVM_UNCAUGHT_ERROR,
      ExitCodes.HELP_CONFIG,
      ExitCodes.HELP_JVM_OUT_OF_MEMORY,
      ExitCodes.HELP_RUN_FAILED,
      ExitCodes.HELP_CUT_SHORT,
      ExitCodes.HELP_SIGNALS
    })
final class RunCommand implements Callable<Integer> {
  private static final Duration MIN_PAUSE = Duration.ofSeconds(1);

  @Mixin ClusterOptions cluster = new ClusterOptions();

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description =
          "Only resources in this namespace (repeatable). With a kubeconfig, -n or -A is required"
              + " unless --policy names the resources; in a pod the default is every namespace the"
              + " service account may read.")
  List<String> namespaces = new ArrayList<>();

  @Option(
      names = {"-A", "--all-namespaces"},
      description =
          "Resources in every namespace (that the credentials may read). Required with a"
              + " kubeconfig when neither -n nor --policy is given; the default in a pod.")
  boolean allNamespaces;

  @Option(
      names = {"-l", "--selector"},
      paramLabel = "SELECTOR",
      description = "Only resources matching this label selector, e.g. team=payments.")
  String selector;

  @Option(
      names = "--policy",
      paramLabel = "NS/NAME",
      description =
          "Only this resource (repeatable); not with --namespace or --selector. Combine with"
              + " --force in an incident.")
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
      names = "--status-refresh",
      paramLabel = "DURATION",
      defaultValue = "1h",
      converter = Durations.class,
      description =
          "Write a status whose content did not change only once per DURATION, each resource at"
              + " its own turn (a stable hash of its uid spreads the turns), so that a run at rest"
              + " writes about 1/60 of the statuses an hour. Content is addresses, reasons,"
              + " conditions, counts and observedGeneration; lookup times alone are not. Retention"
              + " windows count from the recorded times plus this interval, so no address leaves"
              + " early; a resource whose retryTimeoutSeconds or seenAddressRetentionSeconds is"
              + " shorter uses that instead (logged). 0 writes every status on every run"
              + " (default: ${DEFAULT-VALUE}).")
  Duration statusRefresh;

  @Option(
      names = "--deny-cidr",
      paramLabel = "CIDR",
      description =
          "Never allow addresses in this range (repeatable), in addition to the built-in"
              + " loopback, link-local, metadata, multicast and unspecified ranges.")
  List<String> denyCidrs = new ArrayList<>();

  @Option(
      names = "--max-peers-per-policy",
      paramLabel = "N",
      defaultValue = "5000",
      description =
          "Never apply a NetworkPolicy with more address blocks than this (about 40 bytes each;"
              + " the API server stores objects up to about 1.5 MiB): the resource gets Ready False"
              + " and the previous policy stays (default: ${DEFAULT-VALUE}).")
  int maxPeersPerPolicy;

  @Option(
      names = "--api-concurrency",
      paramLabel = "N",
      defaultValue = "8",
      description = "API requests in flight at once (default: ${DEFAULT-VALUE}).")
  int apiConcurrency;

  @Option(
      names = "--deadline",
      paramLabel = "DURATION",
      converter = Durations.class,
      description =
          "End each run this long after its start: no write starts after it, calls in flight are"
              + " cut to it, retries never wait past it and lookups still running are abandoned."
              + " Resources not written are left as they were for the next run; the summary and"
              + " metrics are still written and the exit code is "
              + ExitCodes.CUT_SHORT
              + ". Set it a few seconds below the"
              + " CronJob's activeDeadlineSeconds (the shipped CronJob does). Default: none, each"
              + " request is bounded by --api-timeout and its retries.")
  Duration deadline;

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
      description =
          "Log each DNS query and API retry, and per page of the list how long it took to read,"
              + " to triage and resolve, and to wait for the page before.")
  boolean verbose;

  @Option(
      names = "--loop",
      description =
          "Keep running: after each run, sleep until the next resource is due (at most"
              + " --max-interval), then run again. For TTLs under a minute. Stops cleanly on"
              + " SIGTERM or SIGINT, exit code 0: the run in progress writes what finished.")
  boolean loop;

  @Option(
      names = "--max-interval",
      paramLabel = "DURATION",
      defaultValue = "60s",
      converter = Durations.class,
      description = "Longest sleep between two runs in --loop mode (default: ${DEFAULT-VALUE}).")
  Duration maxInterval;

  @Option(
      names = "--shard-index",
      paramLabel = "I",
      defaultValue = "${env:JOB_COMPLETION_INDEX:-0}",
      description =
          "This process's part, 0 to --shard-count - 1 (default: $JOB_COMPLETION_INDEX, set by"
              + " an Indexed Job, else 0).")
  int shardIndex;

  @Option(
      names = "--shard-count",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Split the resources into N disjoint parts by a stable hash of namespace/name; this"
              + " process handles part --shard-index (default: ${DEFAULT-VALUE}).")
  int shardCount;

  @Option(
      names = "--dns-from-service",
      paramLabel = "NS/NAME",
      description =
          "Also query every ready endpoint of this DNS Service (e.g. kube-system/kube-dns), read"
              + " from its EndpointSlices, after any --dns-server.")
  String dnsFromService;

  @Option(
      names = "--pushgateway",
      paramLabel = "URL",
      description =
          "Push run metrics (duration, resources by outcome, lookups by reason, last success"
              + " time) to this Prometheus Pushgateway after every run, e.g."
              + " http://pushgateway.monitoring:9091.")
  String pushgateway;

  @Option(
      names = "--log-format",
      paramLabel = "text|json",
      defaultValue = "text",
      description =
          "Log lines as plain text or as one JSON object each (default: ${DEFAULT-VALUE}).")
  String logFormat;

  @Mixin DnsOptions dns;

  @Override
  public Integer call() throws Exception {
    Logging.configure(verbose, logFormat);
    Logger log = LoggerFactory.getLogger(RunCommand.class);
    // Every flag is checked before the first request, so a typo never costs a half run.
    Scope scope = scope();
    AddressFilter filter = new AddressFilter(Cidrs.parse(denyCidrs));
    Shard shard = shard();
    if (apiConcurrency < 1) {
      throw new ConfigurationException("--api-concurrency must be at least 1");
    }
    if (maxPeersPerPolicy < 1) {
      throw new ConfigurationException("--max-peers-per-policy must be at least 1");
    }
    if (deadline != null && deadline.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new ConfigurationException("--deadline must be at least 1s");
    }
    if (statusRefresh.isNegative()) {
      throw new ConfigurationException("--status-refresh must not be negative");
    }
    if (maxInterval.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new ConfigurationException("--max-interval must be at least 1s");
    }
    ResourceId dnsService = parseDnsService();
    MetricsPusher pusher =
        pushgateway == null
            ? null
            : MetricsPusher.forUrl(pushgateway, RunMetrics.groupingKey(shardIndex, shardCount));
    List<InetSocketAddress> dnsServers = dns.servers();
    if (dns.namesGiven()) {
      log.info("--dns-server: {}", Runner.text(dnsServers));
    }
    dns.checkSampleInterval();
    if (deadline != null
        && !dns.sampleSpread().isZero()
        && dns.sampleSpread().plusSeconds(5).compareTo(deadline) > 0) {
      // The samples would be cut off by the deadline every run, and the names never looked up.
      throw new ConfigurationException(
          "--dns-samples times --dns-sample-interval spreads each lookup over "
              + Durations.format(dns.sampleSpread())
              + ", which leaves less than 5s of --deadline "
              + Durations.format(deadline)
              + " for the lookups' answers and the writes");
    }

    KubeClients.Connection connection = cluster.connect();
    checkNamespaceScope(connection);
    ApiClient client = connection.client();
    ApiRetry retry = ApiRetry.standard();
    Runner runner =
        new Runner(
            client,
            retry,
            filter,
            new RunJob.Options(
                scope,
                dueSlack,
                force,
                dryRun,
                apiConcurrency,
                lookupDeadline,
                shard,
                maxPeersPerPolicy,
                Deadline.none(),
                new StatusRefresh(statusRefresh)),
            dnsService == null ? null : new DnsServiceEndpoints(client, retry),
            dnsService,
            pusher,
            log);
    try (Termination termination = Termination.install()) {
      runner.termination = termination;
      if (!loop) {
        int code;
        try {
          code = runner.runOnce().exitCode();
        } catch (ApiException e) {
          runner.failed(e);
          code = ExitCodes.RUN_FAILED;
        }
        if (code == ExitCodes.RUN_FAILED && runner.listRefused) {
          // No retry can help: the credentials lack the rights to read what the run covers.
          log.error(
              "the credentials may not read the resources in scope: exit code {} (configuration)",
              ExitCodes.CONFIG);
          return ExitCodes.CONFIG;
        }
        return stoppedBySignal(code, termination.requested(), log);
      }
      return runLoop(runner, termination, log);
    } finally {
      runner.close();
    }
  }

  /**
   * Returns the exit code of a single run: one that a signal stopped is cut short ({@link
   * ExitCodes#CUT_SHORT}) unless it failed already.
   */
  static int stoppedBySignal(int code, boolean signalled, Logger log) {
    if (!signalled || code == ExitCodes.RUN_FAILED) {
      return code;
    }
    log.warn(
        "run stopped by SIGTERM/SIGINT: exit code {}; resources left untouched are left for the"
            + " next run",
        ExitCodes.CUT_SHORT);
    return ExitCodes.CUT_SHORT;
  }

  /**
   * Runs again and again, each time sleeping until the next resource is due (at most {@code
   * --max-interval}), until SIGTERM. A failed run is logged and tried again at the next wake-up; a
   * long-running process must not exit on a passing API outage.
   */
  private int runLoop(Runner runner, Termination termination, Logger log)
      throws InterruptedException, ConfigurationException {
    log.info(
        "loop mode: waking when a resource is due, at least every {}s", maxInterval.toSeconds());
    while (!termination.requested()) {
      Instant wake = Instant.now().plus(maxInterval);
      try {
        RunSummary summary = runner.runOnce();
        if (summary.nextDue() != null) {
          Instant due = summary.nextDue().minus(dueSlack);
          wake = due.isBefore(wake) ? due : wake;
        }
      } catch (ApiException e) {
        runner.failed(e);
      }
      // Never spin: a resource that is due again at once waits for the minimum pause.
      Instant earliest = Instant.now().plus(MIN_PAUSE);
      if (wake.isBefore(earliest)) {
        wake = earliest;
      }
      termination.awaitUntil(wake);
    }
    log.info("stopping on SIGTERM");
    return 0;
  }

  /**
   * One run at a time, with the resolver of the moment: with {@code --dns-from-service} the
   * Service's endpoints are read before every run, since DNS pods come and go while a loop runs.
   */
  private final class Runner implements AutoCloseable {
    private final ApiClient client;
    private final ApiRetry retry;
    private final AddressFilter filter;
    private final RunJob.Options options;
    private final DnsServiceEndpoints endpoints;
    private final ResourceId dnsService;
    private final MetricsPusher pusher;
    private final Logger log;
    private Termination termination;

    /** Whether the last run's list or get was refused (HTTP 401/403): rights are missing. */
    private boolean listRefused;

    private DnsResolver resolver;
    private List<InetSocketAddress> serviceServers;

    Runner(
        ApiClient client,
        ApiRetry retry,
        AddressFilter filter,
        RunJob.Options options,
        DnsServiceEndpoints endpoints,
        ResourceId dnsService,
        MetricsPusher pusher,
        Logger log) {
      this.client = client;
      this.retry = retry;
      this.filter = filter;
      this.options = options;
      this.endpoints = endpoints;
      this.dnsService = dnsService;
      this.pusher = pusher;
      this.log = log;
    }

    /**
     * Runs once within the run's deadline. A run that cannot list its resources still ends with a
     * summary line and pushed metrics; only a failure to read the DNS Service throws.
     */
    RunSummary runOnce() throws ApiException, InterruptedException, ConfigurationException {
      listRefused = false;
      refreshResolver();
      Instant started = Instant.now();
      Deadline runDeadline = Deadline.after(deadline, Clock.systemUTC());
      ApiRetry runRetry = retry.withDeadline(runDeadline);
      RunSummary summary;
      try {
        summary =
            new RunJob(
                    new FqdnPolicyStore(client, runRetry),
                    new NetworkPolicyStore(client, runRetry),
                    new EventRecorder(client, runRetry, hostname()),
                    resolver,
                    filter,
                    Clock.systemUTC(),
                    options.withDeadline(runDeadline),
                    System.out,
                    TerminalProgress.forStandardError())
                .run();
      } catch (ApiException e) {
        boolean cutShort = e instanceof DeadlineExceededException;
        listRefused = e.getCode() == 401 || e.getCode() == 403;
        log.error(
            "run {}: could not list the resources: {}{}",
            cutShort ? "cut short by --deadline " + deadline.toSeconds() + "s" : "failed",
            ApiRetry.describe(e),
            hint(e));
        summary =
            RunSummary.unlisted(
                cutShort ? RunSummary.ListOutcome.CUT_SHORT : RunSummary.ListOutcome.FAILED,
                Duration.between(started, Instant.now()));
      }
      if (summary.exitCode() == RunSummary.EXIT_CUT_SHORT) {
        log.warn(
            "run cut short by --deadline {}s: {} resources left as they were for the next run",
            deadline.toSeconds(),
            summary.list() == RunSummary.ListOutcome.LISTED
                ? summary.cutShort()
                : summary.listed() == 0
                    ? "all"
                    : summary.cutShort() + " listed and all not yet listed");
      }
      log.info("run finished: {}", summary);
      if (pusher != null) {
        pusher.push(RunMetrics.of(summary, Instant.now()));
      }
      return summary;
    }

    void failed(ApiException e) {
      log.error("run failed: {}{}", ApiRetry.describe(e), hint(e));
      if (pusher != null) {
        pusher.push(RunMetrics.ofFailedRun(Instant.now()));
      }
    }

    /**
     * Makes a resolver for the current DNS servers. The first read of the Service must succeed (a
     * wrong name is a configuration error); later, a failed read keeps the servers it had.
     */
    private void refreshResolver() throws ApiException, ConfigurationException {
      List<InetSocketAddress> servers = List.of();
      if (endpoints != null) {
        try {
          DnsServiceEndpoints.Found found = endpoints.servers(dnsService);
          servers = found.servers();
          if (found.noneReady()) {
            log.warn(
                "no endpoint of {} is ready; asking all {} of them (a lookup that gets no answer"
                    + " is a transient failure and keeps the addresses applied)",
                dnsService,
                servers.size());
          } else if (!found.notReady().isEmpty()) {
            log.info("endpoints of {} not ready, left out: {}", dnsService, text(found.notReady()));
          }
        } catch (DnsServiceUnavailableException e) {
          // Every replica gone is an outage: a failed run, however early.
          if (resolver == null) {
            throw e;
          }
          log.warn("{}; keeping {}", e.getMessage(), text(serviceServers));
          return;
        } catch (ApiException | ConfigurationException e) {
          if (resolver == null) {
            throw e instanceof ApiException api
                ? new ConfigurationException(
                    "--dns-from-service " + dnsService + ": " + ApiRetry.describe(api), api)
                : (ConfigurationException) e;
          }
          log.warn(
              "could not read the DNS servers of {}, keeping {}: {}",
              dnsService,
              serviceServers,
              e.getMessage());
          return;
        }
      }
      if (resolver != null && servers.equals(serviceServers)) {
        return;
      }
      if (endpoints != null) {
        log.info("DNS servers of {}: {}", dnsService, text(servers));
      }
      if (resolver != null) {
        resolver.close();
      }
      resolver = dns.resolver(servers);
      serviceServers = servers;
      termination.watch(resolver);
    }

    private static List<String> text(List<InetSocketAddress> servers) {
      return servers.stream()
          .map(a -> InetAddresses.toUriString(a.getAddress()) + ":" + a.getPort())
          .toList();
    }

    @Override
    public void close() {
      if (resolver != null) {
        resolver.close();
      }
    }
  }

  /** Returns advice for a refusal whose cause is likely the scope of the job's rights. */
  private String hint(ApiException e) {
    if (e.getCode() == 403 && namespaces.isEmpty() && policies.isEmpty()) {
      return "; with rights in some namespaces only (a namespaced install), pass --namespace";
    }
    return "";
  }

  private Shard shard() throws ConfigurationException {
    try {
      return new Shard(shardIndex, shardCount);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException("--shard-index/--shard-count: " + e.getMessage(), e);
    }
  }

  private ResourceId parseDnsService() throws ConfigurationException {
    if (dnsFromService == null) {
      return null;
    }
    try {
      return ResourceId.parse(dnsFromService);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException("--dns-from-service: " + e.getMessage(), e);
    }
  }

  /**
   * With a kubeconfig (from a workstation), a run over every namespace must be asked for with
   * {@code -A}, as kubectl asks: -n and --policy name their namespaces, anything else would write
   * in every namespace the credentials reach. In a pod (the manifests), every namespace stays the
   * default.
   */
  void checkNamespaceScope(KubeClients.Connection connection) throws ConfigurationException {
    if (connection.inCluster() || allNamespaces || !namespaces.isEmpty() || !policies.isEmpty()) {
      return;
    }
    String ns = connection.contextNamespace();
    throw new ConfigurationException(
        "with "
            + connection.source()
            + ", a run without -n would write in every namespace: give -n NS (repeatable)"
            + (ns == null || ns.isEmpty() ? "" : ", e.g. -n " + ns + " (the context's namespace)")
            + ", or -A/--all-namespaces to mean every namespace");
  }

  private Scope scope() throws ConfigurationException {
    if (allNamespaces && (!namespaces.isEmpty() || !policies.isEmpty())) {
      throw new ConfigurationException(
          "-A/--all-namespaces cannot be combined with "
              + (namespaces.isEmpty() ? "--policy" : "--namespace")
              + ": -A means every namespace");
    }
    if (!policies.isEmpty() && (!namespaces.isEmpty() || selector != null)) {
      // Each --policy names its namespace already; silently dropping the others would run over
      // other resources than the user meant.
      throw new ConfigurationException(
          "--policy cannot be combined with "
              + (namespaces.isEmpty() ? "--selector" : "--namespace")
              + ": --policy NS/NAME names each resource with its namespace");
    }
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
