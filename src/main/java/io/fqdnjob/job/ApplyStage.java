package io.fqdnjob.job;

import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.kube.Deadline;
import io.fqdnjob.kube.DeadlineExceededException;
import io.fqdnjob.kube.LiveNetworkPolicy;
import io.fqdnjob.kube.NetworkPolicyStore;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.ResourcePlan;
import io.kubernetes.client.openapi.ApiException;
import java.io.PrintStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sixth stage: puts a rendered NetworkPolicy in place, unless it is there already, its name is
 * taken by an object the resource does not control, or it is too large.
 */
final class ApplyStage {
  private static final Logger LOG = LoggerFactory.getLogger(ApplyStage.class);

  /** What became of a NetworkPolicy. */
  enum Outcome {
    CREATED,
    UPDATED,
    UNCHANGED,
    /** The name is taken by an object the resource does not control; left alone. */
    CONFLICT,
    /** More address blocks than --max-peers-per-policy; not applied. */
    TOO_LARGE,
    /** The apply failed after retries. */
    FAILED,
    /** The run's deadline passed first; left for the next run. */
    CUT_SHORT,
    /** Not due, and its policy is as the status says: nothing to do. */
    IN_PLACE
  }

  /**
   * The outcome for one resource.
   *
   * @param reason the condition reason of a policy not in place ({@code OwnershipConflict}, ...)
   * @param message for a policy not in place, why; for a repair, what another writer had changed
   */
  record Applied(Outcome outcome, String reason, String message) {
    /** Whether the rendered policy is now what is live. */
    boolean inPlace() {
      return outcome == Outcome.CREATED
          || outcome == Outcome.UPDATED
          || outcome == Outcome.UNCHANGED
          || outcome == Outcome.IN_PLACE;
    }

    /** Whether this stage wrote the policy. */
    boolean written() {
      return outcome == Outcome.CREATED || outcome == Outcome.UPDATED;
    }

    /** Whether a policy was not applied for a reason the resource's status reports. */
    boolean refused() {
      return outcome == Outcome.CONFLICT
          || outcome == Outcome.TOO_LARGE
          || outcome == Outcome.FAILED;
    }

    static Applied as(Outcome outcome) {
      return new Applied(outcome, null, null);
    }
  }

  private final NetworkPolicyStore store;
  private final int maxPeersPerPolicy;
  private final boolean dryRun;
  private final Deadline deadline;
  private final PrintStream out;

  ApplyStage(
      NetworkPolicyStore store,
      int maxPeersPerPolicy,
      boolean dryRun,
      Deadline deadline,
      PrintStream out) {
    this.store = store;
    this.maxPeersPerPolicy = maxPeersPerPolicy;
    this.dryRun = dryRun;
    this.deadline = deadline;
    this.out = out;
  }

  /** Applies the policy of a due resource when it differs from the live one. */
  Applied apply(Target target, RenderStage.Rendered rendered) {
    ResourceId id = target.id();
    ResourcePlan plan = rendered.plan();
    LiveNetworkPolicy live = target.live();
    PolicyDecision decision =
        PolicyDecision.forDue(
            live, target.policy().uid(), plan.peerCount(), maxPeersPerPolicy, rendered.compared());
    return switch (decision) {
      case CONFLICT ->
          new Applied(
              Outcome.CONFLICT,
              "OwnershipConflict",
              "NetworkPolicy "
                  + id
                  + " already exists and is "
                  + live.controller()
                  + "; it is left alone. Rename this resource or remove that NetworkPolicy.");
      case TOO_LARGE ->
          new Applied(
              Outcome.TOO_LARGE,
              "PolicyTooLarge",
              "the NetworkPolicy would allow "
                  + plan.peerCount()
                  + " address blocks, more than --max-peers-per-policy="
                  + maxPeersPerPolicy
                  + "; the previous NetworkPolicy stays. Lower maxAddressesPerFQDN or split the"
                  + " resource.");
      case UNCHANGED -> Applied.as(Outcome.UNCHANGED);
      case CREATE, UPDATE -> {
        Outcome outcome = decision == PolicyDecision.CREATE ? Outcome.CREATED : Outcome.UPDATED;
        Applied failed = write(id, plan, outcome == Outcome.CREATED ? "create" : "update");
        yield failed != null ? failed : Applied.as(outcome);
      }
    };
  }

  /**
   * Puts back the policy of a resource that is not due, rendered from its status, when another
   * writer deleted it or changed a field this job sets. A policy that matches costs nothing; one
   * that is not the resource's is left for its next due run to report.
   */
  Applied repair(Target target, RenderStage.Rendered rendered) {
    LiveNetworkPolicy live = target.live();
    PolicyDecision decision =
        PolicyDecision.forNotDue(
            live,
            target.policy().uid(),
            rendered.plan().peerCount(),
            maxPeersPerPolicy,
            rendered.compared());
    if (decision == PolicyDecision.UNCHANGED) {
      return Applied.as(Outcome.IN_PLACE);
    }
    if (deadline.passed()) {
      return Applied.as(Outcome.IN_PLACE); // Checked again by the next run; nothing is due here.
    }
    String difference = live == null ? "it was deleted" : live.difference(rendered.compared());
    Applied failed = write(target.id(), rendered.plan(), "repair");
    return failed != null
        ? failed
        : new Applied(live == null ? Outcome.CREATED : Outcome.UPDATED, null, difference);
  }

  /** Applies the policy; returns {@code null} when it was applied, else how it failed. */
  private Applied write(ResourceId id, ResourcePlan plan, String verb) {
    if (deadline.passed()) {
      return Applied.as(Outcome.CUT_SHORT);
    }
    try {
      store.apply(id, plan.networkPolicy(), dryRun);
      if (dryRun) {
        out.println("would " + verb + " networkpolicy " + id);
        out.println(plan.networkPolicy());
      }
      return null;
    } catch (ApiException e) {
      if (e instanceof DeadlineExceededException) {
        // Left exactly as it was, for the next run.
        LOG.warn("{}: NetworkPolicy not applied: {}", id, ApiRetry.describe(e));
        return Applied.as(Outcome.CUT_SHORT);
      }
      String failure = "could not apply NetworkPolicy " + id + ": " + ApiRetry.describe(e);
      LOG.error("{}: {}", id, failure);
      return new Applied(Outcome.FAILED, "ApplyFailed", failure);
    }
  }
}
