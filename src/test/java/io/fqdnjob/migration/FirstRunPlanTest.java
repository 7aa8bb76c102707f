package io.fqdnjob.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.fqdnjob.kube.FqdnPolicyStore;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.AddressFilter;
import io.fqdnjob.policy.ResourcePlan;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FirstRunPlanTest {
  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
  private static final ResourceId ID = new ResourceId("ns", "a");

  /** A resource fqdn-controller looked up 10 s ago (not due for 50 s more). */
  private static JsonObject resource() {
    JsonObject resource =
        ControllerObjects.stored(ControllerObjects.resource("ns", "a", "api.example.com"), "u1");
    resource.add(
        "status", ControllerObjects.status("api.example.com", "192.0.2.1", NOW.minusSeconds(10)));
    return resource;
  }

  private static FirstRunPlan.Entry plan(JsonObject resource, JsonObject policy) {
    Map<ResourceId, JsonObject> policies = new HashMap<>();
    if (policy != null) {
      policies.put(ID, policy);
    }
    return FirstRunPlan.compute(
            List.of(resource), policies, Map.of(), FirstRunPlan.Options.defaults(), NOW)
        .resources()
        .get(0);
  }

  @Test
  void controllersPolicyIsAdoptedAndWritten() {
    JsonObject resource = resource();
    JsonObject policy =
        ControllerObjects.writtenBy(
            ControllerObjects.policy(resource, "192.0.2.1"), "manager", "Update");
    FirstRunPlan.Entry entry = plan(resource, policy);
    assertEquals(FirstRunPlan.Action.ADOPT, entry.action());
    assertTrue(entry.writes());
    assertNull(entry.dueReason());
    assertTrue(entry.detail().startsWith("written by manager (Update)"), entry.detail());
  }

  @Test
  void missingPolicyIsCreated() {
    FirstRunPlan.Entry entry = plan(resource(), null);
    assertEquals(FirstRunPlan.Action.CREATE, entry.action());
    assertTrue(entry.writes());
  }

  @Test
  void policyTheJobAppliedAndThatMatchesIsUnchanged() {
    JsonObject resource = resource();
    FqdnNetworkPolicy parsed = FqdnPolicyStore.parse(resource).policy();
    JsonObject rendered =
        ResourcePlan.render(
                ResourcePlan.retain(parsed, f -> Map.of(), Duration.ofHours(1), NOW),
                AddressFilter.defaults())
            .networkPolicy();
    JsonObject live = ControllerObjects.writtenBy(rendered, "fqdn-job", "Apply");
    assertEquals(FirstRunPlan.Action.UNCHANGED, plan(resource, live).action());

    live.getAsJsonObject("spec").add("egress", new JsonArray());
    FirstRunPlan.Entry changed = plan(resource, live);
    assertEquals(FirstRunPlan.Action.UPDATE, changed.action());
    assertEquals("its spec was changed", changed.detail());
  }

  @Test
  void handWrittenPolicyOfTheSameNameIsRefused() {
    JsonObject resource = resource();
    JsonObject policy = ControllerObjects.policy(resource, "192.0.2.9");
    policy.getAsJsonObject("metadata").remove("ownerReferences");
    FirstRunPlan.Entry entry =
        plan(resource, ControllerObjects.writtenBy(policy, "kubectl-client-side-apply", "Update"));
    assertEquals(FirstRunPlan.Action.REFUSE, entry.action());
    assertFalse(entry.writes());
    assertTrue(entry.detail().startsWith("OwnershipConflict"), entry.detail());
    assertTrue(entry.detail().contains("kubectl-client-side-apply (Update)"), entry.detail());
  }

  @Test
  void invalidResourceIsRefused() {
    JsonObject resource = resource();
    resource.getAsJsonObject("spec").add("egress", new JsonArray());
    FirstRunPlan.Entry entry = plan(resource, null);
    assertEquals(FirstRunPlan.Action.REFUSE, entry.action());
    assertEquals("invalid: spec.egress: at least one egress rule is required", entry.detail());
  }

  @Test
  void resourceDueByItsTtlSaysSo() {
    JsonObject resource = resource();
    resource.add(
        "status", ControllerObjects.status("api.example.com", "192.0.2.1", NOW.minusSeconds(600)));
    assertEquals("TTL passed", plan(resource, null).dueReason());
  }

  @Test
  void resourceWithNoAddressDeniesAll() {
    JsonObject resource = resource();
    resource
        .getAsJsonObject("status")
        .getAsJsonArray("fqdns")
        .get(0)
        .getAsJsonObject()
        .add("addresses", new JsonArray());
    assertTrue(plan(resource, null).deniesAll());
    assertFalse(plan(resource(), null).deniesAll());
    // Ready True already: nothing changes for the user.
    assertFalse(plan(resource, null).readyTurnsTrue());
    JsonObject ready =
        resource.getAsJsonObject("status").getAsJsonArray("conditions").get(1).getAsJsonObject();
    ready.addProperty("status", "False");
    ready.addProperty("reason", "EmptyRules");
    assertTrue(plan(resource, null).readyTurnsTrue());
  }

  @Test
  void resourceBeingDeletedIsLeftAlone() {
    JsonObject resource = resource();
    resource.getAsJsonObject("metadata").addProperty("deletionTimestamp", NOW.toString());
    assertEquals(FirstRunPlan.Action.DELETING, plan(resource, null).action());
  }
}
