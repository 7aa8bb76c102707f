package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.common.net.InetAddresses;
import com.google.gson.JsonObject;
import io.fqdnjob.kube.EventRecorder;
import io.fqdnjob.kube.FqdnPolicyStore;
import io.fqdnjob.kube.ListedResource;
import io.fqdnjob.model.AddressFamily;
import io.fqdnjob.model.Condition;
import io.fqdnjob.model.FqdnNetworkPolicyCodec;
import io.fqdnjob.policy.AddressFilter;
import io.fqdnjob.policy.NameLookup;
import io.fqdnjob.policy.ResourcePlan;
import io.fqdnjob.policy.StatusRefresh;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the record stage writes, decided without an API server. */
class RecordPlanTest {
  private static final Instant T = Instant.parse("2026-12-07T12:00:00Z");
  private static final StatusRefresh REFRESH = new StatusRefresh(StatusRefresh.DEFAULT_INTERVAL);

  /** The resource looked up at T - 60 s to 192.0.2.1, now answered with {@code address}. */
  private static ResourcePlan plan(Target target, String address) {
    return plan(target, address, T);
  }

  private static ResourcePlan plan(Target target, String address, Instant now) {
    return ResourcePlan.render(
        ResourcePlan.retain(
            target.policy(),
            fqdn ->
                Map.of(
                    AddressFamily.IPV4,
                    NameLookup.success(
                        List.of(InetAddresses.forString(address)), fqdn + ": 1 address")),
            Duration.ZERO,
            now),
        AddressFilter.defaults());
  }

  private static List<String> events(List<RecordPlan.Event> events) {
    return events.stream().map(e -> e.type() + " " + e.reason()).toList();
  }

  @Test
  void anAppliedPolicyIsAnnouncedAndItsStatusWritten() {
    Target target = Resources.target("web", T.minusSeconds(60));
    RecordPlan plan =
        RecordPlan.forDue(
            target,
            plan(target, "192.0.2.2"),
            new ApplyStage.Applied(Outcome.APPLIED, false, null, null, true),
            REFRESH);
    assertEquals(List.of("Normal Updated"), events(plan.events()));
    assertEquals(StatusRefresh.Decision.CHANGED, plan.decision());
    assertNotNull(plan.status());
    assertEquals(T, plan.status().latestLookupTime());
    assertEquals(List.of(), plan.eventsAfterStatus());
  }

  @Test
  void aStatusWhoseTimesAloneMovedIsNotWrittenBeforeItsTurn() {
    // The status the job wrote a minute ago, and the same answer now.
    Target fresh = Resources.target("web", null);
    JsonObject written = Resources.json("web", null, "192.0.2.1");
    written.add(
        "status",
        FqdnNetworkPolicyCodec.statusToJson(
            plan(fresh, "192.0.2.1", T.minusSeconds(60)).appliedStatus()));
    ListedResource listed = FqdnPolicyStore.parse(written);
    Target target = new Target(listed, listed.policy(), null);
    RecordPlan plan =
        RecordPlan.forDue(
            target, plan(target, "192.0.2.1"), ApplyStage.Applied.as(Outcome.UNCHANGED), REFRESH);
    assertEquals(List.of(), plan.events());
    StatusRefresh.Decision expected =
        StatusRefresh.turnAfter("uid-web", REFRESH.interval(), T.minusSeconds(60)).isAfter(T)
            ? StatusRefresh.Decision.UNCHANGED
            : StatusRefresh.Decision.REFRESH;
    assertEquals(expected, plan.decision());
    assertEquals(expected == StatusRefresh.Decision.UNCHANGED, plan.status() == null);
  }

  @Test
  void aRefusedPolicyKeepsThePreviousAndWarnsOnceItsStatusSaysSo() {
    Target target = Resources.target("web", T.minusSeconds(60));
    ApplyStage.Applied conflict =
        new ApplyStage.Applied(
            Outcome.CONFLICT, false, "OwnershipConflict", "NetworkPolicy ns/web is taken", false);
    RecordPlan plan = RecordPlan.forDue(target, plan(target, "192.0.2.2"), conflict, REFRESH);
    assertEquals(List.of(), plan.events());
    assertEquals(List.of("Warning OwnershipConflict"), events(plan.eventsAfterStatus()));
    Condition ready = plan.status().condition(Condition.READY).orElseThrow();
    assertEquals("NetworkPolicy ns/web is taken", ready.message());

    // The next run finds the message in the status: no second warning.
    JsonObject reported = Resources.json("web", T.minusSeconds(60), "192.0.2.1");
    reported.add("status", FqdnNetworkPolicyCodec.statusToJson(plan.status()));
    ListedResource again = FqdnPolicyStore.parse(reported);
    Target next = new Target(again, again.policy(), null);
    RecordPlan second = RecordPlan.forDue(next, plan(next, "192.0.2.2"), conflict, REFRESH);
    assertEquals(List.of(), second.eventsAfterStatus());
  }

  @Test
  void anInvalidResourceIsReportedOncePerGeneration() {
    JsonObject raw =
        com.google.gson.JsonParser.parseString(
                """
                {"apiVersion": "fqdn.konsole.is/v1alpha1", "kind": "NetworkPolicy",
                 "metadata": {"name": "bad", "namespace": "ns", "uid": "u", "generation": 2,
                   "resourceVersion": "9"},
                 "spec": {"podSelector": {}, "egress": [{"toFQDNS": []}], "ttlSeconds": -4}}
                """)
            .getAsJsonObject();
    ListedResource invalid = FqdnPolicyStore.parse(raw);
    assertNotNull(invalid.problem(), "the spec cannot be used");
    var status = RecordPlan.invalid(invalid, T);
    assertNotNull(status);
    assertEquals(
        RecordPlan.invalidMessage(invalid),
        status.condition(Condition.READY).orElseThrow().message());

    raw.add("status", FqdnNetworkPolicyCodec.statusToJson(status));
    assertNull(
        RecordPlan.invalid(FqdnPolicyStore.parse(raw), T.plusSeconds(60)), "reported already");
  }

  @Test
  void aRepairOfWhereTrafficGoesWarnsAndOfLabelsOnlyDoesNot() {
    Target target = Resources.target("web", T.minusSeconds(60));
    ApplyStage.Applied repaired =
        new ApplyStage.Applied(Outcome.REPAIRED, true, null, "it was deleted", true);
    assertEquals(
        EventRecorder.Type.Warning,
        RecordPlan.repaired(target, plan(target, "192.0.2.1"), repaired, false).type());
    assertEquals(
        EventRecorder.Type.Normal,
        RecordPlan.repaired(target, plan(target, "192.0.2.1"), repaired, true).type());
  }
}
