package io.fqdnjob.model;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import io.kubernetes.client.util.PatchUtils;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Installs the CRD into the test bed's real API server and checks what the server itself accepts
 * and rejects: the schema, its defaults and its CEL rules, with no webhook involved.
 */
@ExtendWith(TestBedExtension.class)
class CrdValidationIT {
  private static final String GROUP = "fqdn.konsole.is";
  private static final String VERSION = "v1alpha1";
  private static final String PLURAL = "fqdnnetworkpolicies";
  private static final String CRD_NAME = PLURAL + "." + GROUP;
  private static final String FIELD_MANAGER = "fqdn-job";
  private static final Gson GSON = JSON.getGson();

  private static TestBed bed;
  private static CustomObjectsApi api;

  @BeforeAll
  static void installCrd(TestBed testBed) throws Exception {
    bed = testBed;
    api = new CustomObjectsApi(bed.client());
    assertEquals(CRD_NAME, TestBed.CRD_NAME);
    bed.installCrd();
    awaitRulesInEffect(GROUP);
  }

  // ---------------------------------------------------------------------------------------------
  // Rejected resources

  /** A spec the server must refuse, the field its error must name and a piece of its message. */
  record Rejection(String what, String spec, String field, String message) {
    @Override
    public String toString() {
      return what;
    }
  }

  private static final String RULE = "{toFQDNS: [api.example.com], ports: [{port: 443}]}";

  static Stream<Rejection> rejections() {
    return Stream.of(
        new Rejection("no egress", "{podSelector: {}}", "spec.egress", "Required value"),
        new Rejection(
            "empty egress list", "{podSelector: {}, egress: []}", "spec.egress", "at least 1"),
        new Rejection(
            "rule without names",
            "{podSelector: {}, egress: [{ports: [{port: 443}]}]}",
            "spec.egress[0].toFQDNS",
            "Required value"),
        new Rejection(
            "empty toFQDNS",
            "{podSelector: {}, egress: [{toFQDNS: []}]}",
            "spec.egress[0].toFQDNS",
            "at least 1"),
        new Rejection(
            "21 names",
            "{podSelector: {}, egress: [{toFQDNS: " + names(21) + "}]}",
            "spec.egress[0].toFQDNS",
            "at most 20"),
        new Rejection("no podSelector", "{egress: [" + RULE + "]}", "spec.podSelector", "Required"),
        new Rejection(
            "resolveTimeoutSeconds equal to ttlSeconds",
            "{podSelector: {}, egress: [" + RULE + "], ttlSeconds: 10, resolveTimeoutSeconds: 10}",
            "spec.resolveTimeoutSeconds",
            "ttlSeconds"),
        new Rejection(
            "resolveTimeoutSeconds above ttlSeconds",
            "{podSelector: {}, egress: [" + RULE + "], ttlSeconds: 5, resolveTimeoutSeconds: 30}",
            "spec.resolveTimeoutSeconds",
            "ttlSeconds"),
        new Rejection(
            "resolveTimeoutSeconds reaching the default ttlSeconds",
            "{podSelector: {}, egress: [" + RULE + "], resolveTimeoutSeconds: 60}",
            "spec.resolveTimeoutSeconds",
            "ttlSeconds"),
        new Rejection(
            "ttlSeconds below 5",
            "{podSelector: {}, egress: [" + RULE + "], ttlSeconds: 3}",
            "spec.ttlSeconds",
            "greater than or equal to 5"),
        new Rejection(
            "ttlSeconds above 1800",
            "{podSelector: {}, egress: [" + RULE + "], ttlSeconds: 1801}",
            "spec.ttlSeconds",
            "less than or equal to 1800"),
        new Rejection(
            "resolveTimeoutSeconds 0",
            "{podSelector: {}, egress: [" + RULE + "], resolveTimeoutSeconds: 0}",
            "spec.resolveTimeoutSeconds",
            "greater than or equal to 1"),
        new Rejection(
            "resolveTimeoutSeconds 61",
            "{podSelector: {}, egress: [" + RULE + "], ttlSeconds: 600, resolveTimeoutSeconds: 61}",
            "spec.resolveTimeoutSeconds",
            "less than or equal to 60"),
        new Rejection(
            "retryTimeoutSeconds 86401",
            "{podSelector: {}, egress: [" + RULE + "], retryTimeoutSeconds: 86401}",
            "spec.retryTimeoutSeconds",
            "less than or equal to 86400"),
        new Rejection(
            "negative retryTimeoutSeconds",
            "{podSelector: {}, egress: [" + RULE + "], retryTimeoutSeconds: -1}",
            "spec.retryTimeoutSeconds",
            "greater than or equal to 0"),
        new Rejection(
            "unknown enabledNetworkType",
            "{podSelector: {}, egress: [" + RULE + "], enabledNetworkType: ipv5}",
            "spec.enabledNetworkType",
            "Unsupported value"),
        new Rejection(
            "enabledNetworkType in capitals",
            "{podSelector: {}, egress: [" + RULE + "], enabledNetworkType: IPv6}",
            "spec.enabledNetworkType",
            "Unsupported value"),
        new Rejection(
            "seenAddressRetentionSeconds above a day",
            "{podSelector: {}, egress: [" + RULE + "], seenAddressRetentionSeconds: 86401}",
            "spec.seenAddressRetentionSeconds",
            "less than or equal to 86400"),
        new Rejection(
            "maxAddressesPerFQDN 0",
            "{podSelector: {}, egress: [" + RULE + "], maxAddressesPerFQDN: 0}",
            "spec.maxAddressesPerFQDN",
            "greater than or equal to 1"),
        new Rejection(
            "maxAddressesPerFQDN 1001",
            "{podSelector: {}, egress: [" + RULE + "], maxAddressesPerFQDN: 1001}",
            "spec.maxAddressesPerFQDN",
            "less than or equal to 1000"),
        new Rejection(
            "port 0",
            "{podSelector: {}, egress: [{toFQDNS: [a.example.com], ports: [{port: 0}]}]}",
            "spec.egress[0].ports[0].port",
            "between 1 and 65535"),
        new Rejection(
            "port 65536",
            "{podSelector: {}, egress: [{toFQDNS: [a.example.com], ports: [{port: 65536}]}]}",
            "spec.egress[0].ports[0].port",
            "between 1 and 65535"),
        new Rejection(
            "named port in capitals",
            "{podSelector: {}, egress: [{toFQDNS: [a.example.com], ports: [{port: HTTPS}]}]}",
            "spec.egress[0].ports[0].port",
            "port name"),
        new Rejection(
            "port number written as a string",
            "{podSelector: {}, egress: [{toFQDNS: [a.example.com], ports: [{port: '443'}]}]}",
            "spec.egress[0].ports[0].port",
            "port name"),
        new Rejection(
            "endPort without port",
            "{podSelector: {}, egress: [{toFQDNS: [a.example.com], ports: [{endPort: 80}]}]}",
            "spec.egress[0].ports[0].endPort",
            "numeric port"),
        new Rejection(
            "endPort with a named port",
            "{podSelector: {}, egress: [{toFQDNS: [a.example.com],"
                + " ports: [{port: https, endPort: 8443}]}]}",
            "spec.egress[0].ports[0].endPort",
            "numeric port"),
        new Rejection(
            "endPort below port",
            "{podSelector: {}, egress: [{toFQDNS: [a.example.com],"
                + " ports: [{port: 8443, endPort: 8000}]}]}",
            "spec.egress[0].ports[0].endPort",
            "not be less"),
        new Rejection(
            "protocol in lower case",
            "{podSelector: {}, egress: [{toFQDNS: [a.example.com],"
                + " ports: [{protocol: tcp, port: 443}]}]}",
            "spec.egress[0].ports[0].protocol",
            "Unsupported value"),
        new Rejection(
            "In without values",
            "{podSelector: {matchExpressions: [{key: app, operator: In}]}, egress: [" + RULE + "]}",
            "spec.podSelector.matchExpressions[0].values",
            "at least one value"),
        new Rejection(
            "Exists with values",
            "{podSelector: {matchExpressions: [{key: app, operator: Exists, values: [x]}]},"
                + " egress: ["
                + RULE
                + "]}",
            "spec.podSelector.matchExpressions[0].values",
            "must be empty"),
        new Rejection(
            "unknown selector operator",
            "{podSelector: {matchExpressions: [{key: app, operator: Equals, values: [x]}]},"
                + " egress: ["
                + RULE
                + "]}",
            "spec.podSelector.matchExpressions[0].operator",
            "Unsupported value"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejections")
  void serverRejects(Rejection c) throws Exception {
    assertRejected(resource(uniqueName(), spec(c.spec())), c.field(), c.message());
  }

  static Stream<FqdnNameCases.Case> badNames() {
    return FqdnNameCases.all().stream().filter(c -> !c.serverAccepts());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badNames")
  void serverRejectsName(FqdnNameCases.Case c) throws Exception {
    Map<String, Object> spec = spec("{podSelector: {}, egress: [{toFQDNS: [placeholder.test]}]}");
    firstRule(spec).put("toFQDNS", List.of("ok.example.com", c.name()));
    assertRejected(resource(uniqueName(), spec), "spec.egress[0].toFQDNS[1]", "");
  }

  // ---------------------------------------------------------------------------------------------
  // Accepted resources

  @Test
  void minimalResourceIsStoredWithDefaults() throws Exception {
    String name = uniqueName();
    create(
        resource(
            name,
            spec(
                "{podSelector: {}, egress: [{toFQDNS: [api.example.com]},"
                    + " {toFQDNS: [api.example.org], ports: [{port: 443}]}]}")));

    JsonObject spec = read(name).getAsJsonObject("spec");
    JsonObject firstRule = spec.getAsJsonArray("egress").get(0).getAsJsonObject();
    JsonObject secondRule = spec.getAsJsonArray("egress").get(1).getAsJsonObject();
    assertAll(
        () -> assertEquals("ipv4", spec.get("enabledNetworkType").getAsString()),
        () -> assertEquals(60, spec.get("ttlSeconds").getAsInt()),
        () -> assertEquals(3, spec.get("resolveTimeoutSeconds").getAsInt()),
        () -> assertEquals(3600, spec.get("retryTimeoutSeconds").getAsInt()),
        () -> assertFalse(spec.get("blockPrivateIPs").getAsBoolean()),
        () ->
            assertEquals(
                "TCP",
                secondRule
                    .getAsJsonArray("ports")
                    .get(0)
                    .getAsJsonObject()
                    .get("protocol")
                    .getAsString()),
        // Absent stays absent: per-rule override, ports and the reserved fields.
        () -> assertFalse(firstRule.has("blockPrivateIPs"), "rule blockPrivateIPs"),
        () -> assertFalse(firstRule.has("ports"), "ports"),
        () -> assertFalse(spec.has("seenAddressRetentionSeconds")),
        () -> assertFalse(spec.has("maxAddressesPerFQDN")),
        () -> assertFalse(spec.has("followRecordTTL")));
  }

  static Stream<String> acceptedSpecs() {
    return Stream.of(
        "{podSelector: {}, egress: [" + RULE + "], ttlSeconds: 5, resolveTimeoutSeconds: 4}",
        "{podSelector: {}, egress: [" + RULE + "], ttlSeconds: 5}",
        "{podSelector: {}, egress: [" + RULE + "], resolveTimeoutSeconds: 59}",
        "{podSelector: {}, egress: [" + RULE + "], ttlSeconds: 1800, resolveTimeoutSeconds: 60}",
        "{podSelector: {}, egress: [" + RULE + "], retryTimeoutSeconds: 0}",
        "{podSelector: {}, egress: [" + RULE + "], retryTimeoutSeconds: 86400}",
        "{podSelector: {}, egress: [" + RULE + "], enabledNetworkType: ipv6}",
        "{podSelector: {}, egress: [" + RULE + "], enabledNetworkType: all}",
        "{podSelector: {}, egress: [{toFQDNS: " + names(20) + "}]}",
        "{podSelector: {}, egress: ["
            + RULE
            + "], seenAddressRetentionSeconds: 86400,"
            + " maxAddressesPerFQDN: 1000, followRecordTTL: true}",
        "{podSelector: {}, egress: ["
            + RULE
            + "], seenAddressRetentionSeconds: 0,"
            + " maxAddressesPerFQDN: 1}",
        "{podSelector: {}, egress: [{toFQDNS: [a.example.com], ports: [{port: 1},"
            + " {port: 65535, protocol: UDP}, {port: dns-tcp}, {port: 8000, endPort: 8000},"
            + " {port: 30000, endPort: 32767, protocol: SCTP}, {protocol: UDP}]}]}",
        "{podSelector: {}, egress: [{toFQDNS: [a.example.com], ports: []}]}",
        "{podSelector: {matchLabels: {app: web}, matchExpressions: [{key: tier, operator: NotIn,"
            + " values: [db]}, {key: canary, operator: DoesNotExist}]}, egress: ["
            + RULE
            + "]}",
        "{podSelector: {}, blockPrivateIPs: true, egress: [{toFQDNS: [db.example.org],"
            + " blockPrivateIPs: false}, {toFQDNS: [api.example.com], blockPrivateIPs: true}]}");
  }

  @ParameterizedTest
  @MethodSource("acceptedSpecs")
  void serverAccepts(String spec) throws Exception {
    createDryRun(resource(uniqueName(), spec(spec)));
  }

  static Stream<FqdnNameCases.Case> goodNames() {
    return FqdnNameCases.all().stream().filter(FqdnNameCases.Case::serverAccepts);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goodNames")
  void serverAcceptsName(FqdnNameCases.Case c) throws Exception {
    Map<String, Object> spec = spec("{podSelector: {}, egress: [{toFQDNS: [placeholder.test]}]}");
    firstRule(spec).put("toFQDNS", List.of(c.name()));
    String name = uniqueName();
    create(resource(name, spec));
    assertEquals(
        c.name(),
        read(name)
            .getAsJsonObject("spec")
            .getAsJsonArray("egress")
            .get(0)
            .getAsJsonObject()
            .getAsJsonArray("toFQDNS")
            .get(0)
            .getAsString());
  }

  static List<Path> examples() {
    return CrdManifest.exampleFiles();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void exampleIsAccepted(Path example) throws Exception {
    Map<String, Object> doc = CrdManifest.loadYaml(example);
    createDryRun(doc);
  }

  // ---------------------------------------------------------------------------------------------
  // Status

  @Test
  void statusWithTheReferenceKeyRoundTripsThroughTheStatusSubresource() throws Exception {
    String name = uniqueName();
    create(resource(name, spec("{podSelector: {}, egress: [{toFQDNS: [api.example.com]}]}")));

    Map<String, Object> status =
        yaml(
            """
            conditions:
              - type: Ready
                status: "True"
                reason: Ready
                message: 2 addresses applied
                lastTransitionTime: "2025-03-01T10:00:00Z"
                observedGeneration: 1
              - type: Resolve
                status: "False"
                reason: TIMEOUT
                message: "api.example.com: no answer within 3s"
                lastTransitionTime: "2025-03-01T10:05:00Z"
                observedGeneration: 1
            fqdns:
              - fqdn: api.example.com
                LastSuccessfulTime: "2025-03-01T09:59:00Z"
                lastTransitionTime: "2025-03-01T10:05:00Z"
                resolveReason: TIMEOUT
                resolveMessage: no answer within 3s
                addresses: [192.0.2.10, "2001:db8::10"]
            appliedAddressCount: 2
            totalAddressesCount: 2
            latestLookupTime: "2025-03-01T10:05:00Z"
            observedGeneration: 1
            """);
    applyStatus(name, status);

    JsonObject stored = read(name);
    assertEquals(GSON.toJsonTree(status), stored.get("status"));
    assertEquals(
        "2025-03-01T09:59:00Z",
        stored
            .getAsJsonObject("status")
            .getAsJsonArray("fqdns")
            .get(0)
            .getAsJsonObject()
            .get("LastSuccessfulTime")
            .getAsString());
    // A status write is not a spec change: the generation the job compares against stays put.
    assertEquals(1, stored.getAsJsonObject("metadata").get("generation").getAsLong());

    String table = bed.kubectl("get", "fqdn", name, "-n", bed.namespace());
    assertAll(
        () -> assertTrue(table.contains("READY"), table),
        () -> assertTrue(table.contains("RESOLVED IPS"), table),
        () -> assertTrue(table.contains("APPLIED IPS"), table),
        () -> assertTrue(table.contains("LAST LOOKUP"), table),
        () ->
            assertTrue(
                table.matches("(?s).*" + name + "\\s+True\\s+False\\s+2\\s+2\\s+.*"), table));
  }

  @Test
  void conditionTypesAreUnique() throws Exception {
    String name = uniqueName();
    create(resource(name, spec("{podSelector: {}, egress: [{toFQDNS: [api.example.com]}]}")));
    String condition =
        "{\"type\":\"Ready\",\"status\":\"%s\",\"reason\":\"Ready\",\"message\":\"\","
            + "\"lastTransitionTime\":\"2025-03-01T10:00:00Z\"}";
    String twice =
        "{\"status\":{\"conditions\":["
            + condition.formatted("True")
            + ","
            + condition.formatted("False")
            + "]}}";

    ApiException update = assertThrows(ApiException.class, () -> patchStatus(name, twice));
    assertEquals(422, update.getCode(), update.getResponseBody());
    assertTrue(update.getResponseBody().contains("Duplicate value"), update.getResponseBody());
    assertTrue(update.getResponseBody().contains("status.conditions[1]"), update.getResponseBody());

    // Server-side apply refuses the same body before validation even runs.
    Map<String, Object> status = yaml(twice.substring("{\"status\":".length(), twice.length() - 1));
    ApiException apply = assertThrows(ApiException.class, () -> applyStatus(name, status));
    assertTrue(apply.getResponseBody().contains(".status.conditions"), apply.getResponseBody());
  }

  // ---------------------------------------------------------------------------------------------
  // Moving over from the looser schema of fqdn-controller

  /**
   * Resources stored under fqdn-controller's schema may break rules that schema never enforced.
   * fqdn-job must still be able to write their status, and users must still be able to label them,
   * while a spec edit has to fix them. Runs on a copy of the CRD under a test-only group so the
   * real CRD is never loosened.
   */
  @Test
  void resourcesStoredUnderALooserSchemaStillTakeStatusWrites() throws Exception {
    String group = "compat.fqdn-job.test";
    String crdName = PLURAL + "." + group;
    Path dir = Files.createTempDirectory("fqdn-crd-compat");
    try {
      Map<String, Object> strict = CrdManifest.load().root();
      install(write(dir.resolve("loose.yaml"), loosen(regroup(strict, group))), crdName);

      String noEgress = uniqueName();
      String badTimeouts = uniqueName();
      String longName =
          String.join(
              ".",
              List.of(
                  FqdnNameCases.LABEL_63,
                  FqdnNameCases.LABEL_63,
                  FqdnNameCases.LABEL_63,
                  FqdnNameCases.LABEL_63,
                  "example",
                  "com"));
      create(
          group,
          resource(
              group,
              noEgress,
              spec(
                  "{podSelector: {}, ttlSeconds: 5, resolveTimeoutSeconds: 10,"
                      + " retryTimeoutSeconds: -5}")));
      Map<String, Object> longSpec =
          spec(
              "{podSelector: {}, ttlSeconds: 5, resolveTimeoutSeconds: 10, egress: [{toFQDNS: [x.test]}]}");
      firstRule(longSpec).put("toFQDNS", List.of(longName));
      create(group, resource(group, badTimeouts, longSpec));

      install(write(dir.resolve("strict.yaml"), regroup(strict, group)), crdName);
      awaitRulesInEffect(group);

      for (String name : List.of(noEgress, badTimeouts)) {
        JsonObject before = read(group, name);
        Map<String, Object> status =
            yaml(
                """
                fqdns:
                  - fqdn: api.example.com
                    LastSuccessfulTime: "2025-03-01T09:59:00Z"
                latestLookupTime: "2025-03-01T10:05:00Z"
                """);
        applyStatus(group, name, status);
        assertEquals(GSON.toJsonTree(status), read(group, name).get("status"), name);

        patch(group, name, "{\"metadata\":{\"labels\":{\"migrated\":\"yes\"}}}");
        assertEquals(before.get("spec"), read(group, name).get("spec"), name);

        ApiException e =
            assertThrows(
                ApiException.class,
                () -> patch(group, name, "{\"spec\":{\"blockPrivateIPs\":true}}"),
                name + ": a spec edit must fix the resource first");
        assertEquals(422, e.getCode(), e.getResponseBody());
      }
    } finally {
      bed.kubectl("delete", "crd", crdName, "--ignore-not-found", "--wait=false");
      deleteRecursively(dir);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static void install(Path crdFile, String crdName) {
    bed.kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=fqdn-job-tests",
        "-f",
        crdFile.toAbsolutePath().toString());
    bed.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/" + crdName);
  }

  /**
   * Waits until the API server validates with the schema just applied: an update of a CRD takes
   * effect shortly after the request returns.
   */
  private static void awaitRulesInEffect(String group) throws Exception {
    Map<String, Object> probe =
        resource(
            group,
            "probe",
            spec(
                "{podSelector: {}, egress: ["
                    + RULE
                    + "], ttlSeconds: 5, resolveTimeoutSeconds: 5}"));
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (true) {
      try {
        api.createNamespacedCustomObject(group, VERSION, bed.namespace(), PLURAL, probe)
            .dryRun("All")
            .execute();
      } catch (ApiException e) {
        if (e.getCode() == 422) {
          return;
        }
        if (e.getCode() != 404) {
          throw e;
        }
      }
      if (Instant.now().isAfter(deadline)) {
        fail("the CEL rules of " + group + " did not take effect within 60 s");
      }
      Thread.sleep(250);
    }
  }

  private static void assertRejected(Map<String, Object> resource, String field, String message) {
    ApiException e = assertThrows(ApiException.class, () -> createDryRun(resource));
    assertEquals(422, e.getCode(), e.getResponseBody());
    JsonObject status = JsonParser.parseString(e.getResponseBody()).getAsJsonObject();
    String summary = status.get("message").getAsString();
    assertTrue(summary.contains(field), "the error names " + field + ": " + summary);
    List<String> causes = new ArrayList<>();
    boolean found = false;
    for (JsonElement cause : status.getAsJsonObject("details").getAsJsonArray("causes")) {
      JsonObject c = cause.getAsJsonObject();
      String f = c.has("field") ? c.get("field").getAsString() : "";
      String m = c.has("message") ? c.get("message").getAsString() : "";
      causes.add(f + ": " + m);
      found |= f.equals(field) && m.contains(message);
    }
    assertTrue(found, "expected a cause on " + field + " saying '" + message + "', got " + causes);
  }

  private static void create(Map<String, Object> resource) throws ApiException {
    create(GROUP, resource);
  }

  private static void create(String group, Map<String, Object> resource) throws ApiException {
    api.createNamespacedCustomObject(group, VERSION, bed.namespace(), PLURAL, resource).execute();
  }

  private static void createDryRun(Map<String, Object> resource) throws ApiException {
    api.createNamespacedCustomObject(GROUP, VERSION, bed.namespace(), PLURAL, resource)
        .dryRun("All")
        .execute();
  }

  private static JsonObject read(String name) throws ApiException {
    return read(GROUP, name);
  }

  private static JsonObject read(String group, String name) throws ApiException {
    Object object =
        api.getNamespacedCustomObject(group, VERSION, bed.namespace(), PLURAL, name).execute();
    return GSON.toJsonTree(object).getAsJsonObject();
  }

  private static void applyStatus(String name, Map<String, Object> status) throws ApiException {
    applyStatus(GROUP, name, status);
  }

  /** Server-side applies {@code status} through the status subresource, as the job does. */
  private static void applyStatus(String group, String name, Map<String, Object> status)
      throws ApiException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("apiVersion", group + "/" + VERSION);
    body.put("kind", "NetworkPolicy");
    body.put("metadata", Map.of("name", name, "namespace", bed.namespace()));
    body.put("status", status);
    V1Patch patch = new V1Patch(GSON.toJson(body));
    PatchUtils.patch(
        Object.class,
        () ->
            api.patchNamespacedCustomObjectStatus(
                    group, VERSION, bed.namespace(), PLURAL, name, patch)
                .fieldManager(FIELD_MANAGER)
                .force(true)
                .buildCall(null),
        V1Patch.PATCH_FORMAT_APPLY_YAML,
        bed.client());
  }

  private static void patchStatus(String name, String mergePatch) throws ApiException {
    PatchUtils.patch(
        Object.class,
        () ->
            api.patchNamespacedCustomObjectStatus(
                    GROUP, VERSION, bed.namespace(), PLURAL, name, new V1Patch(mergePatch))
                .buildCall(null),
        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
        bed.client());
  }

  private static void patch(String group, String name, String mergePatch) throws ApiException {
    PatchUtils.patch(
        Object.class,
        () ->
            api.patchNamespacedCustomObject(
                    group, VERSION, bed.namespace(), PLURAL, name, new V1Patch(mergePatch))
                .buildCall(null),
        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
        bed.client());
  }

  private static Map<String, Object> resource(String name, Map<String, Object> spec) {
    return resource(GROUP, name, spec);
  }

  private static Map<String, Object> resource(String group, String name, Map<String, Object> spec) {
    Map<String, Object> resource = new LinkedHashMap<>();
    resource.put("apiVersion", group + "/" + VERSION);
    resource.put("kind", "NetworkPolicy");
    resource.put("metadata", Map.of("name", name));
    resource.put("spec", spec);
    return resource;
  }

  private static Map<String, Object> spec(String yaml) {
    return yaml(yaml);
  }

  private static Map<String, Object> yaml(String text) {
    return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> firstRule(Map<String, Object> spec) {
    return ((List<Map<String, Object>>) spec.get("egress")).get(0);
  }

  /** Returns a YAML flow list of {@code count} distinct valid names. */
  private static String names(int count) {
    return IntStream.rangeClosed(1, count)
        .mapToObj(i -> "host" + i + ".example.com")
        .toList()
        .toString();
  }

  private static String uniqueName() {
    return "np-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Returns a deep copy of the CRD served under {@code group} instead of its own. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> regroup(Map<String, Object> crd, String group) {
    Map<String, Object> copy = (Map<String, Object>) deepCopy(crd);
    Map<String, Object> metadata = CrdManifest.map(copy, "metadata");
    Map<String, Object> spec = CrdManifest.map(copy, "spec");
    metadata.put("name", CrdManifest.map(spec, "names").get("plural") + "." + group);
    spec.put("group", group);
    return copy;
  }

  /**
   * Drops the rules fqdn-controller's schema did not have: CEL rules, the required and non-empty
   * egress list, the lower bound of retryTimeoutSeconds and the length limit of names.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> loosen(Map<String, Object> crd) {
    Map<String, Object> copy = (Map<String, Object>) deepCopy(crd);
    stripCel(copy);
    Map<String, Object> version =
        ((List<Map<String, Object>>) CrdManifest.map(copy, "spec").get("versions")).get(0);
    Map<String, Object> spec =
        CrdManifest.map(
            CrdManifest.map(
                CrdManifest.map(CrdManifest.map(version, "schema"), "openAPIV3Schema"),
                "properties"),
            "spec");
    ((List<String>) spec.get("required")).remove("egress");
    Map<String, Object> properties = CrdManifest.map(spec, "properties");
    CrdManifest.map(properties, "egress").remove("minItems");
    CrdManifest.map(properties, "retryTimeoutSeconds").remove("minimum");
    Map<String, Object> toFqdns =
        CrdManifest.map(
            CrdManifest.map(
                CrdManifest.map(CrdManifest.map(properties, "egress"), "items"), "properties"),
            "toFQDNS");
    CrdManifest.map(toFqdns, "items").remove("maxLength");
    return copy;
  }

  private static void stripCel(Object node) {
    if (node instanceof Map<?, ?> map) {
      map.remove("x-kubernetes-validations");
      map.values().forEach(CrdValidationIT::stripCel);
    } else if (node instanceof List<?> list) {
      list.forEach(CrdValidationIT::stripCel);
    }
  }

  private static Object deepCopy(Object node) {
    if (node instanceof Map<?, ?> map) {
      Map<Object, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(k, deepCopy(v)));
      return copy;
    }
    if (node instanceof List<?> list) {
      List<Object> copy = new ArrayList<>();
      list.forEach(v -> copy.add(deepCopy(v)));
      return copy;
    }
    return node;
  }

  private static Path write(Path file, Map<String, Object> document) throws IOException {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    Files.writeString(file, new Yaml(options).dump(document), StandardCharsets.UTF_8);
    return file;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
