package io.fqdnjob.job;

import io.fqdnjob.dns.DnsResolver;
import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.kube.Deadline;
import io.fqdnjob.kube.EventRecorder;
import io.fqdnjob.kube.FqdnPolicyStore;
import io.fqdnjob.kube.NetworkPolicyStore;
import io.fqdnjob.kube.Scope;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.AddressFilter;
import io.fqdnjob.policy.StatusRefresh;
import io.fqdnjob.testbed.TestBed;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.TreeSet;

/**
 * Builds {@link RunJob} in the test's JVM against the real API server and DNS server of the bed,
 * with a clock the test sets: due-ness, retention and windows are tested by moving the clock, never
 * by sleeping. The API server and DNS server are as real as for the packaged job; only the clock
 * and the wiring of the command line are the test's.
 */
final class InProcessRun {
  /** A clock that stands still until the test moves it; safe to read from any thread. */
  static final class TestClock extends Clock {
    private volatile Instant now;

    TestClock(Instant start) {
      this.now = start;
    }

    /** A clock at the current whole second: status times are written in whole seconds. */
    static TestClock atNow() {
      return new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  private final TestBed bed;
  final TestClock clock;
  Duration dueSlack = Duration.ZERO;
  boolean force;
  boolean dryRun;
  int maxPeersPerPolicy = 5000;
  Duration statusRefresh = StatusRefresh.DEFAULT_INTERVAL;
  Progress progress = Progress.NONE;
  ApiClient client;
  String instance = "in-process";
  int apiConcurrency = 4;

  /** The deadline of the next run; none by default. */
  java.util.function.Supplier<Deadline> deadline = Deadline::none;

  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

  InProcessRun(TestBed bed, TestClock clock) {
    this.bed = bed;
    this.clock = clock;
    this.client = bed.client();
  }

  /** Runs over the named resources of the bed's namespace. */
  RunSummary policies(String... names) throws ApiException, InterruptedException {
    TreeSet<ResourceId> ids = new TreeSet<>();
    for (String name : names) {
      ids.add(new ResourceId(bed.namespace(), name));
    }
    return run(new Scope(new TreeSet<>(), null, ids));
  }

  /** Runs over every resource of {@code namespace}. */
  RunSummary namespace(String namespace) throws ApiException, InterruptedException {
    return run(new Scope(new TreeSet<>(List.of(namespace)), null, new TreeSet<>()));
  }

  RunSummary run(Scope scope) throws ApiException, InterruptedException {
    Deadline runDeadline = deadline.get();
    ApiRetry retry = ApiRetry.standard().withDeadline(runDeadline);
    try (DnsResolver resolver = new DnsResolver(DnsResolver.Config.of(List.of(bed.dnsAddress())))) {
      return new RunJob(
              new FqdnPolicyStore(client, retry),
              new NetworkPolicyStore(client, retry),
              new EventRecorder(client, retry, instance),
              resolver,
              AddressFilter.defaults(),
              clock,
              new RunJob.Options(
                  scope,
                  dueSlack,
                  force,
                  dryRun,
                  apiConcurrency,
                  null,
                  new Shard(0, 1),
                  maxPeersPerPolicy,
                  runDeadline,
                  new StatusRefresh(statusRefresh)),
              new PrintStream(printed, true, StandardCharsets.UTF_8),
              progress)
          .run();
    }
  }

  /** What the runs printed on standard output (dry runs). */
  String printed() {
    return printed.toString(StandardCharsets.UTF_8);
  }
}
