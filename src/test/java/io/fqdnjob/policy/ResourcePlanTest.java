package io.fqdnjob.policy;

import static io.fqdnjob.policy.CidrTest.ip;
import static io.fqdnjob.policy.CidrTest.mappedIpv6;
import static io.fqdnjob.policy.PolicyFixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fqdnjob.Fixtures;
import io.fqdnjob.model.AddressFamily;
import io.fqdnjob.model.Condition;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicyCodec;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.FqdnStatus;
import io.fqdnjob.model.ResolveReason;
import io.fqdnjob.model.SeenAddress;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ResourcePlanTest {
  private static final String DIR = "io/fqdnjob/policy/";
  private static final AddressFilter FILTER = AddressFilter.defaults();

  /** This run's answers by name; a name that is missing did not finish. */
  private final Map<String, Map<AddressFamily, NameLookup>> answers = new HashMap<>();

  private static FqdnNetworkPolicy input() throws Exception {
    return FqdnNetworkPolicyCodec.fromJson(Fixtures.yaml(DIR + "plan-input.yaml"));
  }

  private void answer(String name, String... addresses) {
    List<InetAddress> parsed = Stream.of(addresses).map(CidrTest::ip).toList();
    answers.put(name, Map.of(AddressFamily.IPV4, NameLookup.success(parsed, "answered")));
  }

  private void fail(String name, ResolveReason reason) {
    answers.put(name, Map.of(AddressFamily.IPV4, NameLookup.failure(reason, reason + " at dns")));
  }

  private ResourcePlan plan(FqdnNetworkPolicy policy) {
    return ResourcePlan.compute(policy, name -> answers.getOrDefault(name, Map.of()), FILTER, T0);
  }

  /** All four names answer; api and shared share one public address. */
  private void typicalAnswers() {
    answer("api.example.com", "93.184.215.14", "169.254.169.254");
    answer("shared.example.com", "93.184.215.14", "10.0.0.5");
    answer("internal.example.com", "10.1.2.3");
    answer("flaky.example.com", "198.51.100.77");
  }

  private static List<String> peers(JsonObject body, int rule) {
    List<String> result = new ArrayList<>();
    JsonArray egress = body.getAsJsonObject("spec").getAsJsonArray("egress");
    for (JsonElement peer : egress.get(rule).getAsJsonObject().getAsJsonArray("to")) {
      result.add(peer.getAsJsonObject().getAsJsonObject("ipBlock").get("cidr").getAsString());
    }
    return result;
  }

  @Test
  void eachDistinctNameGetsOneStatusInSpecOrder() throws Exception {
    typicalAnswers();

    ResourcePlan plan = plan(input());

    assertEquals(
        List.of(
            "api.example.com", "shared.example.com", "internal.example.com", "flaky.example.com"),
        plan.names().stream().map(FqdnStatus::fqdn).toList());
    assertEquals(List.of(), plan.unfinishedNames());
  }

  @Test
  void privateAddressIsRemovedOnlyFromTheRuleThatBlocksIt() throws Exception {
    typicalAnswers();

    ResourcePlan plan = plan(input());

    assertEquals(List.of("10.0.0.5/32", "93.184.215.14/32"), peers(plan.networkPolicy(), 0));
    assertEquals(List.of("93.184.215.14/32", "198.51.100.77/32"), peers(plan.networkPolicy(), 1));
  }

  @Test
  void metadataAddressIsRemovedButCountsAsKnown() throws Exception {
    typicalAnswers();

    ResourcePlan plan = plan(input());

    assertFalse(plan.networkPolicy().toString().contains("169.254.169.254"));
    assertEquals(
        List.of("93.184.215.14/32", "169.254.169.254/32"),
        plan.names().get(0).addresses(),
        "status keeps what the name resolved to, before the filter");
  }

  @Test
  void countsAreDeduplicatedAcrossNamesAndRemovedAddressesAreNotApplied() throws Exception {
    typicalAnswers();

    ResourcePlan plan = plan(input());

    // Known: 93.184.215.14 (twice), 169.254.169.254, 10.0.0.5, 10.1.2.3, 198.51.100.77.
    assertEquals(5, plan.totalAddressesCount());
    // Applied: 93.184.215.14, 10.0.0.5 (rule 0 only), 198.51.100.77.
    assertEquals(3, plan.appliedAddressCount());
  }

  @Test
  void readyStatusCarriesCountsGenerationAndLookupTime() throws Exception {
    typicalAnswers();

    FqdnNetworkPolicyStatus status = plan(input()).appliedStatus();

    assertEquals(3, status.appliedAddressCount());
    assertEquals(5, status.totalAddressesCount());
    assertEquals(T0, status.latestLookupTime());
    assertEquals(7L, status.observedGeneration());
    Condition ready = status.condition(Condition.READY).orElseThrow();
    assertEquals("True", ready.status());
    assertEquals("Ready", ready.reason());
    assertEquals("NetworkPolicy allows 3 addresses", ready.message());
    assertEquals(7L, ready.observedGeneration());
    assertEquals(
        new Condition(
            "Resolve",
            "True",
            "SUCCESS",
            "all 4 names resolved",
            Instant.parse("2026-02-01T00:00:00Z"),
            7L),
        status.condition(Condition.RESOLVE).orElseThrow());
  }

  @Test
  void noAllowedAddressDeniesAllEgressAndIsReadyWithEmptyRules() throws Exception {
    fail("api.example.com", ResolveReason.NXDOMAIN);
    answer("shared.example.com", "127.0.0.1");
    answer("internal.example.com", "10.1.2.3");
    fail("flaky.example.com", ResolveReason.NODATA);

    ResourcePlan plan = plan(input());
    FqdnNetworkPolicyStatus status = plan.appliedStatus();

    assertTrue(plan.deniesAll());
    assertEquals(
        new JsonArray(), plan.networkPolicy().getAsJsonObject("spec").getAsJsonArray("egress"));
    Condition ready = status.condition(Condition.READY).orElseThrow();
    assertEquals("True", ready.status());
    assertEquals("EmptyRules", ready.reason());
    assertEquals(0, status.appliedAddressCount());
    assertEquals(2, status.totalAddressesCount());
    Condition resolve = status.condition(Condition.RESOLVE).orElseThrow();
    assertEquals("False", resolve.status());
    assertEquals("NXDOMAIN", resolve.reason());
  }

  @Test
  void failedApplyMakesReadyFalseWithTheError() throws Exception {
    typicalAnswers();

    Condition ready =
        plan(input())
            .notAppliedStatus("networkpolicies is forbidden")
            .condition(Condition.READY)
            .orElseThrow();

    assertEquals(
        new Condition("Ready", "False", "Failed", "networkpolicies is forbidden", T0, 7L), ready);
  }

  @Test
  void aStatusNotAppliedKeepsDescribingThePolicyInPlace() throws Exception {
    typicalAnswers();
    FqdnNetworkPolicyStatus applied = plan(input()).appliedStatus();
    FqdnNetworkPolicy next =
        new FqdnNetworkPolicy(
            input().id(), input().uid(), 8, input().labels(), input().spec(), applied);
    answer("flaky.example.com", "192.0.2.99");

    FqdnNetworkPolicyStatus refused =
        ResourcePlan.compute(
                next, name -> answers.getOrDefault(name, Map.of()), FILTER, T0.plusSeconds(600))
            .notAppliedStatus("admission webhook denied the request");

    assertEquals(applied.fqdns(), refused.fqdns());
    assertEquals(applied.appliedAddressCount(), refused.appliedAddressCount());
    assertEquals(applied.totalAddressesCount(), refused.totalAddressesCount());
    assertEquals(T0, refused.latestLookupTime());
    assertEquals(7L, refused.observedGeneration());
    assertEquals(applied.condition(Condition.RESOLVE), refused.condition(Condition.RESOLVE));
    Condition ready = refused.condition(Condition.READY).orElseThrow();
    assertEquals("False", ready.status());
    assertEquals("admission webhook denied the request", ready.message());
    assertEquals(8L, ready.observedGeneration());
  }

  @Test
  void transientFailureKeepsTheNameAllowedWithinTheWindow() throws Exception {
    typicalAnswers();
    fail("flaky.example.com", ResolveReason.TIMEOUT);

    ResourcePlan plan = plan(input());

    assertEquals(List.of("93.184.215.14/32", "198.51.100.77/32"), peers(plan.networkPolicy(), 1));
    assertEquals(Map.of(), plan.expiredAddresses());
    assertEquals(
        "TIMEOUT", plan.appliedStatus().condition(Condition.RESOLVE).orElseThrow().reason());
  }

  @Test
  void expiredAddressesAreReportedPerName() throws Exception {
    typicalAnswers();
    fail("flaky.example.com", ResolveReason.TEMPORARY);
    FqdnNetworkPolicy policy = input();

    ResourcePlan plan =
        ResourcePlan.compute(
            policy,
            name -> answers.getOrDefault(name, Map.of()),
            FILTER,
            Instant.parse("2026-03-01T12:30:00Z"));

    assertEquals(Map.of("flaky.example.com", List.of("198.51.100.77/32")), plan.expiredAddresses());
    assertEquals(List.of("93.184.215.14/32"), peers(plan.networkPolicy(), 1));
  }

  @Test
  void unfinishedLookupKeepsThePreviousStatusAndItsAddresses() throws Exception {
    typicalAnswers();
    answers.remove("flaky.example.com");
    FqdnNetworkPolicy policy = input();

    ResourcePlan plan = plan(policy);

    assertEquals(List.of("flaky.example.com"), plan.unfinishedNames());
    assertEquals(policy.status().fqdn("flaky.example.com").orElseThrow(), plan.names().get(3));
    assertEquals(List.of("93.184.215.14/32", "198.51.100.77/32"), peers(plan.networkPolicy(), 1));
  }

  @Test
  void unfinishedLookupOfANameThatNeverResolvedMakesResolveFalse() throws Exception {
    typicalAnswers();
    answers.remove("internal.example.com");

    ResourcePlan plan = plan(input());
    Condition resolve = plan.appliedStatus().condition(Condition.RESOLVE).orElseThrow();

    assertEquals(List.of("internal.example.com"), plan.unfinishedNames());
    assertEquals("False", resolve.status());
    assertEquals("UNKNOWN", resolve.reason());
    assertTrue(resolve.message().contains("internal.example.com"), resolve.message());
    assertTrue(resolve.message().startsWith("1 of 4 names"), resolve.message());
    assertFalse(
        plan.names().stream().anyMatch(n -> n.fqdn().equals("internal.example.com")),
        "no status is invented for the name");
  }

  @Test
  void nonHostRouteInThePreviousStatusIsNeverApplied() throws Exception {
    JsonObject json = Fixtures.yaml(DIR + "plan-input.yaml");
    JsonArray flakyAddresses =
        json.getAsJsonObject("status")
            .getAsJsonArray("fqdns")
            .get(0)
            .getAsJsonObject()
            .getAsJsonArray("addresses");
    flakyAddresses.add("128.0.0.0/1");
    flakyAddresses.add("2000::/3");
    typicalAnswers();
    fail("flaky.example.com", ResolveReason.TIMEOUT);

    ResourcePlan plan = plan(FqdnNetworkPolicyCodec.fromJson(json));

    assertEquals(List.of("93.184.215.14/32", "198.51.100.77/32"), peers(plan.networkPolicy(), 1));
    assertEquals(List.of("198.51.100.77/32"), plan.names().get(3).addresses());
  }

  @Test
  void ipv4MappedAnswerIsFilteredAsTheIpv4AddressItCarries() throws Exception {
    typicalAnswers();
    answers.put(
        "api.example.com",
        Map.of(
            AddressFamily.IPV4,
            NameLookup.success(List.of(mappedIpv6("169.254.169.254"), ip("93.184.215.14")), "x")));

    ResourcePlan plan = plan(input());

    assertEquals(
        List.of("93.184.215.14/32", "169.254.169.254/32"), plan.names().get(0).addresses());
    assertFalse(plan.networkPolicy().toString().contains("169.254.169.254"));
  }

  @Test
  void nextRunReadsBackWhatThisRunWrote() throws Exception {
    typicalAnswers();
    FqdnNetworkPolicy first = input();
    FqdnNetworkPolicyStatus written = plan(first).appliedStatus();
    JsonObject json = Fixtures.yaml(DIR + "plan-input.yaml");
    json.add("status", FqdnNetworkPolicyCodec.statusToJson(written));
    FqdnNetworkPolicy second = FqdnNetworkPolicyCodec.fromJson(json);
    answers.clear();
    typicalAnswers();
    fail("api.example.com", ResolveReason.TIMEOUT);

    ResourcePlan again =
        ResourcePlan.compute(
            second, name -> answers.getOrDefault(name, Map.of()), FILTER, T0.plusSeconds(60));

    assertEquals(written.fqdns().get(0).addresses(), again.names().get(0).addresses());
    assertEquals(T0, again.names().get(0).lastSuccessfulTime());
    assertEquals(
        Instant.parse("2026-02-01T00:00:00Z"),
        again.appliedStatus().condition(Condition.READY).orElseThrow().lastTransitionTime(),
        "Ready has been True since before the first run");
  }

  // ---- rotating names: window, limit, peers ----

  private static FqdnNetworkPolicy inputWith(String field, int value) throws Exception {
    JsonObject json = Fixtures.yaml(DIR + "plan-input.yaml");
    json.getAsJsonObject("spec").addProperty(field, value);
    return FqdnNetworkPolicyCodec.fromJson(json);
  }

  private static FqdnStatus named(ResourcePlan plan, String fqdn) {
    return plan.names().stream().filter(n -> n.fqdn().equals(fqdn)).findFirst().orElseThrow();
  }

  @Test
  void peerCountCountsTheAddressBlocksOfEveryRule() throws Exception {
    typicalAnswers();

    ResourcePlan plan = plan(input());

    // Rule 0: 10.0.0.5, 93.184.215.14; rule 1: 93.184.215.14, 198.51.100.77.
    assertEquals(4, plan.peerCount());
    assertEquals(3, plan.appliedAddressCount(), "a shared address is one address but two peers");
  }

  @Test
  void policyThatDeniesAllHasNoPeers() throws Exception {
    fail("api.example.com", ResolveReason.NXDOMAIN);
    fail("shared.example.com", ResolveReason.NXDOMAIN);
    fail("internal.example.com", ResolveReason.NXDOMAIN);
    fail("flaky.example.com", ResolveReason.NXDOMAIN);

    assertEquals(0, plan(input()).peerCount());
  }

  @Test
  void addressLimitOfTheSpecCapsEachName() throws Exception {
    typicalAnswers();

    ResourcePlan plan = plan(inputWith("maxAddressesPerFQDN", 1));

    assertEquals(List.of("93.184.215.14/32"), named(plan, "api.example.com").addresses());
    assertEquals(1, named(plan, "api.example.com").droppedAddressCount());
    assertEquals(List.of("10.0.0.5/32"), named(plan, "shared.example.com").addresses());
    assertEquals(null, named(plan, "flaky.example.com").droppedAddressCount());
    // api keeps 93.184.215.14, shared keeps 10.0.0.5; 169.254.169.254 is gone from the status.
    assertEquals(List.of("10.0.0.5/32", "93.184.215.14/32"), peers(plan.networkPolicy(), 0));
    assertEquals(4, plan.totalAddressesCount());
  }

  @Test
  void newlyCappedNamesAreTheNamesCappedForTheFirstTimeInSpecOrder() throws Exception {
    typicalAnswers();

    ResourcePlan plan = plan(inputWith("maxAddressesPerFQDN", 1));

    assertEquals(List.of("api.example.com", "shared.example.com"), plan.newlyCappedNames());
  }

  @Test
  void nameAlreadyCappedInThePreviousStatusIsNotNewlyCapped() throws Exception {
    JsonObject json = Fixtures.yaml(DIR + "plan-input.yaml");
    json.getAsJsonObject("spec").addProperty("maxAddressesPerFQDN", 1);
    flakyStatus(json).addProperty("droppedAddressCount", 4);
    typicalAnswers();
    answer("flaky.example.com", "198.51.100.77", "198.51.100.78");

    ResourcePlan plan = plan(FqdnNetworkPolicyCodec.fromJson(json));

    assertEquals(1, named(plan, "flaky.example.com").droppedAddressCount());
    assertFalse(plan.newlyCappedNames().contains("flaky.example.com"), plan::toString);
  }

  @Test
  void previousDroppedCountOfZeroCountsAsNotCapped() throws Exception {
    JsonObject json = Fixtures.yaml(DIR + "plan-input.yaml");
    json.getAsJsonObject("spec").addProperty("maxAddressesPerFQDN", 1);
    flakyStatus(json).addProperty("droppedAddressCount", 0);
    typicalAnswers();
    answer("flaky.example.com", "198.51.100.77", "198.51.100.78");

    ResourcePlan plan = plan(FqdnNetworkPolicyCodec.fromJson(json));

    assertTrue(plan.newlyCappedNames().contains("flaky.example.com"), plan::toString);
  }

  @Test
  void capThatEndsAndStartsAgainIsReportedAgain() throws Exception {
    typicalAnswers();
    FqdnNetworkPolicy capped = inputWith("maxAddressesPerFQDN", 1);
    ResourcePlan first = plan(capped);
    answer("api.example.com", "93.184.215.14");
    ResourcePlan second = plan(reRead(capped, first));
    answer("api.example.com", "93.184.215.14", "93.184.215.15");

    ResourcePlan third = plan(reRead(capped, second));

    assertTrue(first.newlyCappedNames().contains("api.example.com"));
    assertFalse(second.newlyCappedNames().contains("api.example.com"));
    assertEquals(null, named(second, "api.example.com").droppedAddressCount());
    assertTrue(third.newlyCappedNames().contains("api.example.com"));
  }

  @Test
  void unfinishedLookupIsNeverNewlyCapped() throws Exception {
    typicalAnswers();
    answers.remove("api.example.com");

    ResourcePlan plan = plan(inputWith("maxAddressesPerFQDN", 1));

    assertEquals(List.of("shared.example.com"), plan.newlyCappedNames());
  }

  @Test
  void noNameIsNewlyCappedUnderTheDefaultLimit() throws Exception {
    typicalAnswers();

    assertEquals(List.of(), plan(input()).newlyCappedNames());
  }

  @Test
  void seenAddressWindowOfTheSpecKeepsAnAddressTheLatestAnswerLeftOut() throws Exception {
    typicalAnswers();
    answer("flaky.example.com", "198.51.100.78");

    // The fixture's flaky.example.com resolved to 198.51.100.77 at 11:30, half an hour ago.
    ResourcePlan inside = plan(inputWith("seenAddressRetentionSeconds", 1801));
    ResourcePlan after = plan(inputWith("seenAddressRetentionSeconds", 1800));

    assertEquals(
        List.of("198.51.100.77/32", "198.51.100.78/32"),
        named(inside, "flaky.example.com").addresses());
    assertEquals(
        List.of(
            new SeenAddress("198.51.100.77/32", Instant.parse("2026-03-01T11:30:00Z")),
            new SeenAddress("198.51.100.78/32", T0)),
        named(inside, "flaky.example.com").seenAddresses());
    assertEquals(List.of("198.51.100.78/32"), named(after, "flaky.example.com").addresses());
  }

  @Test
  void nextRunRebuildsTheSeenWindowFromTheWrittenStatus() throws Exception {
    typicalAnswers();
    FqdnNetworkPolicy windowed = inputWith("seenAddressRetentionSeconds", 600);
    ResourcePlan first = plan(windowed);
    answer("api.example.com", "93.184.215.15");

    ResourcePlan second =
        ResourcePlan.compute(
            reRead(windowed, first),
            name -> answers.getOrDefault(name, Map.of()),
            FILTER,
            T0.plusSeconds(300));

    FqdnStatus api = named(second, "api.example.com");
    assertEquals(
        List.of("93.184.215.14/32", "93.184.215.15/32", "169.254.169.254/32"), api.addresses());
    assertEquals(
        List.of(
            new SeenAddress("93.184.215.14/32", T0),
            new SeenAddress("93.184.215.15/32", T0.plusSeconds(300)),
            new SeenAddress("169.254.169.254/32", T0)),
        api.seenAddresses());
    assertEquals(
        List.of("10.0.0.5/32", "93.184.215.14/32", "93.184.215.15/32"),
        peers(second.networkPolicy(), 0));
  }

  /** The resource as the next run reads it: same spec, with the status {@code plan} wrote. */
  private static FqdnNetworkPolicy reRead(FqdnNetworkPolicy resource, ResourcePlan plan)
      throws Exception {
    JsonObject json = Fixtures.yaml(DIR + "plan-input.yaml");
    JsonObject spec = json.getAsJsonObject("spec");
    spec.addProperty("seenAddressRetentionSeconds", resource.spec().seenAddressRetentionSeconds());
    spec.addProperty("maxAddressesPerFQDN", resource.spec().maxAddressesPerFQDN());
    json.add("status", FqdnNetworkPolicyCodec.statusToJson(plan.appliedStatus()));
    return FqdnNetworkPolicyCodec.fromJson(json);
  }

  private static JsonObject flakyStatus(JsonObject json) {
    return json.getAsJsonObject("status").getAsJsonArray("fqdns").get(0).getAsJsonObject();
  }
}
