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

  /**
   * What the stage did for one resource.
   *
   * @param outcome {@link Outcome#APPLIED}, {@link Outcome#UNCHANGED}, {@link Outcome#CONFLICT},
   *     {@link Outcome#TOO_LARGE}, {@link Outcome#FAILED} or {@link Outcome#CUT_SHORT} for a due
   *     resource; {@link Outcome#REPAIRED}, {@link Outcome#IN_PLACE}, {@link Outcome#FAILED} or
   *     {@link Outcome#CUT_SHORT} for one that is not due
   * @param created whether the write created the policy (else it updated it, or there was none)
   * @param reason the condition reason of a policy not in place ({@code OwnershipConflict}, ...)
   * @param message for a policy not in place, why; for a repair, what another writer had changed
   * @param written whether a write was sent (and stored, or refused)
   */
  record Applied(Outcome outcome, boolean created, String reason, String message, boolean written) {
    /** Whether this stage stored the policy. */
    boolean stored() {
      return outcome == Outcome.APPLIED || outcome == Outcome.REPAIRED;
    }

    /** Whether a policy was not applied for a reason the resource's status reports. */
    boolean refused() {
      return outcome == Outcome.CONFLICT
          || outcome == Outcome.TOO_LARGE
          || outcome == Outcome.FAILED;
    }

    static Applied as(Outcome outcome) {
      return new Applied(outcome, false, null, null, false);
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
              false,
              "OwnershipConflict",
              "NetworkPolicy "
                  + id
                  + " already exists and is "
                  + live.controller()
                  + "; it is left alone. Rename this resource or remove that NetworkPolicy.",
              false);
      case TOO_LARGE ->
          new Applied(
              Outcome.TOO_LARGE,
              false,
              "PolicyTooLarge",
              "the NetworkPolicy would allow "
                  + plan.peerCount()
                  + " address blocks, more than --max-peers-per-policy="
                  + maxPeersPerPolicy
                  + "; the previous NetworkPolicy stays. Lower maxAddressesPerFQDN or split the"
                  + " resource.",
              false);
      case UNCHANGED -> Applied.as(Outcome.UNCHANGED);
      case CREATE, UPDATE -> {
        boolean create = decision == PolicyDecision.CREATE;
        Applied failed = write(id, plan, create ? "create" : "update");
        yield failed != null ? failed : new Applied(Outcome.APPLIED, create, null, null, true);
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
    String difference = live == null ? "it was deleted" : live.difference(rendered.compared());
    Applied failed = write(target.id(), rendered.plan(), "repair");
    return failed != null
        ? failed
        : new Applied(Outcome.REPAIRED, live == null, null, difference, true);
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
      return new Applied(Outcome.FAILED, false, "ApplyFailed", failure, true);
    }
  }
}
