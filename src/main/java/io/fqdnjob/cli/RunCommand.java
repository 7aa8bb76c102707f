package io.fqdnjob.cli;

import com.google.common.net.InetAddresses;
import io.fqdnjob.job.ClusterRound;
import io.fqdnjob.job.DnsServers;
import io.fqdnjob.job.Lifecycle;
import io.fqdnjob.job.Progress;
import io.fqdnjob.job.RunJob;
import io.fqdnjob.job.RunSummary;
import io.fqdnjob.job.Shard;
import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.kube.ConfigurationException;
import io.fqdnjob.kube.Deadline;
import io.fqdnjob.kube.DnsServiceEndpoints;
import io.fqdnjob.kube.KubeClients;
import io.fqdnjob.kube.Scope;
import io.fqdnjob.kube.StopSignal;
import io.fqdnjob.metrics.MetricsPusher;
import io.fqdnjob.metrics.RunMetrics;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.AddressFilter;
import io.fqdnjob.policy.StatusRefresh;
import io.kubernetes.client.openapi.ApiClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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
  private static final Duration MIN_LOOKUP_DEADLINE = Duration.ofSeconds(1);

  @Spec CommandSpec spec;

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
          "End each run this long after its start, from its first request (the DNS Service's"
              + " endpoints included): no request starts after it, calls in flight are cut to it,"
              + " retries never wait past it and lookups still running are abandoned. SIGTERM and"
              + " SIGINT end a run the same way. Resources not written are left as they were for"
              + " the next run; the summary and metrics are still written and the exit code is "
              + ExitCodes.CUT_SHORT
              + ". Set it a few seconds below the CronJob's activeDeadlineSeconds (the shipped"
              + " CronJob does). Default: none; a request that gets no answer within --api-timeout"
              + " is not retried and ends the run as failed (exit code "
              + ExitCodes.RUN_FAILED
              + "), so a stalled API server holds a run about one --api-timeout.")
  Duration deadline;

  @Option(
      names = "--lookup-deadline",
      paramLabel = "DURATION",
      converter = Durations.class,
      description =
          "Abandon lookups still running this long after the start; resources that need them are"
              + " left untouched (with --loop, asked again after 5s, then 10s, 20s... up to"
              + " --max-interval). At least 1s. Default: none (each lookup is bounded by its"
              + " resource's resolveTimeoutSeconds).")
  Duration lookupDeadline;

  @Option(
      names = {"-v", "--verbose"},
      description =
          "Log each DNS query and API retry, and per page of the list how long it took to read.")
  boolean verbose;

  @Option(
      names = "--loop",
      description =
          "Keep running: after each run, sleep until the next resource is due by its TTL (at"
              + " least 1s, at most --max-interval), then run again. For TTLs under a minute. A"
              + " run that fails (the API server unreachable, an unexpected error) is logged,"
              + " counted in the metrics and retried after 1s, 2s, 4s... up to --max-interval."
              + " Stops on SIGTERM or SIGINT with exit code 0: the run in progress writes what"
              + " finished, between runs it exits at once.")
  boolean loop;

  @Option(
      names = "--give-up-after",
      paramLabel = "DURATION",
      defaultValue = "15m",
      converter = Durations.class,
      description =
          "With --loop: exit with code "
              + ExitCodes.RUN_FAILED
              + " when no run could list the resources for this long, so that the pod's restarts"
              + " show the outage (default: ${DEFAULT-VALUE}).")
  Duration giveUpAfter;

  @Option(
      names = "--heartbeat-file",
      paramLabel = "FILE",
      defaultValue = "${env:FQDN_JOB_HEARTBEAT_FILE}",
      description =
          "With --loop: write the time of the last progress (a page listed, a batch written, a"
              + " wake-up; at least every 10s while sleeping), in seconds since the epoch, to FILE"
              + " for a liveness probe: the loop Deployment's restarts the container when it is"
              + " older than 5 minutes (default: $FQDN_JOB_HEARTBEAT_FILE, which it sets).")
  Path heartbeatFile;

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
    StopSignal stop = StopSignal.create();
    // From here on a signal stops the run as --deadline would: a run stopped before its first
    // request still ends with its summary (listed=0, list=cut-short).
    try (Termination termination = Termination.install(stop)) {
      return run(stop);
    }
  }

  private int run(StopSignal stop) throws Exception {
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
    if (lookupDeadline != null && lookupDeadline.compareTo(MIN_LOOKUP_DEADLINE) < 0) {
      // Shorter, hardly a lookup that must be asked again (another server, a truncated answer)
      // finishes, and the resources that need it are left untouched run after run.
      throw new ConfigurationException(
          "--lookup-deadline must be at least " + Durations.format(MIN_LOOKUP_DEADLINE));
    }
    if (statusRefresh.isNegative()) {
      throw new ConfigurationException("--status-refresh must not be negative");
    }
    if (maxInterval.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new ConfigurationException("--max-interval must be at least 1s");
    }
    if (giveUpAfter.compareTo(maxInterval) < 0) {
      throw new ConfigurationException(
          "--give-up-after must be at least --max-interval ("
              + Durations.format(maxInterval)
              + ")");
    }
    if (!loop && (heartbeatFile != null || giveUpAfterGiven())) {
      throw new ConfigurationException(
          (heartbeatFile != null ? "--heartbeat-file" : "--give-up-after")
              + " is for --loop: a single run ends by itself");
    }
    ResourceId dnsService = parseDnsService();
    MetricsPusher pusher =
        pushgateway == null
            ? null
            : MetricsPusher.forUrl(pushgateway, RunMetrics.groupingKey(shardIndex, shardCount));
    List<InetSocketAddress> dnsServers = dns.servers();
    if (dns.namesGiven()) {
      log.info("--dns-server: {}", dnsServers.stream().map(RunCommand::text).toList());
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
    Clock clock = Clock.systemUTC();
    Lifecycle.Heartbeat heartbeat =
        heartbeatFile == null ? Lifecycle.Heartbeat.NONE : new HeartbeatFile(heartbeatFile);
    try (DnsServers servers =
        new DnsServers(
            dnsService,
            retry -> new DnsServiceEndpoints(client, retry).servers(dnsService),
            dns::resolver,
            stop)) {
      ClusterRound round =
          new ClusterRound(
              client,
              ApiRetry.standard(),
              servers,
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
              hostname(),
              clock,
              System.out,
              beating(TerminalProgress.forStandardError(), heartbeat, clock));
      Lifecycle lifecycle =
          new Lifecycle(
              new Lifecycle.Settings(deadline, maxInterval, MIN_PAUSE, giveUpAfter),
              clock,
              stop,
              round,
              pusher == null ? Lifecycle.Sink.NONE : new PushedMetrics(pusher),
              Lifecycle.sleeperOn(stop, clock),
              heartbeat);
      return loop ? lifecycle.loop() : lifecycle.once();
    }
  }

  /** Returns whether --give-up-after was given on the command line. */
  private boolean giveUpAfterGiven() {
    return spec != null && spec.commandLine().getParseResult().hasMatchedOption("--give-up-after");
  }

  /** Reports a run's progress to {@code progress}, and to the heartbeat that it goes on. */
  private static Progress beating(Progress progress, Lifecycle.Heartbeat heartbeat, Clock clock) {
    return new Progress() {
      @Override
      public void phase(String description) {
        heartbeat.beat(clock.instant());
        progress.phase(description);
      }

      @Override
      public void step(int done, int total) {
        heartbeat.beat(clock.instant());
        progress.step(done, total);
      }

      @Override
      public void done() {
        progress.done();
      }
    };
  }

  /** Pushes each run's metrics to the Pushgateway. */
  private record PushedMetrics(MetricsPusher pusher) implements Lifecycle.Sink {
    @Override
    public void finished(RunSummary summary, int failedRounds, Instant at) {
      pusher.push(RunMetrics.of(summary, failedRounds, at));
    }

    @Override
    public void failed(int failedRounds, Instant at) {
      pusher.push(RunMetrics.ofFailedRound(failedRounds, at));
    }
  }

  private static String text(InetSocketAddress server) {
    return InetAddresses.toUriString(server.getAddress()) + ":" + server.getPort();
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
