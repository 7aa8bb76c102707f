package io.fqdnjob.job;

import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.kube.Deadline;
import io.fqdnjob.kube.DeadlineExceededException;
import io.fqdnjob.kube.EventRecorder;
import io.fqdnjob.kube.FqdnPolicyStore;
import io.fqdnjob.kube.ListedResource;
import io.fqdnjob.model.Condition;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicyCodec;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.Conditions;
import io.fqdnjob.policy.ResourcePlan;
import io.fqdnjob.policy.StatusRefresh;
import io.kubernetes.client.openapi.ApiException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last stage: writes what a run found to the resource's status, when that is worth a write
 * ({@link StatusRefresh}), and records the Events a person should see.
 */
final class RecordStage {
  private static final Logger LOG = LoggerFactory.getLogger(RecordStage.class);

  /** What became of a status write. */
  enum Write {
    /** Written (in a dry run: accepted). */
    WRITTEN,
    /** Nothing worth writing. */
    SKIPPED,
    /** The resource was deleted during the run. */
    GONE,
    /** The resource changed since it was listed; left for the next run. */
    CONFLICT,
    FAILED,
    /** The run's deadline passed first; left for the next run. */
    CUT_SHORT
  }

  /**
   * What the stage did for one resource.
   *
   * @param decision why the status was written, or that it was not worth it
   */
  record Recorded(StatusRefresh.Decision decision, Write write) {}

  private final FqdnPolicyStore policies;
  private final EventRecorder events;
  private final StatusRefresh refresh;
  private final boolean dryRun;
  private final Deadline deadline;
  private final PrintStream out;

  RecordStage(
      FqdnPolicyStore policies,
      EventRecorder events,
      StatusRefresh refresh,
      boolean dryRun,
      Deadline deadline,
      PrintStream out) {
    this.policies = policies;
    this.events = events;
    this.refresh = refresh;
    this.dryRun = dryRun;
    this.deadline = deadline;
    this.out = out;
  }

  /** Records the outcome of a due resource. */
  Recorded record(Target target, RenderStage.Rendered rendered, ApplyStage.Applied applied) {
    FqdnNetworkPolicy policy = target.policy();
    ResourcePlan plan = rendered.plan();
    ResourceId id = target.id();
    if (applied.written() && !dryRun) {
      String verb = applied.outcome() == ApplyStage.Outcome.CREATED ? "Created" : "Updated";
      events.record(
          id,
          policy.uid(),
          target.basis(),
          EventRecorder.Type.Normal,
          verb,
          verb
              + " NetworkPolicy "
              + id
              + (plan.deniesAll()
                  ? ": deny-all egress, no name has an allowed address"
                  : " allowing "
                      + plan.appliedAddressCount()
                      + (plan.appliedAddressCount() == 1 ? " address" : " addresses")));
    }
    if (applied.refused()) {
      // Nothing new is in place: the status keeps describing the policy that is, and the
      // resource stays due, so the next run tries again.
      FqdnNetworkPolicyStatus status = plan.notAppliedStatus(applied.message());
      Recorded recorded = write(target, status, plan.now());
      if (recorded.write() == Write.WRITTEN
          && isNewReadyMessage(policy.status(), applied.message())
          && !dryRun) {
        events.record(
            id,
            policy.uid(),
            target.basis(),
            EventRecorder.Type.Warning,
            applied.reason(),
            applied.message());
      }
      return recorded;
    }
    Recorded recorded = write(target, plan.appliedStatus(), plan.now());
    if (recorded.write() != Write.WRITTEN || dryRun) {
      return recorded;
    }
    plan.expiredAddresses()
        .forEach((fqdn, addresses) ->
            events.record(
                id,
                policy.uid(),
                target.basis() + "/" + fqdn,
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
          target.basis() + "/" + fqdn,
          EventRecorder.Type.Warning,
          "AddressesCapped",
          fqdn
              + " has more addresses than maxAddressesPerFQDN="
              + policy.spec().maxAddressesPerFQDN()
              + "; the least recently seen are left out (see status.fqdns[].droppedAddressCount)");
    }
    return recorded;
  }

  /** Records that another writer's change to a policy was undone ({@link ApplyStage#repair}). */
  void repaired(Target target, RenderStage.Rendered rendered, ApplyStage.Applied applied) {
    ResourcePlan plan = rendered.plan();
    String message =
        "Restored NetworkPolicy "
            + target.id()
            + " from status.fqdns"
            + (plan.deniesAll()
                ? " (deny-all egress)"
                : " (" + plan.appliedAddressCount() + " addresses)")
            + ": "
            + applied.message();
    LOG.warn("{}: {}", target.id(), message);
    if (dryRun) {
      return;
    }
    events.record(
        target.id(),
        target.policy().uid(),
        target.basis(),
        // Which pods may go where changed: that is worth a warning; a label is not.
        target.live() == null || !target.live().specMatches(rendered.compared())
            ? EventRecorder.Type.Warning
            : EventRecorder.Type.Normal,
        "PolicyRepaired",
        message);
  }

  /** Reports a resource whose spec cannot be used in its Ready condition, once. */
  Write invalid(ListedResource resource, Instant now) {
    FqdnNetworkPolicyStatus previous =
        resource.raw().has("status") && resource.raw().get("status").isJsonObject()
            ? FqdnNetworkPolicyCodec.readStatus(resource.raw().getAsJsonObject("status"))
            : FqdnNetworkPolicyStatus.EMPTY;
    String message = "invalid resource: " + resource.problem().getMessage();
    Optional<Condition> ready = previous.condition(Condition.READY);
    if (ready.isPresent()
        && Objects.equals(ready.get().message(), message)
        && Objects.equals(previous.observedGeneration(), resource.generation())) {
      return Write.SKIPPED; // Already reported; writing again would change nothing.
    }
    LOG.warn("{}: {}", resource.id(), message);
    Condition readyCondition =
        Conditions.ready(false, Conditions.FAILED, message, previous, resource.generation(), now);
    List<Condition> conditions = new ArrayList<>();
    conditions.add(readyCondition);
    previous.condition(Condition.RESOLVE).ifPresent(conditions::add);
    return send(
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

  private Recorded write(Target target, FqdnNetworkPolicyStatus status, Instant now) {
    StatusRefresh.Decision decision = refresh.decide(target.policy(), status, now);
    if (!decision.write()) {
      return new Recorded(decision, Write.SKIPPED);
    }
    return new Recorded(decision, send(target.id(), target.listed().resourceVersion(), status));
  }

  /** Sends the status, with the listed resourceVersion as a precondition. */
  private Write send(ResourceId id, String resourceVersion, FqdnNetworkPolicyStatus status) {
    if (deadline.passed()) {
      return Write.CUT_SHORT;
    }
    try {
      policies.applyStatus(id, resourceVersion, status, dryRun);
      if (dryRun) {
        out.println("would write status of " + id);
      }
      return Write.WRITTEN;
    } catch (ApiException e) {
      if (e.getCode() == 404) {
        LOG.info("{}: deleted during the run", id);
        return Write.GONE;
      }
      if (e.getCode() == 409) {
        LOG.info(
            "{}: changed since it was listed (edited, replaced, or written by another run);"
                + " its status is left for the next run",
            id);
        return Write.CONFLICT;
      }
      if (e instanceof DeadlineExceededException) {
        LOG.warn("{}: status not written: {}", id, ApiRetry.describe(e));
        return Write.CUT_SHORT;
      }
      LOG.error("{}: could not write status: {}", id, ApiRetry.describe(e));
      return Write.FAILED;
    }
  }

  private static boolean isNewReadyMessage(FqdnNetworkPolicyStatus previous, String message) {
    return previous
        .condition(Condition.READY)
        .map(c -> !Objects.equals(c.message(), message))
        .orElse(true);
  }
}
