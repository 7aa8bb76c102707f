package io.fqdnjob.migration;

import com.google.gson.JsonObject;
import io.fqdnjob.job.PolicyDecision;
import io.fqdnjob.kube.FqdnPolicyStore;
import io.fqdnjob.kube.ListedResource;
import io.fqdnjob.kube.LiveNetworkPolicy;
import io.fqdnjob.model.Condition;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.AddressFilter;
import io.fqdnjob.policy.DueCheck;
import io.fqdnjob.policy.NetworkPolicyRenderer;
import io.fqdnjob.policy.ResourcePlan;
import io.fqdnjob.policy.RetainedNames;
import io.fqdnjob.policy.StatusRefresh;
import io.fqdnjob.policy.StatusTimes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What the first run of fqdn-job will do with each resource in scope, decided with the run's own
 * functions ({@link DueCheck}, {@link ResourcePlan}, {@link PolicyDecision}) from the listed state;
 * nothing is looked up and nothing is written. The NetworkPolicy a resource would get is rendered
 * from the addresses its status holds; for a due resource the run looks the names up first, so its
 * addresses may differ, but not whether the policy is created, taken over or refused.
 *
 * @param resources one entry per resource, in namespace and name order
 */
public record FirstRunPlan(List<Entry> resources) {

  /** What happens to one resource's NetworkPolicy. */
  public enum Action {
    /**
     * A policy fqdn-job has never applied (fqdn-controller's) belongs to it: fqdn-job takes it
     * over.
     */
    ADOPT,
    /** No policy exists: fqdn-job creates one. */
    CREATE,
    /** fqdn-job's policy differs from what it renders: it is applied again. */
    UPDATE,
    /** fqdn-job's policy is in place. */
    UNCHANGED,
    /** The resource or its policy is refused; the detail says why. */
    REFUSE,
    /** The resource is being deleted; left alone. */
    DELETING
  }

  /**
   * One resource.
   *
   * @param dueReason why the run looks its names up, or {@code null} when it is not due
   * @param writes whether the run writes its NetworkPolicy
   * @param deniesAll whether its policy, as rendered from its status, allows nothing
   * @param readyTurnsTrue whether it denies all and its status still says Ready False, as
   *     fqdn-controller reported a policy that allows nothing; fqdn-job reports Ready True
   * @param detail for a person: the writers of the policy taken over, or why it is refused
   */
  public record Entry(
      ResourceId id,
      Action action,
      String dueReason,
      boolean writes,
      boolean deniesAll,
      boolean readyTurnsTrue,
      String detail) {

    /** A resource whose policy the first run will not write; {@code detail} says why. */
    static Entry refused(ResourceId id, String dueReason, String detail) {
      return new Entry(id, Action.REFUSE, dueReason, false, false, false, detail);
    }
  }

  public FirstRunPlan {
    resources = List.copyOf(resources);
  }

  /** How the plan is computed: the run's options that change its decisions. */
  public record Options(
      Duration dueSlack, int maxPeersPerPolicy, StatusRefresh refresh, AddressFilter filter) {
    /** The defaults of {@code fqdn-job run}. */
    public static Options defaults() {
      return new Options(
          Duration.ofSeconds(5),
          5000,
          new StatusRefresh(StatusRefresh.DEFAULT_INTERVAL),
          AddressFilter.defaults());
    }
  }

  /** Returns the count of each action. */
  public Map<Action, Integer> counts() {
    Map<Action, Integer> counts = new EnumMap<>(Action.class);
    for (Action action : Action.values()) {
      counts.put(action, 0);
    }
    resources.forEach(e -> counts.merge(e.action(), 1, Integer::sum));
    return counts;
  }

  /**
   * Returns the plan for the listed resources and NetworkPolicies.
   *
   * @param problems for a resource, the problems {@link SchemaCheck} found
   */
  static FirstRunPlan compute(
      List<JsonObject> resources,
      Map<ResourceId, JsonObject> policies,
      Map<ResourceId, List<SchemaCheck.Problem>> problems,
      Options options,
      Instant now) {
    DueCheck due = new DueCheck(options.dueSlack(), false);
    List<Entry> entries = new ArrayList<>();
    for (JsonObject item : resources) {
      ListedResource listed = FqdnPolicyStore.parse(item);
      ResourceId id = listed.id();
      if (listed.deleting()) {
        entries.add(new Entry(id, Action.DELETING, null, false, false, false, "being deleted"));
        continue;
      }
      if (listed.problem() != null) {
        entries.add(Entry.refused(id, null, "invalid: " + listed.problem().getMessage()));
        continue;
      }
      FqdnNetworkPolicy policy = trusted(listed.policy(), now);
      JsonObject rawPolicy = policies.get(id);
      LiveNetworkPolicy live =
          rawPolicy == null
              ? null
              : LiveNetworkPolicy.of(rawPolicy, NetworkPolicyRenderer.LABEL_KEYS);
      String dueReason = due.dueReason(policy, now);
      RetainedNames names =
          ResourcePlan.retain(policy, fqdn -> Map.of(), options.refresh().lag(policy.spec()), now);
      ResourcePlan plan = ResourcePlan.render(names, options.filter());
      LiveNetworkPolicy.Rendered compared = LiveNetworkPolicy.Rendered.of(plan.networkPolicy());
      PolicyDecision whenDue =
          PolicyDecision.forDue(
              live, policy.uid(), plan.peerCount(), options.maxPeersPerPolicy(), compared);
      if (whenDue == PolicyDecision.CONFLICT) {
        entries.add(
            Entry.refused(
                id,
                dueReason,
                "OwnershipConflict: a NetworkPolicy of this name exists and is "
                    + live.controller()
                    + (writers(rawPolicy).isEmpty() ? "" : ", written by " + writers(rawPolicy))));
        continue;
      }
      if (whenDue == PolicyDecision.TOO_LARGE) {
        entries.add(
            Entry.refused(
                id,
                dueReason,
                "PolicyTooLarge: "
                    + plan.peerCount()
                    + " address blocks, more than --max-peers-per-policy="
                    + options.maxPeersPerPolicy()));
        continue;
      }
      List<SchemaCheck.Problem> refusedByApi =
          problems.getOrDefault(id, List.of()).stream()
              .filter(p -> p.effect() == SchemaCheck.Effect.POLICY_REFUSED)
              .toList();
      if (!refusedByApi.isEmpty()) {
        entries.add(
            Entry.refused(
                id,
                dueReason,
                "ApplyFailed: the API server refuses its NetworkPolicy ("
                    + refusedByApi.get(0).message()
                    + ")"));
        continue;
      }
      PolicyDecision decision =
          dueReason != null
              ? whenDue
              : PolicyDecision.forNotDue(
                  live, policy.uid(), plan.peerCount(), options.maxPeersPerPolicy(), compared);
      boolean writes = decision == PolicyDecision.CREATE || decision == PolicyDecision.UPDATE;
      Action action;
      String detail;
      if (rawPolicy != null && !ManagedFields.appliedByJob(Json.object(rawPolicy, "metadata"))) {
        action = Action.ADOPT;
        detail = "written by " + writers(rawPolicy) + "; " + live.controller();
      } else if (decision == PolicyDecision.CREATE) {
        action = Action.CREATE;
        detail = "no NetworkPolicy of this name";
      } else if (decision == PolicyDecision.UPDATE) {
        action = Action.UPDATE;
        detail = live.difference(compared);
      } else {
        action = Action.UNCHANGED;
        detail = null;
      }
      boolean readyFalse =
          policy.status().condition(Condition.READY).filter(c -> !c.isTrue()).isPresent();
      entries.add(
          new Entry(
              id,
              action,
              dueReason,
              writes,
              plan.deniesAll(),
              plan.deniesAll() && readyFalse,
              detail));
    }
    entries.sort((a, b) -> a.id().compareTo(b.id()));
    return new FirstRunPlan(entries);
  }

  private static String writers(JsonObject policy) {
    return String.join(", ", ManagedFields.writers(Json.object(policy, "metadata")));
  }

  /** The resource with its status's times read as the run reads them. */
  private static FqdnNetworkPolicy trusted(FqdnNetworkPolicy policy, Instant now) {
    FqdnNetworkPolicyStatus status = StatusTimes.trusted(policy.status(), now);
    if (status == policy.status()) {
      return policy;
    }
    return new FqdnNetworkPolicy(
        policy.id(), policy.uid(), policy.generation(), policy.labels(), policy.spec(), status);
  }
}
