package io.fqdnjob.job;

import io.fqdnjob.kube.EventRecorder;
import io.fqdnjob.kube.ListedResource;
import io.fqdnjob.model.Condition;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicyCodec;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.policy.Conditions;
import io.fqdnjob.policy.ResourcePlan;
import io.fqdnjob.policy.StatusRefresh;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the record stage writes for one resource, decided from what was listed, rendered and
 * applied; pure. The stage sends it: the Events of {@link #events} first, then the status when
 * {@link #status} is set, then, only when that status was written, {@link #eventsAfterStatus}.
 *
 * @param status the status to write, or {@code null} when nothing is worth a write
 * @param decision why the status is written, or that it is not worth it
 * @param events Events recorded whatever becomes of the status
 * @param eventsAfterStatus Events recorded only once the status is written: they announce what the
 *     status says
 */
record RecordPlan(
    FqdnNetworkPolicyStatus status,
    StatusRefresh.Decision decision,
    List<Event> events,
    List<Event> eventsAfterStatus) {

  /**
   * One Event.
   *
   * @param basis the state the decision was made from; names the Event, so that two runs making the
   *     same decision from the same state record it once
   */
  record Event(EventRecorder.Type type, String reason, String basis, String message) {}

  RecordPlan {
    events = List.copyOf(events);
    eventsAfterStatus = List.copyOf(eventsAfterStatus);
  }

  /**
   * Returns the plan for a due resource: the status that describes what is now in place (or, when
   * the policy was not applied, the one that keeps describing the previous policy and says why),
   * and the Events a person should see.
   */
  static RecordPlan forDue(
      Target target, ResourcePlan plan, ApplyStage.Applied applied, StatusRefresh refresh) {
    FqdnNetworkPolicy policy = target.policy();
    List<Event> events = new ArrayList<>();
    List<Event> after = new ArrayList<>();
    if (applied.stored()) {
      String verb = applied.created() ? "Created" : "Updated";
      events.add(
          new Event(
              EventRecorder.Type.Normal,
              verb,
              target.basis(),
              verb
                  + " NetworkPolicy "
                  + target.id()
                  + (plan.deniesAll()
                      ? ": deny-all egress, no name has an allowed address"
                      : " allowing "
                          + plan.appliedAddressCount()
                          + (plan.appliedAddressCount() == 1 ? " address" : " addresses"))));
    }
    if (applied.refused()) {
      // Nothing new is in place: the status keeps describing the policy that is, and the resource
      // stays due, so the next run tries again.
      FqdnNetworkPolicyStatus status = plan.notAppliedStatus(applied.message());
      if (isNewReadyMessage(policy.status(), applied.message())) {
        after.add(
            new Event(
                EventRecorder.Type.Warning, applied.reason(), target.basis(), applied.message()));
      }
      return of(policy, status, plan.now(), refresh, events, after);
    }
    plan.expiredAddresses()
        .forEach((fqdn, addresses) ->
            after.add(
                new Event(
                    EventRecorder.Type.Warning,
                    "AddressesExpired",
                    target.basis() + "/" + fqdn,
                    addresses.size()
                        + " addresses of "
                        + fqdn
                        + " removed: no successful lookup within retryTimeoutSeconds="
                        + policy.spec().retryTimeoutSeconds())));
    for (String fqdn : plan.newlyCappedNames()) {
      after.add(
          new Event(
              EventRecorder.Type.Warning,
              "AddressesCapped",
              target.basis() + "/" + fqdn,
              fqdn
                  + " has more addresses than maxAddressesPerFQDN="
                  + policy.spec().maxAddressesPerFQDN()
                  + "; the least recently seen are left out (see"
                  + " status.fqdns[].droppedAddressCount)"));
    }
    return of(policy, plan.appliedStatus(), plan.now(), refresh, events, after);
  }

  private static RecordPlan of(
      FqdnNetworkPolicy policy,
      FqdnNetworkPolicyStatus status,
      Instant now,
      StatusRefresh refresh,
      List<Event> events,
      List<Event> after) {
    StatusRefresh.Decision decision = refresh.decide(policy, status, now);
    return new RecordPlan(decision.write() ? status : null, decision, events, after);
  }

  /**
   * Returns the Event for a policy of a resource that is not due, put back after another writer
   * deleted or changed it ({@link ApplyStage#repair}): a Warning when which pods may go where
   * changed, a Normal Event when only labels did.
   */
  static Event repaired(
      Target target, ResourcePlan plan, ApplyStage.Applied applied, boolean specMatched) {
    return new Event(
        specMatched ? EventRecorder.Type.Normal : EventRecorder.Type.Warning,
        "PolicyRepaired",
        target.basis(),
        "Restored NetworkPolicy "
            + target.id()
            + " from status.fqdns"
            + (plan.deniesAll()
                ? " (deny-all egress)"
                : " (" + plan.appliedAddressCount() + " addresses)")
            + ": "
            + applied.message());
  }

  /**
   * Returns the status that reports an invalid resource in its Ready condition, or {@code null}
   * when its status says so already for this generation.
   */
  static FqdnNetworkPolicyStatus invalid(ListedResource resource, Instant now) {
    FqdnNetworkPolicyStatus previous =
        resource.raw().has("status") && resource.raw().get("status").isJsonObject()
            ? FqdnNetworkPolicyCodec.readStatus(resource.raw().getAsJsonObject("status"))
            : FqdnNetworkPolicyStatus.EMPTY;
    String message = invalidMessage(resource);
    Optional<Condition> ready = previous.condition(Condition.READY);
    if (ready.isPresent()
        && Objects.equals(ready.get().message(), message)
        && Objects.equals(previous.observedGeneration(), resource.generation())) {
      return null; // Already reported; writing again would change nothing.
    }
    Condition readyCondition =
        Conditions.ready(false, Conditions.FAILED, message, previous, resource.generation(), now);
    List<Condition> conditions = new ArrayList<>();
    conditions.add(readyCondition);
    previous.condition(Condition.RESOLVE).ifPresent(conditions::add);
    return new FqdnNetworkPolicyStatus(
        conditions,
        previous.fqdns(),
        previous.appliedAddressCount(),
        previous.totalAddressesCount(),
        previous.latestLookupTime(),
        resource.generation());
  }

  /** Returns the Ready message of an invalid resource. */
  static String invalidMessage(ListedResource resource) {
    return "invalid resource: " + resource.problem().getMessage();
  }

  private static boolean isNewReadyMessage(FqdnNetworkPolicyStatus previous, String message) {
    return previous
        .condition(Condition.READY)
        .map(c -> !Objects.equals(c.message(), message))
        .orElse(true);
  }
}
