package io.fqdnjob.metrics;

import io.fqdnjob.job.Outcome;
import io.fqdnjob.job.RunSummary;
import io.fqdnjob.model.ResolveReason;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Instant;
import java.util.Map;

/**
 * The metrics of one run, as pushed to a Prometheus Pushgateway. A batch job has no endpoint to
 * scrape, so each run leaves its figures with the gateway, where they stay until the next push.
 */
public final class RunMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final boolean succeeded;

  private RunMetrics(boolean succeeded) {
    this.succeeded = succeeded;
  }

  /**
   * Returns the metrics of {@code summary}, finished at {@code finishedAt}. The last-success time
   * is included only when the run succeeded, so that pushing a failed run keeps the previous one.
   */
  public static RunMetrics of(RunSummary summary, Instant finishedAt) {
    return of(summary, 0, finishedAt);
  }

  /**
   * Returns the metrics of {@code summary}, finished at {@code finishedAt}, the {@code
   * failedRounds}-th run of a loop in a row that could not run (0 when it ran).
   */
  public static RunMetrics of(RunSummary summary, int failedRounds, Instant finishedAt) {
    RunMetrics metrics = new RunMetrics(summary.exitCode() == 0);
    PrometheusRegistry registry = metrics.registry;
    double finished = finishedAt.toEpochMilli() / 1000.0;
    gauge(registry, "fqdn_job_last_run_timestamp_seconds", "When the last run finished, Unix time.")
        .set(finished);
    lastRunFailed(registry).set(metrics.succeeded ? 0 : 1);
    exitCode(registry).set(summary.exitCode());
    gauge(registry, "fqdn_job_run_duration_seconds", "How long the last run took.")
        .set(summary.duration().toMillis() / 1000.0);
    Gauge resources =
        Gauge.builder()
            .name("fqdn_job_resources")
            .help("fqdn resources of the last run, by outcome.")
            .labelNames("outcome")
            .register(registry);
    resources.labelValues("listed").set(summary.listed());
    resources.labelValues("due").set(summary.due());
    for (Outcome outcome : Outcome.values()) {
      resources.labelValues(outcome.label()).set(summary.count(outcome));
    }
    Gauge lookups =
        Gauge.builder()
            .name("fqdn_job_lookups")
            .help("Unique (name, record type) lookups of the last run, by outcome.")
            .labelNames("reason")
            .register(registry);
    for (ResolveReason reason : ResolveReason.values()) {
      lookups.labelValues(reason.name()).set(summary.lookupsByReason().getOrDefault(reason, 0));
    }
    gauge(registry, "fqdn_job_dns_queries", "DNS messages sent by the last run.")
        .set(summary.lookups().queries());
    failedRounds(registry).set(failedRounds);
    Gauge writes =
        Gauge.builder()
            .name("fqdn_job_writes")
            .help(
                "API writes of the last run, by kind (status_refresh: status writes with no change"
                    + " but times, on the resource's refresh turn; included in status).")
            .labelNames("kind")
            .register(registry);
    writes.labelValues("networkpolicy").set(summary.networkPolicyWrites());
    writes.labelValues("status").set(summary.statusWrites());
    writes.labelValues("status_refresh").set(summary.statusRefreshes());
    if (metrics.succeeded) {
      gauge(
              registry,
              "fqdn_job_last_success_timestamp_seconds",
              "When a run last completed with every resource written, Unix time.")
          .set(finished);
    }
    return metrics;
  }

  /**
   * Returns the metrics of a round of a loop that ended with an unexpected error, the {@code
   * failedRounds}-th in a row: only the run time, the failure and the count.
   */
  public static RunMetrics ofFailedRound(int failedRounds, Instant finishedAt) {
    RunMetrics metrics = new RunMetrics(false);
    failedRounds(metrics.registry).set(failedRounds);
    gauge(
            metrics.registry,
            "fqdn_job_last_run_timestamp_seconds",
            "When the last run finished, Unix time.")
        .set(finishedAt.toEpochMilli() / 1000.0);
    lastRunFailed(metrics.registry).set(1);
    exitCode(metrics.registry).set(RunSummary.EXIT_FAILED);
    return metrics;
  }

  private static Gauge failedRounds(PrometheusRegistry registry) {
    return gauge(
        registry,
        "fqdn_job_failed_runs_in_a_row",
        "With --loop: runs in a row that could not list the resources (an API outage, an"
            + " unexpected error); 0 after a run that could. The loop exits after"
            + " --give-up-after of them.");
  }

  private static Gauge lastRunFailed(PrometheusRegistry registry) {
    return gauge(
        registry,
        "fqdn_job_last_run_failed",
        "1 when the last run left some resource unwritten: it failed (exit code "
            + RunSummary.EXIT_FAILED
            + ", also when it could not run at all) or was cut short (exit code "
            + RunSummary.EXIT_CUT_SHORT
            + "); else 0.");
  }

  private static Gauge exitCode(PrometheusRegistry registry) {
    return gauge(
        registry,
        "fqdn_job_last_run_exit_code",
        "Exit code of the last run: "
            + RunSummary.EXIT_COMPLETED
            + " completed, "
            + RunSummary.EXIT_REFUSED
            + " the credentials may not read the resources, "
            + RunSummary.EXIT_FAILED
            + " failed (some resource not written after retries, or nothing listed), "
            + RunSummary.EXIT_CUT_SHORT
            + " cut short by --deadline or SIGTERM (the rest is left for the next run).");
  }

  /** Returns the registry holding the metrics. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** Returns whether the run succeeded (and so carries a last-success time). */
  public boolean succeeded() {
    return succeeded;
  }

  private static Gauge gauge(PrometheusRegistry registry, String name, String help) {
    return Gauge.builder().name(name).help(help).register(registry);
  }

  /**
   * Labels identifying this process's series on the gateway: its pod's namespace and its shard
   * ({@link GroupingKey}).
   */
  public static Map<String, String> groupingKey(int shardIndex, int shardCount) {
    return GroupingKey.forThisProcess(shardIndex, shardCount);
  }
}
