package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.JobProcess;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedException;
import io.fqdnjob.testbed.TestBedExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs that do not go to plan: a NetworkPolicy the API server refuses, and a run stopped by SIGTERM
 * while a lookup is still waiting for its answer. Nothing may be lost or half-written.
 */
@ExtendWith(TestBedExtension.class)
class RunFailureIT {
  private static final String POLICY_NAME = "fqdn-job-it-refuse-blocked";

  private static TestBed bed;
  private static JobProcess job;

  @BeforeAll
  static void setUp(TestBed testBed) {
    bed = testBed;
    bed.installCrd();
    job = new JobProcess(bed);
    // A real admission rule of the API server, so the refusal is the server's own: any
    // NetworkPolicy whose name starts with "refused" in this class's namespace is denied.
    BedObjects.refuseNetworkPoliciesNamedRefused(
        bed,
        POLICY_NAME,
        bed.namespace(),
        "[CREATE, UPDATE]",
        "NetworkPolicies named refused* are not allowed here");
  }

  @AfterAll
  static void tearDown() {
    bed.kubectl(
        "delete",
        "validatingadmissionpolicybinding,validatingadmissionpolicy",
        POLICY_NAME,
        "--ignore-not-found");
  }

  @Test
  void refusedApplyFailsThatResourceOnlyAndExitsTen() throws Exception {
    String name = bed.zone().uniqueName("refused");
    bed.zone().setA(name, "198.51.100.110");
    create("refused", null, name);
    create("accepted", null, name);
    awaitAdmissionPolicy();

    JobProcess.Result result = job.run("--namespace", bed.namespace());

    assertEquals(10, result.exitCode(), result.toString());
    assertTrue(result.stderr().contains("failed=1"), result.toString());
    assertNull(tryGet("networkpolicy", "refused"));
    JsonObject ready = condition(get("fqdn", "refused"), "Ready");
    assertEquals("False", ready.get("status").getAsString());
    assertTrue(
        ready.get("message").getAsString().contains("named refused* are not allowed"),
        ready.toString());
    assertTrue(events("refused").contains("ApplyFailed"));
    assertEquals("True", condition(get("fqdn", "accepted"), "Ready").get("status").getAsString());
  }

  @Test
  void sigtermDuringLookupsSendsNothingMoreAndLeavesEveryResourceAsItWas() throws Exception {
    String fast = bed.zone().uniqueName("fast");
    bed.zone().setA(fast, "198.51.100.120");
    bed.kubectl("create", "namespace", bed.namespace() + "-term");
    String ns = bed.namespace() + "-term";
    try {
      apply(ns, "quick", null, "resolveTimeoutSeconds: 5\n", fast);
      apply(ns, "waiting", null, "resolveTimeoutSeconds: 30\n", bed.zone().timeoutName());

      Path stderr = Files.createTempFile("fqdn-job-term", ".log");
      Process process =
          job.start(
              stderr,
              "run",
              "--kubeconfig",
              bed.kubeconfig().toString(),
              "--dns-server",
              bed.dnsServer(),
              "--namespace",
              ns);
      try {
        JobProcess.awaitOutput(stderr, "resources listed");
        Thread.sleep(1_500); // the quick name answers; the waiting one cannot within 30 s
        process.destroy(); // SIGTERM
        assertTrue(process.waitFor(40, TimeUnit.SECONDS), "exits after SIGTERM");
        assertEquals(
            11, process.exitValue(), "a stopped run sends nothing more and exits 11 (cut short)");
      } finally {
        process.destroyForcibly();
      }
      String log = Files.readString(stderr);
      Files.deleteIfExists(stderr);

      assertTrue(log.contains("cutShort=2 "), log);
      for (String name : new String[] {"quick", "waiting"}) {
        JsonObject resource = get(ns, "fqdn", name);
        assertFalse(resource.has("status"), "left as it was: " + resource + "\n" + log);
        assertNull(tryGet(ns, "networkpolicy", name), log);
      }
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  // --- helpers

  private static void awaitAdmissionPolicy() throws InterruptedException {
    // The policy takes effect once the API server has compiled it; probe with a dry run.
    Instant limit = Instant.now().plus(Duration.ofSeconds(30));
    String probe =
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: refused-probe}
        spec: {podSelector: {}}
        """;
    while (Instant.now().isBefore(limit)) {
      try {
        bed.kubectlWithInput(probe, "apply", "--dry-run=server", "-n", bed.namespace(), "-f", "-");
      } catch (TestBedException refused) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("the admission policy never took effect");
  }

  private static void create(String name, String labels, String fqdn) {
    apply(bed.namespace(), name, labels, "", fqdn);
  }

  private static void apply(String ns, String name, String labels, String extra, String fqdn) {
    BedObjects.applyFqdn(
        bed,
        ns,
        name,
        labels,
        "podSelector: {}\n" + extra + "egress:\n- toFQDNS: [" + fqdn + "]\n");
  }

  private static JsonObject get(String kind, String name) {
    return get(bed.namespace(), kind, name);
  }

  private static JsonObject get(String ns, String kind, String name) {
    return BedObjects.get(bed, ns, kind, name);
  }

  private static JsonObject tryGet(String kind, String name) {
    return tryGet(bed.namespace(), kind, name);
  }

  private static JsonObject tryGet(String ns, String kind, String name) {
    return BedObjects.tryGet(bed, ns, kind, name);
  }

  private static String events(String name) {
    return BedObjects.eventReasons(bed, bed.namespace(), name);
  }

  private static JsonObject condition(JsonObject resource, String type) {
    return BedObjects.condition(resource.getAsJsonObject("status"), type);
  }
}
