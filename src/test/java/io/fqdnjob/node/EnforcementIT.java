package io.fqdnjob.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fqdnjob.Fixtures;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.JobProcess;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import io.fqdnjob.testbed.TestNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a generated NetworkPolicy does to real pods: the job (packaged, run on the host) resolves a
 * name of the bed's zone to a server pod's address and applies the policy, and the bed's node
 * enforces it (kube-router). Connections are made from client pods with {@code nc}.
 *
 * <p>Two server pods, A and B, accept connections on {@value #ALLOWED_PORT} and {@value
 * #OTHER_PORT}; no policy selects them. Each test has its own client pod, selected by its own fqdn
 * resource. Every refusal has a control: the same connection from the same client before its policy
 * exists, and the same connection from a bystander pod that no policy selects right after the
 * refusal, so that a refusal is the policy's doing and not a dead server. After a policy change a
 * test first waits for a connection the change must refuse (or newly allow): kube-router applies
 * changes within seconds, not at once, and only then do the other outcomes say something.
 *
 * <p>Each outcome is printed as one line of an enforcement matrix: {@code case -> expected ->
 * seen}.
 */
@ExtendWith(TestBedExtension.class)
class EnforcementIT {
  private static final int ALLOWED_PORT = 8080;
  private static final int OTHER_PORT = 9090;

  /** How long kube-router may take to apply a policy change. */
  private static final Duration POLICY_CHANGE = Duration.ofSeconds(30);

  private static final String BYSTANDER = "bystander";
  private static final List<String> MATRIX = Collections.synchronizedList(new ArrayList<>());

  private static TestBed bed;
  private static TestNode node;
  private static JobProcess job;
  private static String ns;
  private static String serverA;
  private static String serverB;

  @BeforeAll
  static void startServers(TestBed testBed) {
    bed = testBed;
    node = bed.node();
    bed.installCrd();
    job = new JobProcess(bed);
    ns = bed.namespace();
    serverA =
        node.startServerPod(ns, "server-a", Map.of("role", "server"), ALLOWED_PORT, OTHER_PORT);
    serverB =
        node.startServerPod(ns, "server-b", Map.of("role", "server"), ALLOWED_PORT, OTHER_PORT);
    node.startToolsPod(ns, BYSTANDER, Map.of("app", BYSTANDER), "sleep", "3600");
  }

  @AfterAll
  static void printMatrix() {
    System.out.println("enforcement matrix (case -> expected -> seen):");
    synchronized (MATRIX) {
      MATRIX.forEach(line -> System.out.println("  " + line));
    }
  }

  @Test
  void selectedPodReachesOnlyTheResolvedAddressOnTheAllowedPort() {
    String client = startClient("allow");
    String name = bed.zone().uniqueName("allow");
    bed.zone().setA(name, serverA);
    connection("allow, no policy", client, "A", ALLOWED_PORT, true);
    connection("allow, no policy", client, "A", OTHER_PORT, true);
    connection("allow, no policy", client, "B", ALLOWED_PORT, true);

    applyResource("allow", "allow", name, "");
    run("allow");
    assertEquals(Set.of(serverA + "/32"), peers("allow"));

    connection("allow, name -> A, TCP 8080", client, "A", OTHER_PORT, false);
    connection("allow, name -> A, TCP 8080", client, "B", ALLOWED_PORT, false);
    connection("allow, name -> A, TCP 8080", client, "A", ALLOWED_PORT, true);
    bystander("allow", "A", OTHER_PORT);
    bystander("allow", "B", ALLOWED_PORT);
  }

  @Test
  void recordChangeMovesTheAllowanceToTheNewAddressOnTheNextRun() {
    String client = startClient("move");
    String name = bed.zone().uniqueName("move");
    bed.zone().setA(name, serverA);
    connection("move, no policy", client, "B", ALLOWED_PORT, true);
    applyResource("move", "move", name, "");
    run("move");
    connection("move, name -> A", client, "B", ALLOWED_PORT, false);
    connection("move, name -> A", client, "A", ALLOWED_PORT, true);

    bed.zone().setA(name, serverB);
    run("move");
    assertEquals(Set.of(serverB + "/32"), peers("move"));

    // B newly allowed shows the updated policy is in force; then A's refusal is its doing.
    connection("move, name -> B after the next run", client, "B", ALLOWED_PORT, true);
    connection("move, name -> B after the next run", client, "A", ALLOWED_PORT, false);
    bystander("move", "A", ALLOWED_PORT);
  }

  @Test
  void retentionWindowKeepsTheOldAddressAllowedAfterTheRecordMoves() {
    String client = startClient("retain");
    String name = bed.zone().uniqueName("retain");
    bed.zone().setA(name, serverA);
    connection("retain, no policy", client, "B", ALLOWED_PORT, true);
    applyResource("retain", "retain", name, "seenAddressRetentionSeconds: 600\n");
    run("retain");
    connection("retain, name -> A, window 600 s", client, "B", ALLOWED_PORT, false);
    connection("retain, name -> A, window 600 s", client, "A", ALLOWED_PORT, true);

    bed.zone().setA(name, serverB);
    run("retain");
    assertEquals(Set.of(serverA + "/32", serverB + "/32"), peers("retain"));

    connection("retain, name -> B, A seen within 600 s", client, "B", ALLOWED_PORT, true);
    connection("retain, name -> B, A seen within 600 s", client, "A", ALLOWED_PORT, true);
    // The window keeps addresses, not ports: the rule's port still applies to both.
    connection("retain, name -> B, A seen within 600 s", client, "A", OTHER_PORT, false);
    bystander("retain", "A", OTHER_PORT);
  }

  @Test
  void denyAllResourceBlocksEveryEgressOfItsPods() {
    String client = startClient("deny");
    String reachable = bed.zone().uniqueName("deny-control");
    bed.zone().setA(reachable, serverA);
    String apiService = node.apiServiceIp();
    connection("deny, no policy", client, "A", ALLOWED_PORT, true);
    connection("deny, no policy", client, "kubernetes Service", apiService, 443, true);
    lookup("deny, no policy", client, reachable, true);

    // The only name does not exist: no rule has an address, and the job renders egress: [].
    applyResource("deny", "deny", bed.zone().nxdomainName(), "");
    run("deny");
    JsonObject spec = BedObjects.get(bed, ns, "networkpolicy", "deny").getAsJsonObject("spec");
    JsonElement egress = spec.get("egress");
    assertTrue(egress == null || egress.getAsJsonArray().isEmpty(), "deny-all: " + spec);
    assertEquals("[\"Egress\"]", spec.get("policyTypes").toString());
    JsonObject ready =
        BedObjects.condition(
            BedObjects.get(bed, ns, "fqdn", "deny").getAsJsonObject("status"), "Ready");
    assertEquals("EmptyRules", ready.get("reason").getAsString(), ready.toString());

    connection("deny, only name NXDOMAIN", client, "A", ALLOWED_PORT, false);
    connection("deny, only name NXDOMAIN", client, "kubernetes Service", apiService, 443, false);
    lookup("deny, only name NXDOMAIN", client, reachable, false);
    bystander("deny", "A", ALLOWED_PORT);
    lookup("deny, control", BYSTANDER, reachable, true);
  }

  @Test
  void selectedPodResolvesNamesOnlyWithADnsPolicyOfItsOwner() throws IOException {
    String client = startClient("dns");
    String name = bed.zone().uniqueName("dns");
    bed.zone().setA(name, serverA);
    lookup("dns, no policy", client, name, true);

    applyResource("dns", "dns", name, "");
    run("dns");
    connection("dns, fqdn policy only", client, "A", OTHER_PORT, false);
    lookup("dns, fqdn policy only", client, name, false);
    lookup("dns, control", BYSTANDER, name, true);

    bed.kubectlApply(Fixtures.text("io/fqdnjob/node/allow-dns.yaml").replace("${APP}", "dns"));
    lookup("dns, fqdn policy + allow-dns", client, name, true);
    assertEquals(List.of(serverA), node.lookup(ns, client, name));
    // The DNS policy opens DNS and nothing else.
    connection("dns, fqdn policy + allow-dns", client, "A", ALLOWED_PORT, true);
    connection("dns, fqdn policy + allow-dns", client, "A", OTHER_PORT, false);
    connection("dns, fqdn policy + allow-dns", client, "B", ALLOWED_PORT, false);
  }

  // --- helpers

  private static String startClient(String app) {
    String pod = "client-" + app;
    node.startToolsPod(ns, pod, Map.of("app", app), "sleep", "3600");
    return pod;
  }

  /** An fqdn resource selecting the pods {@code app=APP}: TCP 8080 to {@code fqdn}. */
  private static void applyResource(String resource, String app, String fqdn, String extraSpec) {
    BedObjects.applyFqdn(
        bed,
        ns,
        resource,
        null,
        "podSelector: {matchLabels: {app: %s}}\n%segress:\n- toFQDNS: [%s]\n  ports: [{protocol: TCP, port: %d}]\n"
            .formatted(app, extraSpec, fqdn, ALLOWED_PORT));
  }

  /** One run of the packaged job for this resource; the record may have changed, so forced. */
  private static void run(String resource) {
    JobProcess.Result result = job.run("--policy", ns + "/" + resource, "--force");
    assertEquals(0, result.exitCode(), result.toString());
  }

  private static Set<String> peers(String resource) {
    return new TreeSet<>(BedObjects.peers(BedObjects.get(bed, ns, "networkpolicy", resource)));
  }

  private static void connection(
      String label, String pod, String server, int port, boolean expected) {
    connection(label, pod, server, "A".equals(server) ? serverA : serverB, port, expected);
  }

  /**
   * Waits until the connection has the expected outcome (see {@link TestNode#awaitConnect}) and
   * records the outcome in the matrix either way.
   */
  private static void connection(
      String label, String pod, String target, String ip, int port, boolean expected) {
    String what = label + ": " + pod + " -> " + target + ":" + port;
    try {
      Duration took = node.awaitConnect(ns, pod, ip, port, expected, POLICY_CHANGE);
      record(what, outcome(expected), outcome(expected) + after(took));
    } catch (AssertionError e) {
      record(what, outcome(expected), outcome(!expected));
      throw e;
    }
  }

  /** The bystander, selected by no policy, reaches the server: the server is alive. */
  private static void bystander(String label, String server, int port) {
    connection(label + ", control", BYSTANDER, server, port, true);
  }

  private static void lookup(String label, String pod, String name, boolean expected) {
    String what = label + ": " + pod + " resolves " + name;
    String want = expected ? "resolves" : "fails";
    try {
      Duration took = node.awaitResolves(ns, pod, name, expected, POLICY_CHANGE);
      record(what, want, want + after(took));
    } catch (AssertionError e) {
      record(what, want, expected ? "fails" : "resolves");
      throw e;
    }
  }

  /**
   * How long until the outcome showed: a policy change takes kube-router a moment, and a dropped
   * connection costs each attempt nc's 3 s timeout.
   */
  private static String after(Duration took) {
    return " (%.1f s)".formatted(took.toMillis() / 1000.0);
  }

  private static String outcome(boolean connected) {
    return connected ? "allowed" : "refused";
  }

  private static void record(String what, String expected, String seen) {
    String line = what + " -> " + expected + " -> " + seen;
    MATRIX.add(line);
    System.out.println("enforcement: " + line);
  }
}
