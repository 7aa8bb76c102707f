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
import io.fqdnjob.model.Condition;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicyCodec;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.ResolveReason;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.AddressFilter;
import io.fqdnjob.policy.Conditions;
import io.fqdnjob.policy.DueCheck;
import io.fqdnjob.policy.ResourcePlan;
import io.fqdnjob.policy.StatusTimes;
import io.kubernetes.client.openapi.ApiException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * status from the previous one, apply the NetworkPolicies and the statuses, and report.
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
      Deadline deadline) {

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
          deadline);
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
  private static final class Counters {
    final AtomicInteger applied = new AtomicInteger();
    final AtomicInteger unchanged = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger conflicts = new AtomicInteger();
    final AtomicInteger tooLarge = new AtomicInteger();
    final AtomicInteger abandoned = new AtomicInteger();
    final AtomicInteger repaired = new AtomicInteger();
    final AtomicInteger networkPolicyWrites = new AtomicInteger();
    final AtomicInteger statusWrites = new AtomicInteger();
    final AtomicReference<Instant> nextDue = new AtomicReference<>();
    final Set<ResourceId> cutShort = ConcurrentHashMap.newKeySet();

    void dueAt(Instant when) {
      nextDue.accumulateAndGet(when, (a, b) -> a == null || b.isBefore(a) ? b : a);
    }
  }

  private volatile Counters counters = new Counters();

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

  /** A listed resource this run looks at, with the times of its status checked. */
  private record Target(ListedResource listed, FqdnNetworkPolicy policy) {
    ResourceId id() {
      return policy.id();
    }

    /** The state a decision about this resource starts from, naming its events. */
    String basis(LiveNetworkPolicy live) {
      return listed.resourceVersion() + "/" + (live == null ? "none" : live.resourceVersion());
    }
  }

  /** Runs once and returns the counts; throws only when the resources cannot be listed. */
  public RunSummary run() throws ApiException, InterruptedException {
    Instant started = clock.instant();
    counters = new Counters();
    progress.phase("listing fqdn resources");
    long queriesBefore = resolver.queriesSent();
    List<ListedResource> listed = new ArrayList<>();
    for (ListedResource resource : policies.list(options.scope())) {
      if (options.shard().owns(resource.id())) {
        listed.add(resource);
      }
    }
    Map<ResourceId, LiveNetworkPolicy> live = networkPolicies.list(options.scope());

    // Every time this run writes is the time of its listing: a slow DNS phase must not move the
    // lookup times, and with them the next due time, later than the schedule.
    Instant now = clock.instant();
    DueCheck dueCheck = new DueCheck(options.dueSlack(), options.force());
    List<Target> due = new ArrayList<>();
    List<Target> notDue = new ArrayList<>();
    List<ListedResource> invalid = new ArrayList<>();
    int deleting = 0;
    for (ListedResource resource : listed) {
      if (resource.deleting()) {
        deleting++;
        LOG.info("{}: being deleted, left alone", resource.id());
      } else if (resource.problem() != null) {
        invalid.add(resource);
      } else {
        Target target = new Target(resource, withTrustedTimes(resource.policy(), now));
        if (dueCheck.isDue(target.policy(), now)) {
          due.add(target);
        } else {
          notDue.add(target);
          counters.dueAt(DueCheck.nextDue(target.policy()));
        }
      }
    }
    LOG.info(
        "{} resources listed, {} due, {} invalid, {} being deleted",
        listed.size(),
        due.size(),
        invalid.size(),
        deleting);

    Map<LookupKey, Duration> wanted =
        NameLookups.collect(due.stream().map(Target::policy).toList());
    progress.phase("resolving " + wanted.size() + " names for " + due.size() + " due resources");
    Instant deadline =
        options.lookupDeadline() == null ? Instant.MAX : started.plus(options.lookupDeadline());
    deadline =
        deadline.isBefore(options.deadline().instant()) ? deadline : options.deadline().instant();
    Map<LookupKey, LookupResult> results = resolver.resolveAll(wanted, deadline);
    if (results.size() < wanted.size()) {
      LOG.warn(
          "{} of {} lookups did not finish before the run was cut short; resources that need them"
              + " are left untouched",
          wanted.size() - results.size(),
          wanted.size());
    }

    ExecutorService api = Executors.newFixedThreadPool(Math.max(1, options.apiConcurrency()));
    try {
      progress.phase(
          "writing "
              + (due.size() + invalid.size())
              + " resources, checking the policies of "
              + notDue.size()
              + " more");
      List<Future<?>> work = new ArrayList<>();
      for (Target target : due) {
        work.add(api.submit(() -> process(target, results, live.get(target.id()), now)));
      }
      for (ListedResource resource : invalid) {
        work.add(api.submit(() -> reportInvalid(resource, now)));
      }
      for (Target target : notDue) {
        work.add(api.submit(() -> repair(target, live.get(target.id()), now)));
      }
      int finished = 0;
      for (Future<?> future : work) {
        progress.step(finished++, work.size());
        try {
          future.get();
        } catch (ExecutionException e) {
          counters.failed.incrementAndGet();
          LOG.error("unexpected failure while processing a resource", e.getCause());
        }
      }
    } finally {
      api.shutdownNow();
      progress.done();
    }

    return new RunSummary(
        listed.size(),
        due.size(),
        counters.applied.get(),
        counters.unchanged.get(),
        counters.failed.get(),
        counters.conflicts.get(),
        counters.tooLarge.get(),
        invalid.size(),
        counters.abandoned.get(),
        counters.repaired.get(),
        deleting,
        wanted.size(),
        resolver.queriesSent() - queriesBefore,
        counters.networkPolicyWrites.get(),
        counters.statusWrites.get(),
        Duration.between(started, clock.instant()),
        counters.nextDue.get(),
        byReason(results),
        counters.cutShort.size(),
        RunSummary.ListOutcome.LISTED);
  }

  /**
   * Returns whether the run's deadline has passed, counting {@code id} as left for the next run
   * when it has: no write of it starts then.
   */
  private boolean leftForNextRun(ResourceId id) {
    if (!options.deadline().passed()) {
      return false;
    }
    if (counters.cutShort.add(id)) {
      LOG.info("{}: left for the next run, the run's deadline has passed", id);
    }
    return true;
  }

  /**
   * Counts a write of {@code id} that did not succeed: as left for the next run when the deadline
   * stopped it, else as failed.
   */
  private void countFailure(ResourceId id, ApiException e) {
    if (e instanceof DeadlineExceededException) {
      counters.cutShort.add(id);
    } else {
      counters.failed.incrementAndGet();
    }
  }

  /**
   * Returns {@code policy} with the times of its status read through {@link StatusTimes}: a time
   * too far ahead of this job's clock is dropped, and the resource is then judged without it.
   */
  private static FqdnNetworkPolicy withTrustedTimes(FqdnNetworkPolicy policy, Instant now) {
    FqdnNetworkPolicyStatus trusted = StatusTimes.trusted(policy.status(), now);
    if (trusted == policy.status()) {
      return policy;
    }
    LOG.warn(
        "{}: status holds times more than {}s ahead of this job's clock; they are ignored",
        policy.id(),
        StatusTimes.TOLERANCE.toSeconds());
    return new FqdnNetworkPolicy(
        policy.id(), policy.uid(), policy.generation(), policy.labels(), policy.spec(), trusted);
  }

  private static Map<ResolveReason, Integer> byReason(Map<LookupKey, LookupResult> results) {
    Map<ResolveReason, Integer> counts = new EnumMap<>(ResolveReason.class);
    for (LookupResult result : results.values()) {
      counts.merge(result.reason(), 1, Integer::sum);
    }
    return counts;
  }

  private void process(
      Target target,
      Map<LookupKey, LookupResult> results,
      LiveNetworkPolicy liveNetworkPolicy,
      Instant now) {
    FqdnNetworkPolicy policy = target.policy();
    if (leftForNextRun(policy.id())) {
      return;
    }
    ResourcePlan plan =
        ResourcePlan.compute(
            policy, fqdn -> NameLookups.forName(policy, fqdn, results), filter, now);
    if (!plan.unfinishedNames().isEmpty()) {
      counters.abandoned.incrementAndGet();
      counters.dueAt(now);
      LOG.info(
          "{}: left untouched, lookups unfinished for {}", policy.id(), plan.unfinishedNames());
      return;
    }
    ResourceId id = policy.id();
    String basis = target.basis(liveNetworkPolicy);
    String failure = null;
    String failureReason = null;
    if (liveNetworkPolicy != null && !liveNetworkPolicy.belongsTo(policy.uid())) {
      counters.conflicts.incrementAndGet();
      failureReason = "OwnershipConflict";
      failure =
          "NetworkPolicy "
              + id
              + " already exists and is "
              + liveNetworkPolicy.controller()
              + "; it is left alone. Rename this resource or remove that NetworkPolicy.";
    } else if (plan.peerCount() > options.maxPeersPerPolicy()) {
      counters.tooLarge.incrementAndGet();
      failureReason = "PolicyTooLarge";
      failure =
          "the NetworkPolicy would allow "
              + plan.peerCount()
              + " address blocks, more than --max-peers-per-policy="
              + options.maxPeersPerPolicy()
              + "; the previous NetworkPolicy stays. Lower maxAddressesPerFQDN or split the"
              + " resource.";
    } else if (liveNetworkPolicy != null && liveNetworkPolicy.matches(plan.networkPolicy())) {
      counters.unchanged.incrementAndGet();
    } else {
      boolean create = liveNetworkPolicy == null;
      try {
        counters.networkPolicyWrites.incrementAndGet();
        networkPolicies.apply(id, plan.networkPolicy(), options.dryRun());
        counters.applied.incrementAndGet();
        String verb = create ? "Created" : "Updated";
        String message =
            verb
                + " NetworkPolicy "
                + id
                + (plan.deniesAll()
                    ? ": deny-all egress, no name has an allowed address"
                    : " allowing "
                        + plan.appliedAddressCount()
                        + (plan.appliedAddressCount() == 1 ? " address" : " addresses"));
        if (options.dryRun()) {
          out.println("would " + (create ? "create" : "update") + " networkpolicy " + id);
          out.println(plan.networkPolicy());
        } else {
          events.record(id, policy.uid(), basis, EventRecorder.Type.Normal, verb, message);
        }
      } catch (ApiException e) {
        countFailure(id, e);
        if (e instanceof DeadlineExceededException) {
          // Left exactly as it was, for the next run.
          LOG.warn("{}: NetworkPolicy not applied: {}", id, ApiRetry.describe(e));
          return;
        }
        failureReason = "ApplyFailed";
        failure = "could not apply NetworkPolicy " + id + ": " + ApiRetry.describe(e);
        LOG.error("{}: {}", id, failure);
      }
    }
    counters.dueAt(now.plus(DueCheck.effectiveTtl(policy.spec(), policy.status())));
    if (failure != null) {
      // Nothing new is in place: the status keeps describing the policy that is, and the
      // resource stays due, so the next run tries again.
      FqdnNetworkPolicyStatus status = plan.notAppliedStatus(failure);
      if (!status.equals(policy.status())
          && writeStatus(target, status)
          && isNewReadyMessage(policy.status(), failure)
          && !options.dryRun()) {
        events.record(id, policy.uid(), basis, EventRecorder.Type.Warning, failureReason, failure);
      }
      return;
    }
    FqdnNetworkPolicyStatus status = plan.appliedStatus();
    if (!writeStatus(target, status) || options.dryRun()) {
      return;
    }
    counters.dueAt(now.plus(DueCheck.effectiveTtl(policy.spec(), status)));
    plan.expiredAddresses()
        .forEach((fqdn, addresses) ->
            events.record(
                id,
                policy.uid(),
                basis + "/" + fqdn,
                EventRecorder.Type.Warning,
                "AddressesExpired",
                addresses.size()
                    + " addresses of "
                    + fqdn
                    + " removed: no successful lookup within retryTimeoutSeconds="
                    + policy.spec().retryTimeoutSeconds()));
    for (String fqdn : plan.newlyCappedNames()) {
      events.record(
          id,
          policy.uid(),
          basis + "/" + fqdn,
          EventRecorder.Type.Warning,
          "AddressesCapped",
          fqdn
              + " has more addresses than maxAddressesPerFQDN="
              + policy.spec().maxAddressesPerFQDN()
              + "; the least recently seen are left out (see status.fqdns[].droppedAddressCount)");
    }
  }

  /**
   * Puts back the NetworkPolicy of a resource that is not due, when another writer deleted it or
   * changed a field this job sets. It is rendered from the status, so no DNS query is needed and
   * the policy is again what the status says is applied. A policy that matches costs nothing.
   */
  private void repair(Target target, LiveNetworkPolicy liveNetworkPolicy, Instant now) {
    FqdnNetworkPolicy policy = target.policy();
    if (options.deadline().passed()) {
      return; // Checked again by the next run; nothing is due here.
    }
    if (liveNetworkPolicy != null && !liveNetworkPolicy.belongsTo(policy.uid())) {
      return; // Not ours; the next due run reports the conflict.
    }
    ResourcePlan plan = ResourcePlan.compute(policy, fqdn -> Map.of(), filter, now);
    String difference =
        liveNetworkPolicy == null
            ? "it was deleted"
            : liveNetworkPolicy.difference(plan.networkPolicy());
    if (difference == null || plan.peerCount() > options.maxPeersPerPolicy()) {
      return;
    }
    ResourceId id = policy.id();
    try {
      counters.networkPolicyWrites.incrementAndGet();
      networkPolicies.apply(id, plan.networkPolicy(), options.dryRun());
      counters.repaired.incrementAndGet();
      String message =
          "Restored NetworkPolicy "
              + id
              + " from status.fqdns"
              + (plan.deniesAll()
                  ? " (deny-all egress)"
                  : " (" + plan.appliedAddressCount() + " addresses)")
              + ": "
              + difference;
      LOG.warn("{}: {}", id, message);
      if (options.dryRun()) {
        out.println("would repair networkpolicy " + id);
        out.println(plan.networkPolicy());
      } else {
        events.record(
            id,
            policy.uid(),
            target.basis(liveNetworkPolicy),
            // Which pods may go where changed: that is worth a warning; a label is not.
            liveNetworkPolicy == null || !liveNetworkPolicy.specMatches(plan.networkPolicy())
                ? EventRecorder.Type.Warning
                : EventRecorder.Type.Normal,
            "PolicyRepaired",
            message);
      }
    } catch (ApiException e) {
      countFailure(id, e);
      LOG.error("{}: could not repair NetworkPolicy: {}", id, ApiRetry.describe(e));
    }
  }

  private void reportInvalid(ListedResource resource, Instant now) {
    if (leftForNextRun(resource.id())) {
      return;
    }
    FqdnNetworkPolicyStatus previous =
        resource.raw().has("status") && resource.raw().get("status").isJsonObject()
            ? FqdnNetworkPolicyCodec.readStatus(resource.raw().getAsJsonObject("status"))
            : FqdnNetworkPolicyStatus.EMPTY;
    String message = "invalid resource: " + resource.problem().getMessage();
    Optional<Condition> ready = previous.condition(Condition.READY);
    if (ready.isPresent()
        && Objects.equals(ready.get().message(), message)
        && Objects.equals(previous.observedGeneration(), resource.generation())) {
      return; // Already reported; writing again would change nothing.
    }
    LOG.warn("{}: {}", resource.id(), message);
    Condition readyCondition =
        Conditions.ready(false, Conditions.FAILED, message, previous, resource.generation(), now);
    List<Condition> conditions = new ArrayList<>();
    conditions.add(readyCondition);
    previous.condition(Condition.RESOLVE).ifPresent(conditions::add);
    writeStatus(
        resource.id(),
        resource.resourceVersion(),
        new FqdnNetworkPolicyStatus(
            conditions,
            previous.fqdns(),
            previous.appliedAddressCount(),
            previous.totalAddressesCount(),
            previous.latestLookupTime(),
            resource.generation()));
  }

  private boolean writeStatus(Target target, FqdnNetworkPolicyStatus status) {
    return writeStatus(target.id(), target.listed().resourceVersion(), status);
  }

  /** Writes the status; returns whether it was written (or, in a dry run, accepted). */
  private boolean writeStatus(
      ResourceId id, String resourceVersion, FqdnNetworkPolicyStatus status) {
    try {
      counters.statusWrites.incrementAndGet();
      policies.applyStatus(id, resourceVersion, status, options.dryRun());
      if (options.dryRun()) {
        out.println("would write status of " + id);
      }
      return true;
    } catch (ApiException e) {
      if (e.getCode() == 404) {
        LOG.info("{}: deleted during the run", id);
        return false;
      }
      if (e.getCode() == 409) {
        LOG.info(
            "{}: changed since it was listed (edited, replaced, or written by another run);"
                + " its status is left for the next run",
            id);
        return false;
      }
      countFailure(id, e);
      LOG.error("{}: could not write status: {}", id, ApiRetry.describe(e));
      return false;
    }
  }

  private static boolean isNewReadyMessage(FqdnNetworkPolicyStatus previous, String message) {
    return previous
        .condition(Condition.READY)
        .map(c -> !Objects.equals(c.message(), message))
        .orElse(true);
  }
}
