package io.fqdnjob.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The model records are values: what a caller hands in or gets out cannot change them. */
class ValueTypesTest {
  @Test
  void ruleFlagOverridesTheGlobalDefaultBothWays() {
    EgressRule inherits = new EgressRule(List.of("a.example.com"), null, null);
    EgressRule blocks = new EgressRule(List.of("a.example.com"), null, true);
    EgressRule allows = new EgressRule(List.of("a.example.com"), null, false);

    assertTrue(inherits.blocksPrivate(true));
    assertFalse(inherits.blocksPrivate(false));
    assertTrue(blocks.blocksPrivate(false));
    assertFalse(allows.blocksPrivate(true));
  }

  @Test
  void rulePortsCannotBeChangedFromOutside() {
    JsonArray ports = new JsonArray();
    JsonObject port = new JsonObject();
    port.addProperty("port", 443);
    ports.add(port);
    EgressRule rule = new EgressRule(List.of("a.example.com"), ports, null);

    port.addProperty("port", 80);
    rule.ports().get(0).getAsJsonObject().addProperty("protocol", "UDP");

    assertEquals("{\"port\":443}", rule.ports().get(0).toString());
  }

  @Test
  void ruleNamesCannotBeChangedFromOutside() {
    List<String> names = new ArrayList<>(List.of("a.example.com"));
    EgressRule rule = new EgressRule(names, null, null);

    names.add("b.example.com");

    assertEquals(List.of("a.example.com"), rule.toFqdns());
    assertThrows(UnsupportedOperationException.class, () -> rule.toFqdns().add("c.example.com"));
  }

  @Test
  void podSelectorCannotBeChangedFromOutside() {
    JsonObject selector = new JsonObject();
    FqdnNetworkPolicySpec spec =
        new FqdnNetworkPolicySpec(selector, List.of(), NetworkType.IPV4, 60, 3, 3600, false);

    selector.addProperty("matchLabels", "x");
    spec.podSelector().addProperty("matchExpressions", "y");

    assertEquals(new JsonObject(), spec.podSelector());
  }

  @Test
  void specDurationsFollowTheSeconds() {
    FqdnNetworkPolicySpec spec =
        new FqdnNetworkPolicySpec(new JsonObject(), List.of(), NetworkType.IPV4, 90, 4, 0, false);

    assertEquals(Duration.ofSeconds(90), spec.ttl());
    assertEquals(Duration.ofSeconds(4), spec.resolveTimeout());
    assertEquals(Duration.ZERO, spec.retryTimeout());
  }

  @Test
  void labelsCannotBeChangedFromOutside() {
    Map<String, String> labels = new HashMap<>(Map.of("team", "payments"));
    FqdnNetworkPolicy policy =
        new FqdnNetworkPolicy(
            new ResourceId("ns", "p"),
            null,
            1,
            labels,
            new FqdnNetworkPolicySpec(
                new JsonObject(), List.of(), NetworkType.IPV4, 60, 3, 3600, false),
            FqdnNetworkPolicyStatus.EMPTY);

    labels.put("team", "other");

    assertEquals(Map.of("team", "payments"), policy.labels());
  }

  @Test
  void statusLooksUpConditionsAndNamesByKey() {
    Condition ready = new Condition("Ready", "True", "Ready", "", Instant.EPOCH, 1L);
    Condition resolve = new Condition("Resolve", "False", "NXDOMAIN", "", Instant.EPOCH, 1L);
    FqdnStatus a =
        new FqdnStatus("a.example.com", null, null, ResolveReason.NXDOMAIN, "", List.of());
    FqdnNetworkPolicyStatus status =
        new FqdnNetworkPolicyStatus(List.of(ready, resolve), List.of(a), 0, 0, null, 1L);

    assertEquals(resolve, status.condition("Resolve").orElseThrow());
    assertTrue(status.condition("Degraded").isEmpty());
    assertEquals(a, status.fqdn("a.example.com").orElseThrow());
    assertTrue(status.fqdn("a.example.com.").isEmpty(), "names are matched as written");
    assertTrue(ready.isTrue());
    assertFalse(resolve.isTrue());
  }
}
