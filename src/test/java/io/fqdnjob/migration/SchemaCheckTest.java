package io.fqdnjob.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SchemaCheckTest {
  private static JsonObject withSpec(String field, String json) {
    JsonObject resource = ControllerObjects.resource("ns", "a", "api.example.com");
    resource.getAsJsonObject("spec").add(field, JsonParser.parseString(json));
    return resource;
  }

  private static List<SchemaCheck.Problem> problems(JsonObject resource) {
    return SchemaCheck.problems(resource);
  }

  @Test
  void resourceAsTheControllerAcceptedItHasNoProblem() {
    assertEquals(List.of(), problems(ControllerObjects.resource("ns", "a", "api.example.com")));
  }

  @Test
  void noEgressRuleIsRefusedByTheJob() {
    SchemaCheck.Problem p = problems(withSpec("egress", "[]")).get(0);
    assertEquals(SchemaCheck.Effect.REFUSED_BY_JOB, p.effect());
    assertEquals("spec.egress", p.field());
  }

  @Test
  void resolveTimeoutNotBelowTtlIsRefusedByTheJob() {
    JsonObject resource = withSpec("resolveTimeoutSeconds", "60");
    SchemaCheck.Problem p = problems(resource).get(0);
    assertEquals(SchemaCheck.Effect.REFUSED_BY_JOB, p.effect());
    assertEquals("spec.resolveTimeoutSeconds", p.field());
  }

  @Test
  void nameTheOldPatternAllowedButTheNewRefusesAllowsNothing() {
    // The controller's pattern took a top-level label of any length; DNS stops at 63.
    String name = "api.example." + "a".repeat(64);
    SchemaCheck.Problem p =
        problems(ControllerObjects.resource("ns", "a", name)).stream()
            .filter(x -> x.effect() == SchemaCheck.Effect.NAME_ALLOWS_NOTHING)
            .findFirst()
            .orElseThrow();
    assertTrue(p.message().contains(name), p.message());
  }

  @Test
  void portsANetworkPolicyMayNotHoldAreReported() {
    JsonObject resource = ControllerObjects.resource("ns", "a", "api.example.com");
    JsonArray ports =
        JsonParser.parseString(
                """
                [{"protocol": "ICMP", "port": 1}, {"port": 0}, {"port": "HTTPS"},
                 {"port": "https", "endPort": 500}, {"port": 500, "endPort": 400},
                 {"protocol": "UDP", "port": 53}]
                """)
            .getAsJsonArray();
    resource
        .getAsJsonObject("spec")
        .getAsJsonArray("egress")
        .get(0)
        .getAsJsonObject()
        .add("ports", ports);
    List<SchemaCheck.Problem> found = problems(resource);
    assertEquals(
        List.of(
            "spec.egress[0].ports[0]",
            "spec.egress[0].ports[1]",
            "spec.egress[0].ports[2]",
            "spec.egress[0].ports[3]",
            "spec.egress[0].ports[4]"),
        found.stream().map(SchemaCheck.Problem::field).toList());
    assertTrue(found.stream().allMatch(p -> p.effect() == SchemaCheck.Effect.POLICY_REFUSED));
  }

  @Test
  void selectorRequirementsANetworkPolicyMayNotHoldAreReported() {
    JsonObject resource =
        withSpec(
            "podSelector",
            """
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]},
                                  {"key": "b", "operator": "In"},
                                  {"key": "c", "operator": "Matches", "values": ["y"]},
                                  {"key": "d", "operator": "NotIn", "values": ["z"]}]}
            """);
    assertEquals(
        List.of(
            "spec.podSelector.matchExpressions[0]",
            "spec.podSelector.matchExpressions[1]",
            "spec.podSelector.matchExpressions[2]"),
        problems(resource).stream().map(SchemaCheck.Problem::field).toList());
  }

  @Test
  void moreRulesThanTheCrdAllowsOnlyRefuseEdits() {
    JsonArray rules = new JsonArray();
    for (int i = 0; i <= SchemaCheck.MAX_EGRESS_RULES; i++) {
      rules.add(JsonParser.parseString("{\"toFQDNS\": [\"api.example.com\"]}"));
    }
    JsonObject resource = ControllerObjects.resource("ns", "a", "api.example.com");
    resource.getAsJsonObject("spec").add("egress", rules);
    SchemaCheck.Problem p = problems(resource).get(0);
    assertEquals(SchemaCheck.Effect.EDIT_REFUSED, p.effect());
  }

  /** The caps the check applies are the CRD's own, so the two cannot drift apart. */
  @Test
  void capsAndEnumsAreTheCrds() {
    JsonObject spec =
        Json.object(
            CrdCheckTest.jobCrd()
                .getAsJsonObject("spec")
                .getAsJsonArray("versions")
                .get(0)
                .getAsJsonObject(),
            "schema",
            "openAPIV3Schema",
            "properties",
            "spec",
            "properties");
    JsonObject egress = spec.getAsJsonObject("egress");
    assertEquals(SchemaCheck.MAX_EGRESS_RULES, egress.get("maxItems").getAsInt());
    JsonObject rule = Json.object(egress, "items", "properties");
    assertEquals(SchemaCheck.MAX_PORTS, rule.getAsJsonObject("ports").get("maxItems").getAsInt());
    JsonObject port = Json.object(rule, "ports", "items", "properties");
    assertEquals(SchemaCheck.PROTOCOLS, strings(port.getAsJsonObject("protocol").get("enum")));
    JsonObject expressions = Json.object(spec, "podSelector", "properties", "matchExpressions");
    assertEquals(SchemaCheck.MAX_MATCH_EXPRESSIONS, expressions.get("maxItems").getAsInt());
    assertEquals(
        SchemaCheck.OPERATORS,
        strings(Json.object(expressions, "items", "properties", "operator").get("enum")));
  }

  private static Set<String> strings(com.google.gson.JsonElement array) {
    Set<String> values = new TreeSet<>();
    array.getAsJsonArray().forEach(v -> values.add(v.getAsString()));
    return values;
  }
}
