package io.fqdnjob.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FqdnNetworkPolicyCodecTest {
  private static final String DIR = "io/fqdnjob/model/";

  private static FqdnNetworkPolicy read(String fixture) throws InvalidResourceException {
    return FqdnNetworkPolicyCodec.fromJson(Fixtures.yaml(DIR + fixture));
  }

  @Test
  void minimalResourceGetsTheSchemaDefaults() throws Exception {
    FqdnNetworkPolicy policy = read("minimal-policy.yaml");

    FqdnNetworkPolicySpec spec = policy.spec();
    assertEquals(NetworkType.IPV4, spec.enabledNetworkType());
    assertEquals(60, spec.ttlSeconds());
    assertEquals(3, spec.resolveTimeoutSeconds());
    assertEquals(3600, spec.retryTimeoutSeconds());
    assertFalse(spec.blockPrivateIPs());
    assertNull(spec.egress().get(0).blockPrivateIPs(), "a rule without the flag inherits");
    assertNull(spec.egress().get(0).ports());
    assertEquals(new ResourceId("default", "minimal"), policy.id());
    assertNull(policy.uid());
    assertEquals(0, policy.generation());
    assertEquals(Map.of(), policy.labels());
    assertSame(FqdnNetworkPolicyStatus.EMPTY, policy.status());
  }

  @Test
  void fullResourceIsReadFieldByField() throws Exception {
    FqdnNetworkPolicy policy = read("full-policy.yaml");

    assertEquals(new ResourceId("shop", "api-egress"), policy.id());
    assertEquals("0c4b2f5e-9a57-4f5b-8d0c-3f1c2a9e7b11", policy.uid());
    assertEquals(4, policy.generation());
    assertEquals(Map.of("team", "payments", "app", "checkout"), policy.labels());
    FqdnNetworkPolicySpec spec = policy.spec();
    assertEquals(
        JsonParser.parseString("{\"matchLabels\":{\"app\":\"checkout\"}}"), spec.podSelector());
    assertEquals(NetworkType.ALL, spec.enabledNetworkType());
    assertEquals(120, spec.ttlSeconds());
    assertEquals(5, spec.resolveTimeoutSeconds());
    assertEquals(600, spec.retryTimeoutSeconds());
    assertTrue(spec.blockPrivateIPs());
    assertEquals(2, spec.egress().size());
    assertEquals(List.of("api.example.com", "cdn.example.net."), spec.egress().get(0).toFqdns());
    assertEquals(List.of("intranet.example.com"), spec.egress().get(1).toFqdns());
  }

  @Test
  void portsAreKeptVerbatimIncludingNamedPortsAndEndPort() throws Exception {
    JsonArray ports = read("full-policy.yaml").spec().egress().get(0).ports();

    assertEquals(
        JsonParser.parseString(
            "[{\"port\":443,\"protocol\":\"TCP\"},{\"port\":\"https-alt\"},"
                + "{\"port\":8000,\"endPort\":8100,\"protocol\":\"UDP\"}]"),
        ports);
  }

  @Test
  void ruleBlockPrivateIpsOverridesTheGlobalSettingOnlyWhereSet() throws Exception {
    FqdnNetworkPolicySpec spec = read("full-policy.yaml").spec();

    assertTrue(spec.egress().get(0).blocksPrivate(spec.blockPrivateIPs()));
    assertFalse(spec.egress().get(1).blocksPrivate(spec.blockPrivateIPs()));
  }

  @Test
  void boundaryValuesOfTheSchemaAreAccepted() throws Exception {
    JsonObject json = Fixtures.yaml(DIR + "minimal-policy.yaml");
    JsonObject spec = json.getAsJsonObject("spec");
    spec.addProperty("ttlSeconds", 5);
    spec.addProperty("resolveTimeoutSeconds", 1);
    spec.addProperty("retryTimeoutSeconds", 0);
    JsonArray names = new JsonArray();
    for (int i = 0; i < 20; i++) {
      names.add("n" + i + ".example.com");
    }
    spec.getAsJsonArray("egress").get(0).getAsJsonObject().add("toFQDNS", names);

    FqdnNetworkPolicySpec read = FqdnNetworkPolicyCodec.fromJson(json).spec();

    assertEquals(5, read.ttlSeconds());
    assertEquals(1, read.resolveTimeoutSeconds());
    assertEquals(0, read.retryTimeoutSeconds());
    assertEquals(20, read.egress().get(0).toFqdns().size());

    spec.addProperty("ttlSeconds", 1800);
    spec.addProperty("resolveTimeoutSeconds", 60);
    spec.addProperty("retryTimeoutSeconds", 86400);
    read = FqdnNetworkPolicyCodec.fromJson(json).spec();
    assertEquals(1800, read.ttlSeconds());
    assertEquals(60, read.resolveTimeoutSeconds());
    assertEquals(86400, read.retryTimeoutSeconds());
  }

  @Test
  void apiVersionAndKindMayBeLeftOutOfAFile() throws Exception {
    JsonObject json = Fixtures.yaml(DIR + "minimal-policy.yaml");
    json.remove("apiVersion");
    json.remove("kind");

    assertEquals("minimal", FqdnNetworkPolicyCodec.fromJson(json).id().name());
  }

  static Stream<Arguments> invalidResources() {
    return Stream.of(
        invalid("apiVersion", j -> j.addProperty("apiVersion", "networking.k8s.io/v1")),
        invalid("kind", j -> j.addProperty("kind", "NetworkPolicyList")),
        invalid("metadata", j -> j.remove("metadata")),
        invalid("metadata.name", j -> metadata(j).remove("name")),
        invalid("metadata.name", j -> metadata(j).addProperty("name", "")),
        invalid("metadata.namespace", j -> metadata(j).addProperty("namespace", 7)),
        invalid("metadata.generation", j -> metadata(j).addProperty("generation", "4")),
        invalid("metadata.generation", j -> metadata(j).addProperty("generation", 4.5)),
        invalid("metadata.labels", j -> metadata(j).addProperty("labels", "team=payments")),
        invalid("metadata.labels.team", j -> labels(j).add("team", new JsonObject())),
        invalid("spec", j -> j.remove("spec")),
        invalid("spec", j -> j.add("spec", new JsonArray())),
        invalid("spec.podSelector", j -> spec(j).remove("podSelector")),
        invalid("spec.egress", j -> spec(j).remove("egress")),
        invalid("spec.egress", j -> spec(j).add("egress", new JsonArray())),
        invalid("spec.egress", j -> spec(j).add("egress", new JsonObject())),
        invalid("spec.egress[1]", j -> egress(j).add("not a rule")),
        invalid("spec.egress[1].toFQDNS", j -> egress(j).add(new JsonObject())),
        invalid("spec.egress[1].toFQDNS", j -> egress(j).add(rule(0))),
        invalid("spec.egress[1].toFQDNS", j -> egress(j).add(rule(21))),
        invalid("spec.egress[0].toFQDNS[1]", j -> rule0(j).getAsJsonArray("toFQDNS").add(5)),
        invalid("spec.egress[0].ports", j -> rule0(j).addProperty("ports", 443)),
        invalid("spec.egress[0].ports[1]", j -> rule0(j).add("ports", ports443And("x"))),
        invalid(
            "spec.egress[0].blockPrivateIPs", j -> rule0(j).addProperty("blockPrivateIPs", "no")),
        invalid("spec.enabledNetworkType", j -> spec(j).addProperty("enabledNetworkType", "dual")),
        invalid("spec.enabledNetworkType", j -> spec(j).addProperty("enabledNetworkType", "IPv4")),
        invalid("spec.ttlSeconds", j -> spec(j).addProperty("ttlSeconds", 4)),
        invalid("spec.ttlSeconds", j -> spec(j).addProperty("ttlSeconds", 1801)),
        invalid("spec.ttlSeconds", j -> spec(j).addProperty("ttlSeconds", 60.5)),
        invalid("spec.ttlSeconds", j -> spec(j).addProperty("ttlSeconds", "60")),
        invalid("spec.resolveTimeoutSeconds", j -> spec(j).addProperty("resolveTimeoutSeconds", 0)),
        invalid(
            "spec.resolveTimeoutSeconds", j -> spec(j).addProperty("resolveTimeoutSeconds", 61)),
        invalid(
            "spec.resolveTimeoutSeconds",
            j -> {
              spec(j).addProperty("ttlSeconds", 10);
              spec(j).addProperty("resolveTimeoutSeconds", 10);
            }),
        invalid("spec.retryTimeoutSeconds", j -> spec(j).addProperty("retryTimeoutSeconds", -1)),
        invalid("spec.retryTimeoutSeconds", j -> spec(j).addProperty("retryTimeoutSeconds", 86401)),
        invalid("spec.blockPrivateIPs", j -> spec(j).addProperty("blockPrivateIPs", "true")),
        invalid(
            "spec.seenAddressRetentionSeconds",
            j -> spec(j).addProperty("seenAddressRetentionSeconds", -1)),
        invalid(
            "spec.seenAddressRetentionSeconds",
            j -> spec(j).addProperty("seenAddressRetentionSeconds", 86401)),
        invalid(
            "spec.seenAddressRetentionSeconds",
            j -> spec(j).addProperty("seenAddressRetentionSeconds", "600")),
        invalid("spec.maxAddressesPerFQDN", j -> spec(j).addProperty("maxAddressesPerFQDN", 0)),
        invalid("spec.maxAddressesPerFQDN", j -> spec(j).addProperty("maxAddressesPerFQDN", 1001)),
        invalid("spec.maxAddressesPerFQDN", j -> spec(j).addProperty("maxAddressesPerFQDN", 2.5)),
        invalid("spec.followRecordTTL", j -> spec(j).addProperty("followRecordTTL", "yes")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidResources")
  void invalidResourceIsRejectedNamingTheField(String field, Consumer<JsonObject> damage) {
    JsonObject json = Fixtures.yaml(DIR + "minimal-policy.yaml");
    damage.accept(json);

    InvalidResourceException e =
        assertThrows(InvalidResourceException.class, () -> FqdnNetworkPolicyCodec.fromJson(json));

    assertEquals(field, e.field());
    assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
  }

  @Test
  void rangeErrorsSayWhatWasFound() {
    JsonObject json = Fixtures.yaml(DIR + "minimal-policy.yaml");
    spec(json).addProperty("ttlSeconds", 4000);

    InvalidResourceException e =
        assertThrows(InvalidResourceException.class, () -> FqdnNetworkPolicyCodec.fromJson(json));

    assertEquals("spec.ttlSeconds: must be between 5 and 1800, got 4000", e.getMessage());
  }

  @Test
  void referenceControllersCapitalisedSuccessTimeIsRead() throws Exception {
    FqdnStatus api = read("full-policy.yaml").status().fqdn("api.example.com").orElseThrow();

    assertEquals(Instant.parse("2026-01-02T03:04:05Z"), api.lastSuccessfulTime());
  }

  @Test
  void lowercaseSuccessTimeWinsOverTheCapitalisedOne() {
    JsonObject status =
        Fixtures.yamlText(
            """
            fqdns:
              - fqdn: a.example.com
                lastSuccessfulTime: "2026-01-02T00:00:00Z"
                LastSuccessfulTime: "2025-01-01T00:00:00Z"
                resolveReason: SUCCESS
            """);

    FqdnStatus a = FqdnNetworkPolicyCodec.readStatus(status).fqdns().get(0);

    assertEquals(Instant.parse("2026-01-02T00:00:00Z"), a.lastSuccessfulTime());
  }

  @Test
  void statusIsReadWithTimestampsInUtc() throws Exception {
    FqdnNetworkPolicyStatus status = read("full-policy.yaml").status();

    assertEquals(3, status.fqdns().size());
    FqdnStatus cdn = status.fqdn("cdn.example.net.").orElseThrow();
    assertEquals(Instant.parse("2026-01-02T01:00:00Z"), cdn.lastSuccessfulTime());
    assertEquals(ResolveReason.TIMEOUT, cdn.resolveReason());
    assertEquals("no answer within 5s", cdn.resolveMessage());
    assertEquals(List.of("151.101.1.57/32"), cdn.addresses());
    FqdnStatus api = status.fqdn("api.example.com").orElseThrow();
    assertEquals(
        List.of("93.184.215.14/32", "2606:2800:21f:cb07:6820:80da:af6b:8b2c/128"), api.addresses());
    assertEquals(Instant.parse("2026-01-01T00:00:00Z"), api.lastTransitionTime());
    assertEquals(3, status.appliedAddressCount());
    assertEquals(3, status.totalAddressesCount());
    assertEquals(Instant.parse("2026-01-02T03:04:05Z"), status.latestLookupTime());
    assertEquals(4L, status.observedGeneration());
    Condition resolve = status.condition(Condition.RESOLVE).orElseThrow();
    assertEquals(
        new Condition(
            "Resolve",
            "False",
            "TIMEOUT",
            "1 of 3 names did not resolve",
            Instant.parse("2026-01-02T03:04:00Z"),
            4L),
        resolve);
  }

  @Test
  void nameThatNeverResolvedHasNoSuccessTime() throws Exception {
    FqdnStatus intranet =
        read("full-policy.yaml").status().fqdn("intranet.example.com").orElseThrow();

    assertNull(intranet.lastSuccessfulTime());
    assertNull(intranet.lastTransitionTime());
    assertEquals(ResolveReason.NXDOMAIN, intranet.resolveReason());
    assertEquals(List.of(), intranet.addresses());
  }

  @Test
  void damagedStatusEntriesAreForgiven() throws Exception {
    FqdnNetworkPolicy policy = read("damaged-status.yaml");
    FqdnNetworkPolicyStatus status = policy.status();

    assertEquals(1, status.conditions().size(), "entries without a type are skipped");
    Condition ready = status.conditions().get(0);
    assertEquals("Ready", ready.type());
    assertNull(ready.lastTransitionTime());
    assertNull(ready.message());

    assertEquals(
        List.of("good.example.com", "bad.example.com"),
        status.fqdns().stream().map(FqdnStatus::fqdn).toList(),
        "entries without a name are skipped");
    FqdnStatus good = status.fqdns().get(0);
    assertEquals(List.of("192.0.2.1/32"), good.addresses());
    assertEquals(Instant.parse("2026-01-02T03:04:05Z"), good.lastSuccessfulTime());
    FqdnStatus bad = status.fqdns().get(1);
    assertNull(bad.lastSuccessfulTime());
    assertEquals(ResolveReason.UNKNOWN, bad.resolveReason());
    assertEquals(List.of(), bad.addresses());

    assertNull(status.appliedAddressCount());
    assertEquals(1, status.totalAddressesCount());
    assertNull(status.latestLookupTime());
    assertNull(status.observedGeneration());
  }

  @Test
  void statusThatIsNotAnObjectCountsAsEmpty() throws Exception {
    JsonObject json = Fixtures.yaml(DIR + "minimal-policy.yaml");
    json.addProperty("status", "garbage");

    assertSame(FqdnNetworkPolicyStatus.EMPTY, FqdnNetworkPolicyCodec.fromJson(json).status());
  }

  @Test
  void statusIsWrittenWithLowercaseSuccessTimeAndWholeSecondUtcTimestamps() {
    FqdnNetworkPolicyStatus status =
        new FqdnNetworkPolicyStatus(
            List.of(
                new Condition(
                    "Ready",
                    "True",
                    "Ready",
                    null,
                    Instant.parse("2026-01-02T03:04:05.987654Z"),
                    7L)),
            List.of(
                new FqdnStatus(
                    "a.example.com",
                    Instant.parse("2026-01-02T03:04:05.5Z"),
                    Instant.parse("2026-01-01T00:00:00Z"),
                    ResolveReason.SUCCESS,
                    null,
                    List.of("192.0.2.1/32", "2001:db8::1/128"))),
            2,
            3,
            Instant.parse("2026-01-02T03:04:05.999Z"),
            7L);

    JsonObject json = FqdnNetworkPolicyCodec.statusToJson(status);

    assertEquals(
        JsonParser.parseString(
            """
            {
              "conditions": [{"type": "Ready", "status": "True", "reason": "Ready",
                "message": "", "lastTransitionTime": "2026-01-02T03:04:05Z",
                "observedGeneration": 7}],
              "fqdns": [{"fqdn": "a.example.com", "lastSuccessfulTime": "2026-01-02T03:04:05Z",
                "lastTransitionTime": "2026-01-01T00:00:00Z", "resolveReason": "SUCCESS",
                "resolveMessage": "", "addresses": ["192.0.2.1/32", "2001:db8::1/128"]}],
              "appliedAddressCount": 2,
              "totalAddressesCount": 3,
              "latestLookupTime": "2026-01-02T03:04:05Z",
              "observedGeneration": 7
            }
            """),
        json);
    assertEquals(
        List.of(
            "conditions",
            "fqdns",
            "appliedAddressCount",
            "totalAddressesCount",
            "latestLookupTime",
            "observedGeneration"),
        new ArrayList<>(json.keySet()),
        "fields in the order of the CRD");
  }

  @Test
  void nameThatNeverResolvedIsWrittenWithoutSuccessTime() {
    FqdnNetworkPolicyStatus status =
        new FqdnNetworkPolicyStatus(
            List.of(),
            List.of(
                new FqdnStatus(
                    "gone.example.com",
                    null,
                    Instant.parse("2026-01-01T00:00:00Z"),
                    ResolveReason.NXDOMAIN,
                    "no such domain",
                    List.of())),
            0,
            0,
            Instant.parse("2026-01-01T00:00:00Z"),
            1L);

    JsonObject fqdn =
        FqdnNetworkPolicyCodec.statusToJson(status)
            .getAsJsonArray("fqdns")
            .get(0)
            .getAsJsonObject();

    assertFalse(fqdn.has("lastSuccessfulTime"));
    assertFalse(fqdn.has("LastSuccessfulTime"));
  }

  @Test
  void migratedStatusIsRewrittenUnderTheDocumentedKey() throws Exception {
    FqdnNetworkPolicyStatus status = read("full-policy.yaml").status();

    JsonObject api =
        FqdnNetworkPolicyCodec.statusToJson(status)
            .getAsJsonArray("fqdns")
            .get(0)
            .getAsJsonObject();

    assertEquals("2026-01-02T03:04:05Z", api.get("lastSuccessfulTime").getAsString());
    assertFalse(api.has("LastSuccessfulTime"));
  }

  @Test
  void writtenStatusReadsBackEqual() throws Exception {
    FqdnNetworkPolicyStatus status = read("full-policy.yaml").status();

    FqdnNetworkPolicyStatus again =
        FqdnNetworkPolicyCodec.readStatus(FqdnNetworkPolicyCodec.statusToJson(status));

    assertEquals(status, again);
  }

  @Test
  void emptyStatusIsWrittenWithOnlyTheLists() {
    JsonObject json = FqdnNetworkPolicyCodec.statusToJson(FqdnNetworkPolicyStatus.EMPTY);

    assertEquals(JsonParser.parseString("{\"conditions\":[],\"fqdns\":[]}"), json);
  }

  // ---- rotating names ----

  @Test
  void rotationFieldsHaveTheirDefaults() throws Exception {
    FqdnNetworkPolicySpec spec = read("minimal-policy.yaml").spec();

    assertEquals(0, spec.seenAddressRetentionSeconds());
    assertEquals(Duration.ZERO, spec.seenAddressRetention());
    assertEquals(100, spec.maxAddressesPerFQDN());
    assertFalse(spec.followRecordTTL());
  }

  @Test
  void rotationFieldsAreReadAtTheirBoundaries() throws Exception {
    JsonObject json = Fixtures.yaml(DIR + "minimal-policy.yaml");
    spec(json).addProperty("seenAddressRetentionSeconds", 86400);
    spec(json).addProperty("maxAddressesPerFQDN", 1);
    spec(json).addProperty("followRecordTTL", true);

    FqdnNetworkPolicySpec read = FqdnNetworkPolicyCodec.fromJson(json).spec();

    assertEquals(86400, read.seenAddressRetentionSeconds());
    assertEquals(Duration.ofDays(1), read.seenAddressRetention());
    assertEquals(1, read.maxAddressesPerFQDN());
    assertTrue(read.followRecordTTL());

    spec(json).addProperty("seenAddressRetentionSeconds", 0);
    spec(json).addProperty("maxAddressesPerFQDN", 1000);
    spec(json).addProperty("followRecordTTL", false);
    read = FqdnNetworkPolicyCodec.fromJson(json).spec();
    assertEquals(0, read.seenAddressRetentionSeconds());
    assertEquals(1000, read.maxAddressesPerFQDN());
    assertFalse(read.followRecordTTL());
  }

  @Test
  void rotationRangeErrorsSayWhatWasFound() {
    JsonObject json = Fixtures.yaml(DIR + "minimal-policy.yaml");
    spec(json).addProperty("maxAddressesPerFQDN", 0);

    InvalidResourceException e =
        assertThrows(InvalidResourceException.class, () -> FqdnNetworkPolicyCodec.fromJson(json));

    assertEquals("spec.maxAddressesPerFQDN: must be between 1 and 1000, got 0", e.getMessage());

    spec(json).addProperty("maxAddressesPerFQDN", 10);
    spec(json).addProperty("seenAddressRetentionSeconds", 90000);
    e = assertThrows(InvalidResourceException.class, () -> FqdnNetworkPolicyCodec.fromJson(json));
    assertEquals(
        "spec.seenAddressRetentionSeconds: must be between 0 and 86400, got 90000", e.getMessage());
  }

  private static final String ROTATING_STATUS =
      """
      fqdns:
        - fqdn: cdn.example.com
          lastSuccessfulTime: "2026-01-02T03:04:05Z"
          lastTransitionTime: "2026-01-01T00:00:00Z"
          resolveReason: SUCCESS
          resolveMessage: answered
          addresses: [192.0.2.1/32, 192.0.2.2/32]
          seenAddresses:
            - address: 192.0.2.1/32
              lastSeenTime: "2026-01-02T03:00:00Z"
            - address: 192.0.2.2/32
              lastSeenTime: "2026-01-02T03:04:05Z"
          recordTTLSeconds: 20
          droppedAddressCount: 7
      """;

  @Test
  void rotationStatusFieldsAreRead() {
    FqdnStatus cdn =
        FqdnNetworkPolicyCodec.readStatus(Fixtures.yamlText(ROTATING_STATUS)).fqdns().get(0);

    assertEquals(
        List.of(
            new SeenAddress("192.0.2.1/32", Instant.parse("2026-01-02T03:00:00Z")),
            new SeenAddress("192.0.2.2/32", Instant.parse("2026-01-02T03:04:05Z"))),
        cdn.seenAddresses());
    assertEquals(20L, cdn.recordTTLSeconds());
    assertEquals(7, cdn.droppedAddressCount());
  }

  @Test
  void statusWithoutRotationFieldsReadsAsNoneOfThem() throws Exception {
    FqdnStatus api = read("full-policy.yaml").status().fqdn("api.example.com").orElseThrow();

    assertEquals(List.of(), api.seenAddresses());
    assertNull(api.recordTTLSeconds());
    assertNull(api.droppedAddressCount());
  }

  @Test
  void damagedSeenAddressesAreSkipped() {
    FqdnStatus cdn =
        FqdnNetworkPolicyCodec.readStatus(
                Fixtures.yamlText(
                    """
                    fqdns:
                      - fqdn: cdn.example.com
                        resolveReason: SUCCESS
                        addresses: [192.0.2.1/32]
                        seenAddresses:
                          - "192.0.2.1/32"
                          - address: 192.0.2.2/32
                          - lastSeenTime: "2026-01-02T03:00:00Z"
                          - address: 192.0.2.3/32
                            lastSeenTime: yesterday
                          - address: 192.0.2.4/32
                            lastSeenTime: "2026-01-02T03:00:00Z"
                        recordTTLSeconds: soon
                    """))
            .fqdns()
            .get(0);

    assertEquals(
        List.of(new SeenAddress("192.0.2.4/32", Instant.parse("2026-01-02T03:00:00Z"))),
        cdn.seenAddresses());
    assertNull(cdn.recordTTLSeconds());
  }

  @Test
  void rotationStatusFieldsAreWrittenAfterTheAddresses() {
    FqdnNetworkPolicyStatus status =
        new FqdnNetworkPolicyStatus(
            List.of(),
            List.of(
                new FqdnStatus(
                    "cdn.example.com",
                    Instant.parse("2026-01-02T03:04:05.5Z"),
                    Instant.parse("2026-01-01T00:00:00Z"),
                    ResolveReason.SUCCESS,
                    "answered",
                    List.of("192.0.2.1/32", "192.0.2.2/32"),
                    List.of(
                        new SeenAddress("192.0.2.1/32", Instant.parse("2026-01-02T03:00:00.25Z")),
                        new SeenAddress("192.0.2.2/32", Instant.parse("2026-01-02T03:04:05.5Z"))),
                    20L,
                    7)),
            2,
            2,
            Instant.parse("2026-01-02T03:04:05Z"),
            1L);

    JsonObject cdn =
        FqdnNetworkPolicyCodec.statusToJson(status)
            .getAsJsonArray("fqdns")
            .get(0)
            .getAsJsonObject();

    assertEquals(
        JsonParser.parseString(
            """
            {"fqdn": "cdn.example.com", "lastSuccessfulTime": "2026-01-02T03:04:05Z",
              "lastTransitionTime": "2026-01-01T00:00:00Z", "resolveReason": "SUCCESS",
              "resolveMessage": "answered", "addresses": ["192.0.2.1/32", "192.0.2.2/32"],
              "seenAddresses": [
                {"address": "192.0.2.1/32", "lastSeenTime": "2026-01-02T03:00:00Z"},
                {"address": "192.0.2.2/32", "lastSeenTime": "2026-01-02T03:04:05Z"}],
              "recordTTLSeconds": 20,
              "droppedAddressCount": 7}
            """),
        cdn);
    assertEquals(
        List.of(
            "fqdn",
            "lastSuccessfulTime",
            "lastTransitionTime",
            "resolveReason",
            "resolveMessage",
            "addresses",
            "seenAddresses",
            "recordTTLSeconds",
            "droppedAddressCount"),
        new ArrayList<>(cdn.keySet()));
  }

  @Test
  void emptyRotationStatusFieldsAreLeftOut() {
    FqdnNetworkPolicyStatus status =
        new FqdnNetworkPolicyStatus(
            List.of(),
            List.of(
                new FqdnStatus(
                    "a.example.com",
                    null,
                    null,
                    ResolveReason.SUCCESS,
                    "",
                    List.of("192.0.2.1/32"),
                    List.of(),
                    null,
                    0)),
            1,
            1,
            null,
            null);

    JsonObject a =
        FqdnNetworkPolicyCodec.statusToJson(status)
            .getAsJsonArray("fqdns")
            .get(0)
            .getAsJsonObject();

    assertFalse(a.has("seenAddresses"));
    assertFalse(a.has("recordTTLSeconds"));
    assertFalse(a.has("droppedAddressCount"));
  }

  @Test
  void rotationStatusReadsBackEqual() {
    FqdnNetworkPolicyStatus status =
        FqdnNetworkPolicyCodec.readStatus(Fixtures.yamlText(ROTATING_STATUS));

    FqdnNetworkPolicyStatus again =
        FqdnNetworkPolicyCodec.readStatus(FqdnNetworkPolicyCodec.statusToJson(status));

    assertEquals(status, again);
  }

  private static Arguments invalid(String field, Consumer<JsonObject> damage) {
    return Arguments.of(field, damage);
  }

  private static JsonObject metadata(JsonObject json) {
    return json.getAsJsonObject("metadata");
  }

  private static JsonObject labels(JsonObject json) {
    JsonObject labels = new JsonObject();
    metadata(json).add("labels", labels);
    return labels;
  }

  private static JsonObject spec(JsonObject json) {
    return json.getAsJsonObject("spec");
  }

  private static JsonArray egress(JsonObject json) {
    return spec(json).getAsJsonArray("egress");
  }

  private static JsonObject rule0(JsonObject json) {
    return egress(json).get(0).getAsJsonObject();
  }

  private static JsonObject rule(int names) {
    JsonObject rule = new JsonObject();
    JsonArray fqdns = new JsonArray();
    for (int i = 0; i < names; i++) {
      fqdns.add("n" + i + ".example.com");
    }
    rule.add("toFQDNS", fqdns);
    return rule;
  }

  private static JsonArray ports443And(String second) {
    JsonArray ports = new JsonArray();
    JsonObject port = new JsonObject();
    port.addProperty("port", 443);
    ports.add(port);
    ports.add(second);
    return ports;
  }
}
