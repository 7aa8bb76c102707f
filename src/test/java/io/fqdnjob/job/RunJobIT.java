package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.JobProcess;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One run of the packaged job against the real API server and DNS server of the test bed: each test
 * creates its own resource, runs {@code fqdn-job run --policy NS/NAME} as a separate process and
 * reads back the NetworkPolicy, the status and the events.
 */
@ExtendWith(TestBedExtension.class)
class RunJobIT {
  private static TestBed bed;
  private static JobProcess job;

  @BeforeAll
  static void setUp(TestBed testBed) {
    bed = testBed;
    bed.installCrd();
    job = new JobProcess(bed);
  }

  @Test
  void firstRunCreatesOwnedPolicyWithSortedPeersAndPortsCopied() {
    String a = bed.zone().uniqueName("web");
    String b = bed.zone().uniqueName("api");
    bed.zone().setA(a, "198.51.100.20", "198.51.100.3");
    bed.zone().setA(b, "198.51.100.3", "203.0.113.7");
    createResource(
        "created",
        """
        podSelector: {matchLabels: {app: web}}
        egress:
        - toFQDNS: [%s, %s]
          ports:
          - {port: 443, protocol: TCP}
          - {port: 8000, endPort: 8080}
          - {port: https}
        """
            .formatted(a, b),
        "team: payments");

    assertRunOk("--policy", id("created"));

    JsonObject policy = networkPolicy("created");
    JsonObject meta = policy.getAsJsonObject("metadata");
    JsonObject labels = meta.getAsJsonObject("labels");
    assertEquals("fqdn-job", labels.get("app.kubernetes.io/managed-by").getAsString());
    assertFalse(labels.has("team"), "the resource's labels are not copied: " + labels);
    assertFalse(meta.has("annotations") && meta.getAsJsonObject("annotations").size() > 0);
    JsonObject owner = meta.getAsJsonArray("ownerReferences").get(0).getAsJsonObject();
    assertEquals(resource("created").getAsJsonObject("metadata").get("uid"), owner.get("uid"));
    assertTrue(owner.get("controller").getAsBoolean());
    JsonObject spec = policy.getAsJsonObject("spec");
    assertEquals(
        "{\"app\":\"web\"}", spec.getAsJsonObject("podSelector").get("matchLabels").toString());
    assertEquals("[\"Egress\"]", spec.get("policyTypes").toString());
    JsonArray egress = spec.getAsJsonArray("egress");
    assertEquals(1, egress.size());
    assertEquals(
        List.of("198.51.100.3/32", "198.51.100.20/32", "203.0.113.7/32"), peers(egress.get(0)));
    JsonArray ports = egress.get(0).getAsJsonObject().getAsJsonArray("ports");
    assertEquals(3, ports.size());
    assertEquals(8080, ports.get(1).getAsJsonObject().get("endPort").getAsInt());
    assertEquals("https", ports.get(2).getAsJsonObject().get("port").getAsString());

    JsonObject status = resource("created").getAsJsonObject("status");
    assertEquals("True", condition(status, "Ready").get("status").getAsString());
    assertEquals("True", condition(status, "Resolve").get("status").getAsString());
    assertEquals(3, status.get("appliedAddressCount").getAsInt());
    assertEquals(3, status.get("totalAddressesCount").getAsInt());
    assertEquals(1, status.get("observedGeneration").getAsLong());
    assertNotNull(fqdn(status, a).get("lastSuccessfulTime"));
    assertTrue(events("created").contains("Created"), "a Created event is recorded");
  }

  @Test
  void notDueResourceGetsNoWriteAndRecordChangeIsPickedUpWhenDue() throws Exception {
    String name = bed.zone().uniqueName("rotating");
    bed.zone().setA(name, "198.51.100.1");
    createResource(
        "ttl",
        "podSelector: {}\nttlSeconds: 15\nresolveTimeoutSeconds: 2\negress:\n- toFQDNS: [%s]\n"
            .formatted(name),
        null);
    InProcessRun run = new InProcessRun(bed, InProcessRun.TestClock.atNow());
    run.policies("ttl");
    String resourceVersion = resourceVersion("fqdn", "ttl");
    String policyVersion = resourceVersion("networkpolicy", "ttl");

    bed.zone().setA(name, "198.51.100.2");
    run.clock.advance(Duration.ofSeconds(14));
    RunSummary early = run.policies("ttl");
    assertEquals(0, early.due(), early.toString());
    assertEquals(0, early.queries(), early.toString());
    assertEquals(resourceVersion, resourceVersion("fqdn", "ttl"), "not due: no status write");
    assertEquals(
        policyVersion, resourceVersion("networkpolicy", "ttl"), "not due: no policy write");

    run.clock.advance(Duration.ofSeconds(1));
    assertEquals(1, run.policies("ttl").due(), "due when the TTL has passed");
    assertEquals(List.of("198.51.100.2/32"), allPeers("ttl"));
    assertTrue(events("ttl").contains("Updated"));
  }

  @Test
  void steadyRunDoesNotRewriteAnUnchangedPolicy() {
    String name = bed.zone().uniqueName("steady");
    bed.zone().setA(name, "198.51.100.9");
    createResource("steady", "podSelector: {}\negress:\n- toFQDNS: [%s]\n".formatted(name), null);
    assertRunOk("--policy", id("steady"));
    String policyVersion = resourceVersion("networkpolicy", "steady");
    JobProcess.Result forced = assertRunOk("--policy", id("steady"), "--force");
    assertTrue(forced.stderr().contains("networkPolicyWrites=0"), forced.toString());
    assertEquals(policyVersion, resourceVersion("networkpolicy", "steady"));
  }

  @Test
  void timeoutRetainsAddressesWithinTheRetryWindowThenClears() {
    String slow = bed.zone().timeoutName();
    createResource(
        "retain",
        "podSelector: {}\nresolveTimeoutSeconds: 1\nretryTimeoutSeconds: 3600\n"
            + "egress:\n- toFQDNS: [%s]\n".formatted(slow),
        null);
    createResource(
        "expire",
        "podSelector: {}\nresolveTimeoutSeconds: 1\nretryTimeoutSeconds: 30\n"
            + "egress:\n- toFQDNS: [%s]\n".formatted(slow),
        null);
    Instant recent = Instant.now().minusSeconds(10).truncatedTo(ChronoUnit.SECONDS);
    Instant old = Instant.now().minusSeconds(600).truncatedTo(ChronoUnit.SECONDS);
    seedStatus("retain", slow, "lastSuccessfulTime", recent, "198.51.100.40/32");
    seedStatus("expire", slow, "lastSuccessfulTime", old, "198.51.100.41/32");

    assertRunOk("--policy", id("retain"), "--policy", id("expire"));

    JsonObject kept = fqdn(resource("retain").getAsJsonObject("status"), slow);
    assertEquals("TIMEOUT", kept.get("resolveReason").getAsString());
    assertEquals("[\"198.51.100.40/32\"]", kept.get("addresses").toString());
    assertEquals(recent.toString(), kept.get("lastSuccessfulTime").getAsString());
    assertEquals(List.of("198.51.100.40/32"), allPeers("retain"));

    JsonObject cleared = fqdn(resource("expire").getAsJsonObject("status"), slow);
    assertEquals("[]", cleared.get("addresses").toString());
    assertTrue(allPeers("expire").isEmpty());
    assertTrue(events("expire").contains("AddressesExpired"));
  }

  @Test
  void referenceStatusWithCapitalisedKeyKeepsItsRetention() {
    String slow = bed.zone().timeoutName();
    createResource(
        "migrated",
        "podSelector: {}\nresolveTimeoutSeconds: 1\negress:\n- toFQDNS: [%s]\n".formatted(slow),
        null);
    seedStatus(
        "migrated",
        slow,
        "LastSuccessfulTime",
        Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS),
        "198.51.100.50/32");
    assertRunOk("--policy", id("migrated"));
    assertEquals(List.of("198.51.100.50/32"), allPeers("migrated"));
    JsonObject entry = fqdn(resource("migrated").getAsJsonObject("status"), slow);
    assertNotNull(entry.get("lastSuccessfulTime"), "written with the documented key");
  }

  @Test
  void nxdomainAndNodataClearAtOnceWhateverTheRetryWindow() {
    String missing = bed.zone().nxdomainName();
    String noAaaa = bed.zone().nodataName();
    createResource(
        "gone",
        "podSelector: {}\nenabledNetworkType: ipv6\negress:\n- toFQDNS: [%s, %s]\n"
            .formatted(missing, noAaaa),
        null);
    Instant recent = Instant.now().minusSeconds(5).truncatedTo(ChronoUnit.SECONDS);
    bed.kubectl(
        "patch",
        "fqdn",
        "gone",
        "-n",
        bed.namespace(),
        "--subresource=status",
        "--type=merge",
        "-p",
        ("{\"status\":{\"latestLookupTime\":\"%2$s\",\"fqdns\":["
                + "{\"fqdn\":\"%1$s\",\"lastSuccessfulTime\":\"%2$s\",\"resolveReason\":\"SUCCESS\","
                + "\"addresses\":[\"2001:db8::1/128\"]},"
                + "{\"fqdn\":\"%3$s\",\"lastSuccessfulTime\":\"%2$s\",\"resolveReason\":\"SUCCESS\","
                + "\"addresses\":[\"2001:db8::2/128\"]}]}}")
            .formatted(missing, recent, noAaaa));
    assertRunOk("--policy", id("gone"));
    JsonObject status = resource("gone").getAsJsonObject("status");
    assertEquals("NXDOMAIN", fqdn(status, missing).get("resolveReason").getAsString());
    assertEquals("[]", fqdn(status, missing).get("addresses").toString());
    assertEquals("NODATA", fqdn(status, noAaaa).get("resolveReason").getAsString());
    assertEquals("[]", fqdn(status, noAaaa).get("addresses").toString());
    assertEquals("NXDOMAIN", condition(status, "Resolve").get("reason").getAsString());
  }

  @Test
  void resourceWhoseNamesAllFailIsDenyAllNeverOpen() {
    createResource(
        "denyall",
        "podSelector: {}\negress:\n- toFQDNS: [%s]\n  ports: [{port: 443}]\n"
            .formatted(bed.zone().nxdomainName()),
        null);
    assertRunOk("--policy", id("denyall"));
    JsonObject spec = networkPolicy("denyall").getAsJsonObject("spec");
    assertEquals("[\"Egress\"]", spec.get("policyTypes").toString());
    JsonElement egress = spec.get("egress");
    assertTrue(egress == null || egress.getAsJsonArray().isEmpty(), "no egress rule: " + spec);
    JsonObject ready = condition(resource("denyall").getAsJsonObject("status"), "Ready");
    assertEquals("True", ready.get("status").getAsString());
    assertEquals("EmptyRules", ready.get("reason").getAsString());

    JobProcess.Result again = assertRunOk("--policy", id("denyall"), "--force");
    assertTrue(again.stderr().contains("networkPolicyWrites=0"), "steady deny-all: " + again);
  }

  @Test
  void cnameChainAndTruncatedAnswerResolve() {
    createResource(
        "chains",
        "podSelector: {}\nmaxAddressesPerFQDN: 1000\negress:\n- toFQDNS: [%s]\n- toFQDNS: [%s]\n"
            .formatted(bed.zone().cnameChainName(), bed.zone().largeAnswerName()),
        null);
    assertRunOk("--policy", id("chains"));
    JsonArray egress = networkPolicy("chains").getAsJsonObject("spec").getAsJsonArray("egress");
    assertEquals(List.of(bed.zone().cnameChainAddress() + "/32"), peers(egress.get(0)));
    assertEquals(
        bed.zone().largeAnswerCount(), peers(egress.get(1)).size(), "all records, over TCP");
  }

  @Test
  void specialAddressesAreFilteredAndPrivateFollowsTheRuleOverride() {
    String mixed = bed.zone().uniqueName("mixed");
    bed.zone().setA(mixed, "10.1.2.3", "169.254.169.254", "127.0.0.1", "203.0.113.5");
    createResource(
        "filters",
        """
        podSelector: {}
        blockPrivateIPs: true
        egress:
        - toFQDNS: [%1$s]
          ports: [{port: 1}]
        - toFQDNS: [%1$s]
          ports: [{port: 2}]
          blockPrivateIPs: false
        """
            .formatted(mixed),
        null);
    createResource(
        "filters-open",
        """
        podSelector: {}
        egress:
        - toFQDNS: [%1$s]
          ports: [{port: 1}]
        - toFQDNS: [%1$s]
          ports: [{port: 2}]
          blockPrivateIPs: true
        """
            .formatted(mixed),
        null);
    assertRunOk("--policy", id("filters"), "--policy", id("filters-open"));

    JsonArray blocked = networkPolicy("filters").getAsJsonObject("spec").getAsJsonArray("egress");
    assertEquals(List.of("203.0.113.5/32"), peers(blocked.get(0)), "global block");
    assertEquals(List.of("10.1.2.3/32", "203.0.113.5/32"), peers(blocked.get(1)), "rule allows");
    JsonArray open = networkPolicy("filters-open").getAsJsonObject("spec").getAsJsonArray("egress");
    assertEquals(List.of("10.1.2.3/32", "203.0.113.5/32"), peers(open.get(0)), "global allows");
    assertEquals(List.of("203.0.113.5/32"), peers(open.get(1)), "rule blocks");

    JsonObject status = resource("filters").getAsJsonObject("status");
    assertEquals(4, status.get("totalAddressesCount").getAsInt());
    assertEquals(2, status.get("appliedAddressCount").getAsInt());
  }

  @Test
  void ipv6AndAllAskTheRightFamilies() {
    createResource(
        "v6",
        "podSelector: {}\nenabledNetworkType: ipv6\negress:\n- toFQDNS: [%s]\n"
            .formatted(bed.zone().dualStackName()),
        null);
    createResource(
        "both",
        "podSelector: {}\nenabledNetworkType: all\negress:\n- toFQDNS: [%s, %s]\n"
            .formatted(bed.zone().dualStackName(), bed.zone().nodataName()),
        null);
    assertRunOk("--policy", id("v6"), "--policy", id("both"));
    assertEquals(List.of(bed.zone().dualStackIpv6() + "/128"), allPeers("v6"));
    List<String> both = allPeers("both");
    assertTrue(both.contains(bed.zone().dualStackIpv4() + "/32"), both.toString());
    assertTrue(both.contains(bed.zone().dualStackIpv6() + "/128"), both.toString());
    assertTrue(both.contains(bed.zone().nodataAddress() + "/32"), "v4-only name in 'all'");
    JsonObject status = resource("both").getAsJsonObject("status");
    assertEquals("True", condition(status, "Resolve").get("status").getAsString());
  }

  @Test
  void handWrittenPolicyWithTheSameNameIsLeftAlone() {
    bed.kubectlApply(
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: taken}
        spec:
          podSelector: {}
          policyTypes: [Ingress]
        """);
    String before = resourceVersion("networkpolicy", "taken");
    String name = bed.zone().uniqueName("taken");
    bed.zone().setA(name, "198.51.100.60");
    createResource("taken", "podSelector: {}\negress:\n- toFQDNS: [%s]\n".formatted(name), null);

    assertRunOk("--policy", id("taken"));
    assertEquals(before, resourceVersion("networkpolicy", "taken"), "never modified");
    JsonObject ready = condition(resource("taken").getAsJsonObject("status"), "Ready");
    assertEquals("False", ready.get("status").getAsString());
    assertEquals("Failed", ready.get("reason").getAsString());
    assertTrue(ready.get("message").getAsString().contains("NetworkPolicy " + id("taken")));
    assertTrue(events("taken").contains("OwnershipConflict"));
  }

  @Test
  void dryRunWritesNothing() {
    String name = bed.zone().uniqueName("dry");
    bed.zone().setA(name, "198.51.100.70");
    createResource("dry", "podSelector: {}\negress:\n- toFQDNS: [%s]\n".formatted(name), null);
    String before = resourceVersion("fqdn", "dry");
    JobProcess.Result result = assertRunOk("--policy", id("dry"), "--dry-run");
    assertTrue(
        result.stdout().contains("would create networkpolicy " + id("dry")), result.toString());
    assertEquals(before, resourceVersion("fqdn", "dry"));
    assertNull(tryGet("networkpolicy", "dry"));
  }

  @Test
  void deletingTheResourceGarbageCollectsItsPolicy() throws Exception {
    String name = bed.zone().uniqueName("gc");
    bed.zone().setA(name, "198.51.100.80");
    createResource("gc", "podSelector: {}\negress:\n- toFQDNS: [%s]\n".formatted(name), null);
    assertRunOk("--policy", id("gc"));
    assertNotNull(tryGet("networkpolicy", "gc"));
    bed.kubectl("delete", "fqdn", "gc", "-n", bed.namespace(), "--wait=true");
    Instant limit = Instant.now().plus(Duration.ofSeconds(60));
    while (tryGet("networkpolicy", "gc") != null && Instant.now().isBefore(limit)) {
      Thread.sleep(500);
    }
    assertNull(tryGet("networkpolicy", "gc"), "garbage-collected");
  }

  @Test
  void namespaceScopedRunListsAndAppliesThatNamespace() {
    String name = bed.zone().uniqueName("scoped");
    bed.zone().setA(name, "198.51.100.90");
    createResource("scoped", "podSelector: {}\negress:\n- toFQDNS: [%s]\n".formatted(name), null);
    JobProcess.Result result = assertRunOk("--namespace", bed.namespace());
    assertTrue(result.stderr().contains("run finished: listed="), result.toString());
    assertEquals(List.of("198.51.100.90/32"), allPeers("scoped"));
  }

  @Test
  void selectorLimitsTheRunToMatchingResources() {
    String name = bed.zone().uniqueName("selected");
    bed.zone().setA(name, "198.51.100.95");
    createResource(
        "selected", "podSelector: {}\negress:\n- toFQDNS: [%s]\n".formatted(name), "tier: gold");
    createResource(
        "unselected", "podSelector: {}\negress:\n- toFQDNS: [%s]\n".formatted(name), null);
    JobProcess.Result result =
        assertRunOk("--namespace", bed.namespace(), "--selector", "tier=gold");
    assertTrue(result.stderr().contains("listed=1 due=1"), result.toString());
    assertEquals(List.of("198.51.100.95/32"), allPeers("selected"));
    assertNull(tryGet("networkpolicy", "unselected"));
    assertFalse(resource("unselected").has("status"));
  }

  @Test
  void unreadableKubeconfigIsAConfigurationError() {
    JobProcess.Result result = job.exec("run", "--kubeconfig", "/nonexistent/kubeconfig");
    assertEquals(2, result.exitCode(), result.toString());
    assertTrue(result.stderr().contains("/nonexistent/kubeconfig"), result.toString());
  }

  // --- helpers

  private static JobProcess.Result assertRunOk(String... args) {
    JobProcess.Result result = job.run(args);
    assertEquals(0, result.exitCode(), result.toString());
    return result;
  }

  private static String id(String name) {
    return bed.namespace() + "/" + name;
  }

  private static void createResource(String name, String spec, String labels) {
    BedObjects.applyFqdn(bed, bed.namespace(), name, labels, spec);
  }

  private static void seedStatus(
      String resource, String fqdn, String key, Instant lastSuccess, String address) {
    bed.kubectl(
        "patch",
        "fqdn",
        resource,
        "-n",
        bed.namespace(),
        "--subresource=status",
        "--type=merge",
        "-p",
        ("{\"status\":{\"latestLookupTime\":\"%1$s\",\"fqdns\":[{\"fqdn\":\"%2$s\","
                + "\"%3$s\":\"%1$s\",\"resolveReason\":\"SUCCESS\",\"addresses\":[\"%4$s\"]}]}}")
            .formatted(lastSuccess, fqdn, key, address));
  }

  private static JsonObject resource(String name) {
    return get("fqdn", name);
  }

  private static JsonObject networkPolicy(String name) {
    return get("networkpolicy", name);
  }

  private static JsonObject get(String kind, String name) {
    return BedObjects.get(bed, bed.namespace(), kind, name);
  }

  private static JsonObject tryGet(String kind, String name) {
    return BedObjects.tryGet(bed, bed.namespace(), kind, name);
  }

  private static String resourceVersion(String kind, String name) {
    return BedObjects.resourceVersion(bed, bed.namespace(), kind, name);
  }

  private static String events(String name) {
    return BedObjects.eventReasons(bed, bed.namespace(), name);
  }

  private static List<String> peers(JsonElement rule) {
    return BedObjects.rulePeers(rule);
  }

  private static List<String> allPeers(String name) {
    return BedObjects.peers(networkPolicy(name));
  }

  private static JsonObject condition(JsonObject status, String type) {
    return BedObjects.condition(status, type);
  }

  private static JsonObject fqdn(JsonObject status, String name) {
    return BedObjects.fqdn(status, name);
  }
}
