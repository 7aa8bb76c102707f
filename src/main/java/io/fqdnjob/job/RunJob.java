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
import io.fqdnjob.kube.StopSignal;
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
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
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
 * report. Each step is a stage of its own; this class drives them and gives every listed resource
 * one {@link Outcome}.
 */
public final class RunJob {
  private static final Logger LOG = LoggerFactory.getLogger(RunJob.class);

  /** Due resources resolved and written together: as many as a page of the list holds. */
  static final int BATCH = 500;

  /**
   * How a run behaves.
   *
   * @param lookupDeadline how long after the start of a run lookups still running are abandoned
   *     ({@code null}: no limit beyond each lookup's timeout); resources that depend on them are
   *     left untouched
   * @param dryRun send every write as a server-side dry run and print what would change
   * @param maxPeersPerPolicy a NetworkPolicy with more address blocks than this is not applied
   * @param deadline after it, or once its stop signal is requested, no request starts and no lookup
   *     is waited for; resources not written by then are left for the next run
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

  /** The counts of the run in progress, updated from the writer threads. */
  private static final class Tally {
    final Map<Outcome, AtomicInteger> outcomes = new EnumMap<>(Outcome.class);
    final AtomicInteger listed = new AtomicInteger();
    final AtomicInteger due = new AtomicInteger();
    final AtomicInteger networkPolicyWrites = new AtomicInteger();
    final AtomicInteger statusWrites = new AtomicInteger();
    final AtomicInteger statusRefreshes = new AtomicInteger();
    final AtomicInteger clamped = new AtomicInteger();
    final AtomicReference<String> clampedExample = new AtomicReference<>();
    final AtomicReference<Instant> nextDue = new AtomicReference<>();

    Tally() {
      for (Outcome outcome : Outcome.values()) {
        outcomes.put(outcome, new AtomicInteger());
      }
    }

    void record(Outcome outcome) {
      outcomes.get(outcome).incrementAndGet();
    }

    void dueAt(Instant when) {
      nextDue.accumulateAndGet(when, (a, b) -> a == null || b.isBefore(a) ? b : a);
    }

    void count(ApplyStage.Applied applied) {
      if (applied.written()) {
        networkPolicyWrites.incrementAndGet();
      }
    }

    void count(RecordStage.Recorded recorded) {
      if (recorded.sent()) {
        statusWrites.incrementAndGet();
        if (recorded.decision() == StatusRefresh.Decision.REFRESH) {
          statusRefreshes.incrementAndGet();
        }
      }
    }

    Map<Outcome, Integer> outcomes() {
      Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
      outcomes.forEach((outcome, count) -> counts.put(outcome, count.get()));
      return counts;
    }
  }

  /** The stages of one run, made once it has listed the NetworkPolicies. */
  private record Stages(
      Instant now,
      DueStage due,
      ResolveStage resolve,
      RetainStage retain,
      RenderStage render,
      ApplyStage apply,
      RecordStage record) {}

  /**
   * Runs once and returns what became of every listed resource; a list that fails or is cut short
   * is in the summary's {@link RunSummary.Ending}, never thrown.
   *
   * <p>The stages: {@link ListStage list} → {@link DueStage due} → {@link ResolveStage resolve} →
   * {@link RetainStage retain} → {@link RenderStage render} → {@link ApplyStage apply} → {@link
   * RecordStage record}. The NetworkPolicies are listed first, into a compact index; the resources
   * one page at a time. Resources that are not due (whose policy is only checked) and invalid ones
   * are worked on as their page is read; due ones are queued most overdue first ({@link DueQueue})
   * and resolved and written in batches once the list is read (or the queue is full), two batches
   * in flight: a batch's writes go on while the next one is resolved.
   */
  public RunSummary run() throws InterruptedException {
    Instant started = clock.instant();
    Tally tally = new Tally();
    long queriesBefore = resolver.queriesSent();
    Map<String, Long> unansweredBefore = resolver.unansweredQueries();
    Deadline deadline = options.deadline();
    ListStage list = new ListStage(policies, networkPolicies, options.scope(), options.shard());
    ResolveStage resolve = new ResolveStage(resolver);
    RunSummary.Ending ending = RunSummary.Ending.LISTED;
    ExecutorService api = Executors.newFixedThreadPool(Math.max(1, options.apiConcurrency()));
    try {
      progress.phase("listing networkpolicies");
      Map<ResourceId, LiveNetworkPolicy> live = list.networkPolicies();
      // Every time this run writes is the time before its first resource was listed and its
      // first name resolved: a slow run must not move the lookup times, and with them the next
      // due time, later than the schedule, and an answer is never older than the time it is
      // recorded at.
      Stages stages = stages(clock.instant(), resolve);
      ending = work(list.resources(), live, stages, api, tally, started);
    } catch (ApiException e) {
      ending = ending(e, tally);
    } finally {
      api.shutdownNow();
      progress.done();
    }
    if (deadline.stop().reason() == StopSignal.Reason.STALLED) {
      ending = RunSummary.Ending.API_STALLED;
    }
    if (tally.clamped.get() > 0) {
      LOG.warn(
          "{} resources have a retryTimeoutSeconds or seenAddressRetentionSeconds shorter than"
              + " --status-refresh={}s; their statuses refresh at that window instead (e.g. {})",
          tally.clamped.get(),
          options.refresh().interval().toSeconds(),
          tally.clampedExample.get());
    }
    Map<Outcome, Integer> outcomes = tally.outcomes();
    LOG.info(
        "{} resources listed, {} due, {} invalid, {} being deleted",
        tally.listed.get(),
        tally.due.get(),
        outcomes.get(Outcome.INVALID),
        outcomes.get(Outcome.DELETING));
    logUnansweredServers(unansweredBefore);
    return new RunSummary(
        outcomes,
        tally.due.get(),
        new RunSummary.Lookups(
            resolve.uniqueNames(), resolver.queriesSent() - queriesBefore, resolve.byReason()),
        new RunSummary.Writes(
            tally.networkPolicyWrites.get(), tally.statusWrites.get(), tally.statusRefreshes.get()),
        Duration.between(started, clock.instant()),
        tally.nextDue.get(),
        ending);
  }

  private Stages stages(Instant now, ResolveStage resolve) {
    return new Stages(
        now,
        new DueStage(new DueCheck(options.dueSlack(), options.force())),
        resolve,
        new RetainStage(options.refresh()),
        new RenderStage(filter),
        new ApplyStage(
            networkPolicies,
            options.maxPeersPerPolicy(),
            options.dryRun(),
            options.deadline(),
            out),
        new RecordStage(
            policies, events, options.refresh(), options.dryRun(), options.deadline(), out));
  }

  /**
   * Reads the pages and drives the stages; returns how the list ended. Every listed resource gets
   * its outcome before this returns.
   */
  private RunSummary.Ending work(
      FqdnPolicyStore.Pages pages,
      Map<ResourceId, LiveNetworkPolicy> live,
      Stages stages,
      ExecutorService api,
      Tally tally,
      Instant started)
      throws InterruptedException {
    Instant lookupsEnd =
        options.lookupDeadline() == null
            ? options.deadline().instant()
            : earlier(started.plus(options.lookupDeadline()), options.deadline().instant());
    DueQueue queue = new DueQueue();
    InFlight checks = new InFlight(api, tally);
    InFlight batches = new InFlight(api, tally);
    RunSummary.Ending ending = RunSummary.Ending.LISTED;
    PageLog pageLog = new PageLog();
    try {
      for (List<ListedResource> page = pages.next(); page != null; page = pages.next()) {
        pageLog.listed();
        DueStage.Triage triage = stages.due().triage(page, live, stages.now());
        tally.listed.addAndGet(page.size());
        tally.due.addAndGet(triage.due().size());
        for (int i = 0; i < triage.deleting(); i++) {
          tally.record(Outcome.DELETING);
        }
        pageLog.log(tally);
        progress.phase("listed " + tally.listed + " resources, " + tally.due + " due");
        List<Callable<Outcome>> work = new ArrayList<>();
        for (ListedResource resource : triage.invalid()) {
          work.add(() -> reportInvalid(resource, stages, tally));
        }
        for (Target target : triage.notDue()) {
          tally.dueAt(DueCheck.nextDue(target.policy()));
          work.add(() -> repair(target, stages, tally));
        }
        // The checks of the page before must be done before another is listed: two in flight.
        checks.submit(work);
        queue.addAll(triage.due());
        while (queue.full()) {
          batch(queue.take(BATCH), stages, lookupsEnd, batches, tally);
        }
      }
    } catch (ApiException e) {
      ending = ending(e, tally);
    }
    while (!queue.isEmpty()) {
      batch(queue.take(BATCH), stages, lookupsEnd, batches, tally);
    }
    checks.awaitAll();
    batches.awaitAll();
    return ending;
  }

  /** Resolves the names of a batch of due resources and hands them to the writer threads. */
  private void batch(
      List<Target> batch, Stages stages, Instant lookupsEnd, InFlight batches, Tally tally)
      throws InterruptedException {
    if (options.deadline().passed()) {
      // Nothing more is asked or written: the rest is left as it was for the next run.
      for (int i = 0; i < batch.size(); i++) {
        tally.record(Outcome.CUT_SHORT);
      }
      LOG.debug("{} due resources left for the next run: {}", batch.size(), whyStopped());
      return;
    }
    progress.phase("resolving names for " + batch.size() + " due resources");
    Map<LookupKey, LookupResult> results = stages.resolve().resolve(batch, lookupsEnd);
    progress.phase("writing " + batch.size() + " due resources");
    List<Callable<Outcome>> work = new ArrayList<>();
    for (Target target : batch) {
      work.add(() -> process(target, results, stages, tally));
    }
    batches.submit(work);
  }

  /**
   * The work of one page or batch on the writer threads, at most two of them in flight: submitting
   * one waits for the one before the last. Each task returns its resource's outcome; one that
   * throws counts as {@link Outcome#FAILED}.
   */
  private final class InFlight {
    private final ExecutorService api;
    private final Tally tally;
    private List<Future<Outcome>> previous = List.of();

    InFlight(ExecutorService api, Tally tally) {
      this.api = api;
      this.tally = tally;
    }

    void submit(List<Callable<Outcome>> work) throws InterruptedException {
      List<Future<Outcome>> submitted = new ArrayList<>(work.size());
      for (Callable<Outcome> task : work) {
        submitted.add(api.submit(task));
      }
      List<Future<Outcome>> before = previous;
      previous = submitted;
      await(before);
    }

    void awaitAll() throws InterruptedException {
      await(previous);
      previous = List.of();
    }

    private void await(List<Future<Outcome>> work) throws InterruptedException {
      int finished = 0;
      for (Future<Outcome> future : work) {
        progress.step(finished++, work.size());
        try {
          tally.record(future.get());
        } catch (ExecutionException e) {
          tally.record(Outcome.FAILED);
          LOG.error("unexpected failure while processing a resource", e.getCause());
        }
      }
    }
  }

  /** Returns how a list that threw {@code e} ended, and logs it. */
  private RunSummary.Ending ending(ApiException e, Tally tally) {
    int listed = tally.listed.get();
    String what =
        listed == 0
            ? "could not list the resources"
            : "listing stopped after " + listed + " resources, the rest is left for the next run";
    RunSummary.Ending ending;
    if (e instanceof DeadlineExceededException) {
      ending =
          options.deadline().stop().reason() == StopSignal.Reason.STALLED
              ? RunSummary.Ending.API_STALLED
              : RunSummary.Ending.LIST_CUT_SHORT;
      LOG.warn("{}: {}", what, ApiRetry.describe(e));
      return ending;
    }
    if (e.getCode() == 401 || e.getCode() == 403) {
      ending = RunSummary.Ending.LIST_REFUSED;
    } else if (ApiRetry.timedOut(e)) {
      ending = RunSummary.Ending.API_STALLED;
    } else {
      ending = RunSummary.Ending.LIST_FAILED;
    }
    LOG.error("{}: {}{}", what, ApiRetry.describe(e), hint(e));
    return ending;
  }

  /** Returns advice for a refusal whose cause is likely the scope of the job's rights. */
  private String hint(ApiException e) {
    if (e.getCode() == 403
        && options.scope().listNamespaces().isEmpty()
        && options.scope().policies().isEmpty()) {
      return "; with rights in some namespaces only (a namespaced install), pass --namespace";
    }
    return "";
  }

  private String whyStopped() {
    String why = options.deadline().why();
    return why == null ? "the run was stopped" : why;
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

  /**
   * Logs how far the list got: after the first page, then at most every ten seconds; and with
   * {@code --verbose} how long each page took to arrive (the API server answering and the job
   * parsing it).
   */
  private final class PageLog {
    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private Instant logged;
    private int page;
    private long mark = System.nanoTime();

    void listed() {
      long now = System.nanoTime();
      if (LOG.isDebugEnabled()) {
        LOG.debug("page {} listed in {} ms", ++page, (now - mark) / 1_000_000);
      }
      mark = now;
    }

    void log(Tally tally) {
      Instant now = Instant.now();
      if (logged != null && now.isBefore(logged.plus(INTERVAL))) {
        return;
      }
      logged = now;
      LOG.info("{} resources listed so far, {} due", tally.listed.get(), tally.due.get());
    }
  }

  /** A due resource: retain, render, apply, record. Returns its outcome. */
  private Outcome process(
      Target target, Map<LookupKey, LookupResult> results, Stages stages, Tally tally) {
    FqdnNetworkPolicy policy = target.policy();
    if (options.deadline().passed()) {
      LOG.debug("{}: left for the next run: {}", target.id(), whyStopped());
      return Outcome.CUT_SHORT;
    }
    RetainedNames names = stages.retain().retain(target, results, stages.now());
    if (!names.unfinishedNames().isEmpty()) {
      LOG.info(
          "{}: left untouched, lookups unfinished for {}", target.id(), names.unfinishedNames());
      return Outcome.ABANDONED;
    }
    if (options.refresh().isClamped(policy.spec()) && tally.clamped.getAndIncrement() == 0) {
      tally.clampedExample.set(
          target.id() + ": " + options.refresh().intervalFor(policy.spec()).toSeconds() + "s");
    }
    RenderStage.Rendered rendered = stages.render().render(names);
    ApplyStage.Applied applied = stages.apply().apply(target, rendered);
    tally.count(applied);
    if (applied.outcome() == Outcome.CUT_SHORT) {
      return Outcome.CUT_SHORT;
    }
    RecordStage.Recorded recorded = stages.record().record(target, rendered, applied);
    tally.count(recorded);
    Outcome outcome = recorded.write().after(applied.outcome());
    if (outcome != Outcome.CUT_SHORT) {
      tally.dueAt(
          stages.now().plus(DueCheck.effectiveTtl(policy.spec(), rendered.plan().appliedStatus())));
    }
    return outcome;
  }

  /** A resource that is not due: render from its status, and repair the policy if needed. */
  private Outcome repair(Target target, Stages stages, Tally tally) {
    RenderStage.Rendered rendered =
        stages.render().render(stages.retain().asRecorded(target, stages.now()));
    ApplyStage.Applied applied = stages.apply().repair(target, rendered);
    tally.count(applied);
    if (applied.outcome() == Outcome.REPAIRED) {
      stages.record().repaired(target, rendered, applied);
    }
    return applied.outcome();
  }

  private Outcome reportInvalid(ListedResource resource, Stages stages, Tally tally) {
    if (options.deadline().passed()) {
      return Outcome.CUT_SHORT;
    }
    RecordStage.Write write = stages.record().invalid(resource, stages.now());
    tally.count(new RecordStage.Recorded(StatusRefresh.Decision.CHANGED, write));
    return write.after(Outcome.INVALID);
  }
}
