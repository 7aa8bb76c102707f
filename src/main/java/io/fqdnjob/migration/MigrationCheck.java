package io.fqdnjob.migration;

import com.google.gson.JsonObject;
import io.fqdnjob.model.ResourceId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code fqdn-job check --migration} without the cluster: from what was read to the report. Every
 * check is a pure function of the listed state and the time.
 */
public final class MigrationCheck {
  private MigrationCheck() {}

  /** Returns the report on {@code state} at {@code now}. */
  public static MigrationReport evaluate(
      ClusterState state, FirstRunPlan.Options options, Instant now) {
    List<Finding> findings = new ArrayList<>();
    if (state.deployments() != null) {
      findings.addAll(ControllerCheck.deployments(state.deployments()));
    }
    if (state.leases() != null) {
      findings.addAll(ControllerCheck.leases(state.leases(), now));
    }
    if (state.crdRead()) {
      findings.addAll(CrdCheck.check(state.crd()));
    }
    FirstRunPlan plan = null;
    if (state.resources() != null) {
      Map<ResourceId, JsonObject> byId = new LinkedHashMap<>();
      Map<ResourceId, List<SchemaCheck.Problem>> problems = new HashMap<>();
      for (JsonObject resource : state.resources()) {
        ResourceId id = id(resource);
        byId.put(id, resource);
        List<SchemaCheck.Problem> found = SchemaCheck.problems(resource);
        if (!found.isEmpty()) {
          problems.put(id, found);
          findings.addAll(SchemaCheck.findings("fqdn " + id, found));
        }
      }
      if (state.networkPolicies() != null) {
        Map<ResourceId, JsonObject> policies = new HashMap<>();
        state.networkPolicies().forEach(p -> policies.put(id(p), p));
        findings.addAll(CopiedMetadataCheck.check(state.networkPolicies(), byId));
        plan = FirstRunPlan.compute(state.resources(), policies, problems, options, now);
        findings.addAll(planFindings(plan));
      }
    }
    return new MigrationReport(state.namespaces(), now, findings, state.gaps(), plan);
  }

  /** The plan's refusals (not already reported as invalid) and its deny-all policies. */
  private static List<Finding> planFindings(FirstRunPlan plan) {
    List<Finding> findings = new ArrayList<>();
    List<ResourceId> denyAll = new ArrayList<>();
    for (FirstRunPlan.Entry entry : plan.resources()) {
      if (entry.action() == FirstRunPlan.Action.REFUSE
          && (entry.detail().startsWith("OwnershipConflict")
              || entry.detail().startsWith("PolicyTooLarge"))) {
        boolean conflict = entry.detail().startsWith("OwnershipConflict");
        findings.add(
            new Finding(
                Finding.Severity.ACTION,
                "first-run-refuses",
                "fqdn " + entry.id(),
                entry.detail()
                    + ". fqdn-job will leave that NetworkPolicy alone and set Ready False on the"
                    + " resource.",
                conflict
                    ? "delete or rename the NetworkPolicy if it is a leftover, or rename the fqdn"
                        + " resource"
                    : "lower maxAddressesPerFQDN or split the resource"));
      }
      if (entry.readyTurnsTrue()) {
        denyAll.add(entry.id());
      }
    }
    if (!denyAll.isEmpty()) {
      findings.add(
          new Finding(
              Finding.Severity.NOTE,
              "ready-deny-all",
              denyAll.size() + " resource(s), e.g. fqdn " + denyAll.get(0),
              "Their policy allows no address (egress denied) and their status says Ready False,"
                  + " as fqdn-controller reports it (reason EmptyRules). fqdn-job reports Ready True"
                  + " with reason EmptyRules, since the policy is in place, from its first lookup of"
                  + " them on: alerts on Ready False stop firing for them.",
              null));
    }
    return findings;
  }

  private static ResourceId id(JsonObject item) {
    JsonObject metadata = Json.object(item, "metadata");
    String namespace = Json.string(metadata, "namespace");
    return new ResourceId(namespace == null ? "default" : namespace, Json.string(metadata, "name"));
  }
}
