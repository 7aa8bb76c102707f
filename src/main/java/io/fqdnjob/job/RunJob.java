package io.fqdnjob.job;

import io.fqdnjob.dns.DnsResolver;
import io.fqdnjob.dns.LookupKey;
import io.fqdnjob.dns.LookupResult;
import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.kube.Deadline;
import io.fqdnjob.kube.DeadlineExceededException;
import io.fqdnjob.kube.EventRecorder;
import io.fqdnjob.kube.FqdnPolicyStore;
import io.fqdnjob.kube.ListedResource;
import io.fqdnjob.kube.LiveNetworkPolicy;
import io.fqdnjob.kube.NetworkPolicyStore;
import io.fqdnjob.kube.Scope;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.AddressFilter;
import io.fqdnjob.policy.DueCheck;
import io.fqdnjob.policy.RetainedNames;
import io.fqdnjob.policy.StatusRefresh;
import io.kubernetes.client.openapi.ApiException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run: list the resources, decide which are due, resolve their names once each, rebuild each
 * status from the previous one, apply the NetworkPolicies and the statuses that changed, and
 * report. Each step is a stage of its own; this class runs them page by page and counts.
 */
public final class RunJob {
  private static final Logger LOG = LoggerFactory.getLogger(RunJob.class);

  /**
   * How a run behaves.
   *
   * @param lookupDeadline how long after the start of a run lookups still running are abandoned
   *     ({@code null}: no limit beyond each lookup's timeout); resources that depend on them are
   *     left untouched
   * @param dryRun send every write as a server-side dry run and print what would change
   * @param maxPeersPerPolicy a NetworkPolicy with more address blocks than this is not applied
   * @param deadline after it no write starts and no lookup is waited for; resources not written by
   *     then are left for the next run (see {@link #withDeadline})
   * @param refresh when a status whose content did not change is written anyway
   */
  public record Options(
      Scope scope,
      Duration dueSlack,
      boolean force,
      boolean dryRun,
      int apiConcurrency,
      Duration lookupDeadline,
      Shard shard,
      int maxPeersPerPolicy,
      Deadline deadline,
      StatusRefresh refresh) {

    /** Returns these options for one run that ends at {@code deadline}. */
    public Options withDeadline(Deadline deadline) {
      return new Options(
          scope,
          dueSlack,
          force,
          dryRun,
          apiConcurrency,
          lookupDeadline,
          shard,
          maxPeersPerPolicy,
          deadline,
          refresh);
    }
  }

  private final FqdnPolicyStore policies;
  private final NetworkPolicyStore networkPolicies;
  private final EventRecorder events;
  private final DnsResolver resolver;
  private final AddressFilter filter;
  private final Clock clock;
  private final Options options;
  private final PrintStream out;
  private final Progress progress;

  /** Counts of the run in progress; a new set for every run of a loop. */
  private static final class Tally {
    final AtomicInteger listed = new AtomicInteger();
    final AtomicInteger due = new AtomicInteger();
    final AtomicInteger invalid = new AtomicInteger();
    final AtomicInteger deleting = new AtomicInteger();
    final AtomicInteger applied = new AtomicInteger();
    final AtomicInteger unchanged = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger conflicts = new AtomicInteger();
    final AtomicInteger tooLarge = new AtomicInteger();
    final AtomicInteger abandoned = new AtomicInteger();
    final AtomicInteger repaired = new AtomicInteger();
    final AtomicInteger cutShort = new AtomicInteger();
    final AtomicInteger networkPolicyWrites = new AtomicInteger();
    final AtomicInteger statusWrites = new AtomicInteger();
    final AtomicInteger statusRefreshes = new AtomicInteger();
    final AtomicInteger clamped = new AtomicInteger();
    final AtomicReference<String> clampedExample = new AtomicReference<>();
    final AtomicReference<Instant> nextDue = new AtomicReference<>();

    void dueAt(Instant when) {
      nextDue.accumulateAndGet(when, (a, b) -> a == null || b.isBefore(a) ? b : a);
    }

    void count(ApplyStage.Applied applied) {
      switch (applied.outcome()) {
        case CREATED, UPDATED -> {
          networkPolicyWrites.incrementAndGet();
          this.applied.incrementAndGet();
        }
        case UNCHANGED -> unchanged.incrementAndGet();
        case CONFLICT -> conflicts.incrementAndGet();
        case TOO_LARGE -> tooLarge.incrementAndGet();
        case FAILED -> {
          networkPolicyWrites.incrementAndGet();
          failed.incrementAndGet();
        }
        case CUT_SHORT, IN_PLACE -> {}
      }
    }

    /** Counts a status write; returns whether the resource was cut short by it. */
    boolean count(RecordStage.Write write, StatusRefresh.Decision decision) {
      if (write != RecordStage.Write.SKIPPED && write != RecordStage.Write.CUT_SHORT) {
        statusWrites.incrementAndGet();
        if (decision == StatusRefresh.Decision.REFRESH) {
          statusRefreshes.incrementAndGet();
        }
      }
      if (write == RecordStage.Write.FAILED) {
        failed.incrementAndGet();
      }
      return write == RecordStage.Write.CUT_SHORT;
    }
  }

  private volatile Tally tally = new Tally();

  public RunJob(
      FqdnPolicyStore policies,
      NetworkPolicyStore networkPolicies,
      EventRecorder events,
      DnsResolver resolver,
      AddressFilter filter,
      Clock clock,
      Options options,
      PrintStream out,
      Progress progress) {
    this.policies = policies;
    this.networkPolicies = networkPolicies;
    this.events = events;
    this.resolver = resolver;
    this.filter = filter;
    this.clock = clock;
    this.options = options;
    this.out = out;
    this.progress = progress;
  }

  /**
   * Runs once and returns the counts; throws only when nothing could be listed.
   *
   * <p>The stages, for each page of resources: {@link DueStage due} → {@link ResolveStage resolve}
   * → {@link RetainStage retain} → {@link RenderStage render} → {@link ApplyStage apply} → {@link
   * RecordStage record}. The NetworkPolicies are listed first ({@link ListStage}), into a compact
   * index; the resources one page at a time, so that a run holds one page whatever the number of
   * resources. A page's writes go on while the next page is listed and resolved; at most two pages
   * are in flight.
   */
  public RunSummary run() throws ApiException, InterruptedException {
    Instant started = clock.instant();
    Tally run = new Tally();
    tally = run;
    listedLogged = null;
    long queriesBefore = resolver.queriesSent();
    Map<String, Long> unansweredBefore = resolver.unansweredQueries();
    ListStage list = new ListStage(policies, networkPolicies, options.scope(), options.shard());
    progress.phase("listing networkpolicies");
    Map<ResourceId, LiveNetworkPolicy> live = list.networkPolicies();

    // Every time this run writes is the time before its first resource was listed and its first
    // name resolved: a slow run must not move the lookup times, and with them the next due time,
    // later than the schedule, and an answer is never older than the time it is recorded at.
    Instant now = clock.instant();
    DueStage due = new DueStage(new DueCheck(options.dueSlack(), options.force()));
    ResolveStage resolve = new ResolveStage(resolver);
    RetainStage retain = new RetainStage(options.refresh());
    RenderStage render = new RenderStage(filter);
    ApplyStage apply =
        new ApplyStage(
            networkPolicies,
            options.maxPeersPerPolicy(),
            options.dryRun(),
            options.deadline(),
            out);
    RecordStage record =
        new RecordStage(
            policies, events, options.refresh(), options.dryRun(), options.deadline(), out);
    Instant lookupsEnd =
        options.lookupDeadline() == null
            ? options.deadline().instant()
            : earlier(started.plus(options.lookupDeadline()), options.deadline().instant());

    RunSummary.ListOutcome listOutcome = RunSummary.ListOutcome.LISTED;
    ExecutorService api = Executors.newFixedThreadPool(Math.max(1, options.apiConcurrency()));
    try {
      AtomicReference<List<Future<?>>> inFlight = new AtomicReference<>(List.of());
      PageTimes times = new PageTimes();
      try {
        list.resources(page -> {
          times.listed();
          DueStage.Triage triage = due.triage(page, live, now);
          run.listed.addAndGet(page.size());
          run.due.addAndGet(triage.due().size());
          run.invalid.addAndGet(triage.invalid().size());
          run.deleting.addAndGet(triage.deleting());
          logListed(run);
          progress.phase(
              "resolving names for " + triage.due().size() + " due resources of " + run.listed);
          Map<LookupKey, LookupResult> results = resolve.resolve(triage.due(), lookupsEnd);
          progress.phase("writing " + triage.due().size() + " resources of " + run.listed);
          List<Future<?>> work = new ArrayList<>();
          for (Target target : triage.due()) {
            work.add(
                api.submit(() -> process(target, results, now, retain, render, apply, record)));
          }
          for (ListedResource resource : triage.invalid()) {
            work.add(api.submit(() -> reportInvalid(resource, now, record)));
          }
          for (Target target : triage.notDue()) {
            run.dueAt(DueCheck.nextDue(target.policy()));
            work.add(api.submit(() -> repair(target, now, retain, render, apply, record)));
          }
          times.submitted();
          // The page before this one must be done before another is listed: two in flight.
          await(inFlight.getAndSet(work));
          times.waited(page.size(), triage.due().size());
        });
      } catch (ApiException e) {
        if (run.listed.get() == 0) {
          throw e;
        }
        listOutcome =
            e instanceof DeadlineExceededException
                ? RunSummary.ListOutcome.CUT_SHORT
                : RunSummary.ListOutcome.FAILED;
        LOG.error(
            "listing stopped after {} resources, the rest is left for the next run: {}",
            run.listed.get(),
            ApiRetry.describe(e));
      }
      await(inFlight.get());
    } finally {
      api.shutdownNow();
      progress.done();
    }
    if (run.clamped.get() > 0) {
      LOG.warn(
          "{} resources have a retryTimeoutSeconds or seenAddressRetentionSeconds shorter than"
              + " --status-refresh={}s; their statuses refresh at that window instead (e.g. {})",
          run.clamped.get(),
          options.refresh().interval().toSeconds(),
          run.clampedExample.get());
    }
    LOG.info(
        "{} resources listed, {} due, {} invalid, {} being deleted",
        run.listed.get(),
        run.due.get(),
        run.invalid.get(),
        run.deleting.get());

    logUnansweredServers(unansweredBefore);
    return new RunSummary(
        run.listed.get(),
        run.due.get(),
        run.applied.get(),
        run.unchanged.get(),
        run.failed.get(),
        run.conflicts.get(),
        run.tooLarge.get(),
        run.invalid.get(),
        run.abandoned.get(),
        run.repaired.get(),
        run.deleting.get(),
        resolve.uniqueNames(),
        resolver.queriesSent() - queriesBefore,
        run.networkPolicyWrites.get(),
        run.statusWrites.get(),
        run.statusRefreshes.get(),
        Duration.between(started, clock.instant()),
        run.nextDue.get(),
        resolve.byReason(),
        run.cutShort.get(),
        listOutcome);
  }

  /**
   * Names each DNS server that left queries of this run unanswered: a replica that is down while
   * its endpoint still counts as ready, or a server that is unreachable. The lookups went on with
   * the other servers (the next one in turn, or the others of a union); without any answer a name's
   * lookup failed as a transient failure and kept its addresses.
   */
  private void logUnansweredServers(Map<String, Long> before) {
    resolver
        .unansweredQueries()
        .forEach((server, total) -> {
          long count = total - before.getOrDefault(server, 0L);
          if (count > 0) {
            LOG.warn(
                "DNS server {} left {} {} of this run unanswered; the lookups used the other"
                    + " servers' answers where there were any",
                server,
                count,
                count == 1 ? "query" : "queries");
          }
        });
  }

  private static Instant earlier(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static final Duration LISTED_LOG_INTERVAL = Duration.ofSeconds(10);
  private Instant listedLogged;

  /** Logs how far the list got: after the first page, then at most every ten seconds. */
  private void logListed(Tally run) {
    Instant now = Instant.now();
    if (listedLogged != null && now.isBefore(listedLogged.plus(LISTED_LOG_INTERVAL))) {
      return;
    }
    listedLogged = now;
    LOG.info("{} resources listed so far, {} due", run.listed.get(), run.due.get());
  }

  /**
   * Times the pages of a run for the debug log ({@code --verbose}): how long the list took to hand
   * over a page (the API server answering and the job parsing), how long due-ness and lookups took,
   * and how long the page then waited for the work of the page before. When the waits dominate, the
   * comparisons and writes bound the run; when the lists do, reading the resources does.
   */
  private static final class PageTimes {
    private int page;
    private long mark = System.nanoTime();
    private long listed;
    private long submitted;

    void listed() {
      listed = System.nanoTime();
    }

    void submitted() {
      submitted = System.nanoTime();
    }

    void waited(int resources, int due) {
      long now = System.nanoTime();
      if (LOG.isDebugEnabled()) {
        LOG.debug(
            "page {}: {} resources ({} due) listed in {} ms, triaged and resolved in {} ms, then"
                + " {} ms waiting for the page before",
            ++page,
            resources,
            due,
            (listed - mark) / 1_000_000,
            (submitted - listed) / 1_000_000,
            (now - submitted) / 1_000_000);
      }
      mark = now;
    }
  }

  /** Waits for the work of one page; a task that threw is counted as failed. */
  private void await(List<Future<?>> work) throws InterruptedException {
    int finished = 0;
    for (Future<?> future : work) {
      progress.step(finished++, work.size());
      try {
        future.get();
      } catch (ExecutionException e) {
        tally.failed.incrementAndGet();
        LOG.error("unexpected failure while processing a resource", e.getCause());
      }
    }
  }

  /**
   * Returns whether the run's deadline has passed: no write of a resource starts then, and the
   * summary counts it as cut short.
   */
  private boolean leftForNextRun(ResourceId id) {
    if (!options.deadline().passed()) {
      return false;
    }
    LOG.debug("{}: left for the next run, the run's deadline has passed", id);
    return true;
  }

  /** A due resource: retain, render, apply, record. */
  private void process(
      Target target,
      Map<LookupKey, LookupResult> results,
      Instant now,
      RetainStage retain,
      RenderStage render,
      ApplyStage apply,
      RecordStage record) {
    Tally run = tally;
    FqdnNetworkPolicy policy = target.policy();
    if (leftForNextRun(target.id())) {
      run.cutShort.incrementAndGet();
      return;
    }
    RetainedNames names = retain.retain(target, results, now);
    if (!names.unfinishedNames().isEmpty()) {
      run.abandoned.incrementAndGet();
      run.dueAt(now);
      LOG.info(
          "{}: left untouched, lookups unfinished for {}", target.id(), names.unfinishedNames());
      return;
    }
    if (options.refresh().isClamped(policy.spec()) && run.clamped.getAndIncrement() == 0) {
      run.clampedExample.set(
          target.id() + ": " + options.refresh().intervalFor(policy.spec()).toSeconds() + "s");
    }
    RenderStage.Rendered rendered = render.render(names);
    ApplyStage.Applied applied = apply.apply(target, rendered);
    run.count(applied);
    if (applied.outcome() == ApplyStage.Outcome.CUT_SHORT) {
      run.cutShort.incrementAndGet();
      return;
    }
    RecordStage.Recorded recorded = record.record(target, rendered, applied);
    if (run.count(recorded.write(), recorded.decision())) {
      run.cutShort.incrementAndGet();
    }
    run.dueAt(now.plus(DueCheck.effectiveTtl(policy.spec(), rendered.plan().appliedStatus())));
  }

  /** A resource that is not due: render from its status, and repair the policy if needed. */
  private void repair(
      Target target,
      Instant now,
      RetainStage retain,
      RenderStage render,
      ApplyStage apply,
      RecordStage record) {
    Tally run = tally;
    RenderStage.Rendered rendered = render.render(retain.asRecorded(target, now));
    ApplyStage.Applied applied = apply.repair(target, rendered);
    switch (applied.outcome()) {
      case CREATED, UPDATED -> {
        run.networkPolicyWrites.incrementAndGet();
        run.repaired.incrementAndGet();
        record.repaired(target, rendered, applied);
      }
      case FAILED -> {
        run.networkPolicyWrites.incrementAndGet();
        run.failed.incrementAndGet();
      }
      case CUT_SHORT -> run.cutShort.incrementAndGet();
      default -> {}
    }
  }

  private void reportInvalid(ListedResource resource, Instant now, RecordStage record) {
    if (leftForNextRun(resource.id())) {
      tally.cutShort.incrementAndGet();
      return;
    }
    if (tally.count(record.invalid(resource, now), StatusRefresh.Decision.CHANGED)) {
      tally.cutShort.incrementAndGet();
    }
  }
}
