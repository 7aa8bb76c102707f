package io.fqdnjob.job;

import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.kube.Deadline;
import io.fqdnjob.kube.DeadlineExceededException;
import io.fqdnjob.kube.EventRecorder;
import io.fqdnjob.kube.FqdnPolicyStore;
import io.fqdnjob.kube.ListedResource;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.StatusRefresh;
import io.kubernetes.client.openapi.ApiException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last stage: writes what a run found to the resource's status, when that is worth a write, and
 * records the Events a person should see, as {@link RecordPlan} decides.
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
    /** The run's deadline passed, or the run was stopped, first; left for the next run. */
    CUT_SHORT;

    /** Returns the resource's outcome once this write followed {@code applied}. */
    Outcome after(Outcome applied) {
      return switch (this) {
        case FAILED -> Outcome.FAILED;
        case CUT_SHORT -> Outcome.CUT_SHORT;
        default -> applied;
      };
    }
  }

  /**
   * What the stage did for one resource.
   *
   * @param decision why the status was written, or that it was not worth it
   */
  record Recorded(StatusRefresh.Decision decision, Write write) {
    /** Whether a status write was sent. */
    boolean sent() {
      return write != Write.SKIPPED && write != Write.CUT_SHORT;
    }
  }

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
    RecordPlan plan = RecordPlan.forDue(target, rendered.plan(), applied, refresh);
    send(target, plan.events());
    if (plan.status() == null) {
      return new Recorded(plan.decision(), Write.SKIPPED);
    }
    Write write = send(target.id(), target.listed().resourceVersion(), plan.status());
    if (write == Write.WRITTEN) {
      send(target, plan.eventsAfterStatus());
    }
    return new Recorded(plan.decision(), write);
  }

  /** Records that another writer's change to a policy was undone ({@link ApplyStage#repair}). */
  void repaired(Target target, RenderStage.Rendered rendered, ApplyStage.Applied applied) {
    RecordPlan.Event event =
        RecordPlan.repaired(
            target,
            rendered.plan(),
            applied,
            target.live() != null && target.live().specMatches(rendered.compared()));
    LOG.warn("{}: {}", target.id(), event.message());
    send(target, List.of(event));
  }

  /** Reports a resource whose spec cannot be used in its Ready condition, once. */
  Write invalid(ListedResource resource, Instant now) {
    FqdnNetworkPolicyStatus status = RecordPlan.invalid(resource, now);
    if (status == null) {
      return Write.SKIPPED;
    }
    LOG.warn("{}: {}", resource.id(), RecordPlan.invalidMessage(resource));
    return send(resource.id(), resource.resourceVersion(), status);
  }

  private void send(Target target, List<RecordPlan.Event> planned) {
    if (dryRun) {
      return;
    }
    for (RecordPlan.Event event : planned) {
      events.record(
          target.id(),
          target.policy().uid(),
          event.basis(),
          event.type(),
          event.reason(),
          event.message());
    }
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
}
