package io.fqdnjob.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.Fixtures;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicyCodec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class NetworkPolicyRendererTest {
  private static final String DIR = "io/fqdnjob/policy/";

  private static FqdnNetworkPolicy input() throws Exception {
    return FqdnNetworkPolicyCodec.fromJson(Fixtures.yaml(DIR + "render-input.yaml"));
  }

  static SortedSet<Cidr> cidrs(String... values) {
    SortedSet<Cidr> set = new TreeSet<>(Addresses.ORDER);
    Stream.of(values).map(Cidr::parse).forEach(set::add);
    return set;
  }

  private static List<SortedSet<Cidr>> typicalAllowed() {
    return List.of(
        cidrs("2606:2800:21f:cb07:6820:80da:af6b:8b2c/128", "93.184.215.14/32"),
        cidrs(),
        cidrs("151.101.1.57/32"));
  }

  private static List<SortedSet<Cidr>> nothingAllowed() {
    return List.of(cidrs(), cidrs(), cidrs());
  }

  private static JsonArray egress(JsonObject body) {
    return body.getAsJsonObject("spec").getAsJsonArray("egress");
  }

  @Test
  void rendersTheFullIntentOfTheFieldManager() throws Exception {
    JsonObject body = NetworkPolicyRenderer.render(input(), typicalAllowed());

    assertEquals(Fixtures.yaml(DIR + "render-expected.yaml"), body);
  }

  @Test
  void generatedPolicyCarriesNoAnnotations() throws Exception {
    JsonObject metadata =
        NetworkPolicyRenderer.render(input(), typicalAllowed()).getAsJsonObject("metadata");

    assertEquals(
        List.of("name", "namespace", "labels", "ownerReferences"),
        new ArrayList<>(metadata.keySet()));
  }

  @Test
  void managedByLabelWinsOverTheResourcesOwn() throws Exception {
    FqdnNetworkPolicy policy = withLabels(input(), Map.of("app.kubernetes.io/managed-by", "helm"));

    JsonObject labels =
        NetworkPolicyRenderer.render(policy, typicalAllowed())
            .getAsJsonObject("metadata")
            .getAsJsonObject("labels");

    assertEquals(JsonParser.parseString("{\"app.kubernetes.io/managed-by\":\"fqdn-job\"}"), labels);
  }

  @Test
  void resourceReadFromAFileWithoutUidGetsNoOwnerReference() throws Exception {
    FqdnNetworkPolicy input = input();
    FqdnNetworkPolicy fromFile =
        new FqdnNetworkPolicy(
            input.id(), null, input.generation(), input.labels(), input.spec(), input.status());

    JsonObject metadata =
        NetworkPolicyRenderer.render(fromFile, typicalAllowed()).getAsJsonObject("metadata");

    assertFalse(metadata.has("ownerReferences"));
  }

  @Test
  void ownerReferenceMakesTheResourceTheController() throws Exception {
    JsonObject owner = NetworkPolicyRenderer.ownerReference(input());

    assertEquals("0c4b2f5e-9a57-4f5b-8d0c-3f1c2a9e7b11", owner.get("uid").getAsString());
    assertEquals("fqdn.konsole.is/v1alpha1", owner.get("apiVersion").getAsString());
    assertEquals("NetworkPolicy", owner.get("kind").getAsString());
    assertEquals("api-egress", owner.get("name").getAsString());
    assertTrue(owner.get("controller").getAsBoolean());
    assertTrue(owner.get("blockOwnerDeletion").getAsBoolean());
  }

  @Test
  void ruleWithNoAllowedAddressIsOmittedNeverEmptyTo() throws Exception {
    JsonArray egress = egress(NetworkPolicyRenderer.render(input(), typicalAllowed()));

    assertEquals(2, egress.size());
    for (JsonElement rule : egress) {
      assertFalse(rule.getAsJsonObject().getAsJsonArray("to").isEmpty());
    }
    assertFalse(egress.toString().contains("5432"), "the ports of the omitted rule must not leak");
  }

  @Test
  void noAllowedAddressRendersDenyAllEgress() throws Exception {
    JsonObject body = NetworkPolicyRenderer.render(input(), nothingAllowed());

    assertEquals(new JsonArray(), egress(body));
    assertEquals(
        JsonParser.parseString("[\"Egress\"]"),
        body.getAsJsonObject("spec").getAsJsonArray("policyTypes"));
  }

  @Test
  void ruleWithoutPortsAllowsEveryPort() throws Exception {
    JsonObject rule =
        egress(NetworkPolicyRenderer.render(input(), typicalAllowed())).get(1).getAsJsonObject();

    assertFalse(rule.has("ports"));
  }

  @Test
  void portsAreCopiedVerbatimWithTcpFilledInWhereLeftOut() throws Exception {
    JsonArray ports =
        egress(NetworkPolicyRenderer.render(input(), typicalAllowed()))
            .get(0)
            .getAsJsonObject()
            .getAsJsonArray("ports");

    assertEquals(
        JsonParser.parseString(
            "[{\"port\":443,\"protocol\":\"TCP\"},{\"port\":\"https-alt\",\"protocol\":\"TCP\"},"
                + "{\"port\":8000,\"endPort\":8100,\"protocol\":\"UDP\"},"
                + "{\"port\":2905,\"protocol\":\"SCTP\"}]"),
        ports);
  }

  @Test
  void fillingInTheProtocolLeavesTheResourceAlone() throws Exception {
    FqdnNetworkPolicy input = input();

    NetworkPolicyRenderer.render(input, typicalAllowed());

    assertFalse(input.spec().egress().get(0).ports().get(0).getAsJsonObject().has("protocol"));
  }

  @Test
  void peersAreSortedIpv4FirstThenNumerically() throws Exception {
    SortedSet<Cidr> byText = new TreeSet<>(Comparator.comparing(Cidr::toString));
    Stream.of("2001:db8::1/128", "10.0.0.2/32", "9.0.0.1/32", "10.0.0.10/32")
        .map(Cidr::parse)
        .forEach(byText::add);

    JsonArray to =
        egress(NetworkPolicyRenderer.render(input(), List.of(byText, cidrs(), cidrs())))
            .get(0)
            .getAsJsonObject()
            .getAsJsonArray("to");

    List<String> peers = new ArrayList<>();
    to.forEach(
        p -> peers.add(p.getAsJsonObject().getAsJsonObject("ipBlock").get("cidr").getAsString()));
    assertEquals(List.of("9.0.0.1/32", "10.0.0.2/32", "10.0.0.10/32", "2001:db8::1/128"), peers);
  }

  @Test
  void identicalInputRendersTheIdenticalString() throws Exception {
    String first = NetworkPolicyRenderer.render(input(), typicalAllowed()).toString();
    String second = NetworkPolicyRenderer.render(input(), typicalAllowed()).toString();

    assertEquals(first, second);
  }

  @Test
  void theResourcesLabelsAreNotCopiedSoToolsThatTrackLabelsDoNotClaimThePolicy() throws Exception {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("team", "payments");
    labels.put("applyset.kubernetes.io/part-of", "applyset-abc-v1");
    labels.put("app.kubernetes.io/instance", "payments-argocd-app");

    JsonObject rendered =
        NetworkPolicyRenderer.render(withLabels(input(), labels), typicalAllowed());

    assertEquals(
        JsonParser.parseString("{\"app.kubernetes.io/managed-by\":\"fqdn-job\"}"),
        rendered.getAsJsonObject("metadata").get("labels"));
  }

  @Test
  void oneAllowedSetPerRuleIsRequired() throws Exception {
    FqdnNetworkPolicy input = input();

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> NetworkPolicyRenderer.render(input, List.of(cidrs("192.0.2.1/32"))));

    assertEquals("expected 3 rules, got 1", e.getMessage());
  }

  private static FqdnNetworkPolicy withLabels(FqdnNetworkPolicy p, Map<String, String> labels) {
    return new FqdnNetworkPolicy(p.id(), p.uid(), p.generation(), labels, p.spec(), p.status());
  }
}
