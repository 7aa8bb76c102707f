package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The run in this JVM against the real bed, where the cluster is not quiet: other writers touch the
 * generated policies, writes are refused, resources are replaced or deleted mid-run, statuses hold
 * times that cannot be true, and two runs overlap. Time moves only when the test moves the clock.
 */
@ExtendWith(TestBedExtension.class)
class RunCorrectnessIT {
  private static TestBed bed;
  private static BedNamespace objects;

  @BeforeAll
  static void setUp(TestBed testBed) {
    bed = testBed;
    objects = new BedNamespace(bed);
    bed.installCrd();
  }

  private static InProcessRun newRun() {
    return new InProcessRun(bed, InProcessRun.TestClock.atNow());
  }

  @Test
  void lookupTimeIsTheListTimeSoASlowDnsPhaseDoesNotDelayTheNextRun() throws Exception {
    String name = bed.zone().uniqueName("stamp");
    bed.zone().setA(name, "198.51.100.11");
    create("stamp", "ttlSeconds: 60\n", name);
    InProcessRun run = newRun();
    Instant listed = run.clock.instant();
    // The DNS phase takes 40 s.
    run.progress = onPhase("resolving", () -> run.clock.advance(Duration.ofSeconds(40)));

    run.policies("stamp");

    JsonObject status = status("stamp");
    assertEquals(listed.toString(), status.get("latestLookupTime").getAsString());
    assertEquals(
        listed.toString(), BedObjects.fqdn(status, name).get("lastSuccessfulTime").getAsString());
    run.progress = Progress.NONE;
    run.clock.set(listed.plusSeconds(60));
    assertEquals(1, run.policies("stamp").due(), "due one TTL after the list, not after DNS");
  }

  @Test
  void fieldsOfOtherWritersNeverMakeTheRunWriteAgain() throws Exception {
    String name = bed.zone().uniqueName("shared");
    bed.zone().setA(name, "198.51.100.12");
    create("shared", "", name);
    InProcessRun run = newRun();
    run.policies("shared");
    // A GitOps tool and an admission controller add their own labels and annotations.
    bed.kubectlWithInput(
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: shared
          labels: {gitops.example/tracked: "yes", team: payments}
          annotations: {audit.example/reviewed: "2026-11-29"}
        """,
        "apply",
        "--server-side",
        "--field-manager=gitops",
        "-n",
        bed.namespace(),
        "-f",
        "-");
    String before = resourceVersion("networkpolicy", "shared");

    run.force = true;
    RunSummary steady = run.policies("shared");

    assertEquals(0, steady.networkPolicyWrites(), steady.toString());
    assertEquals(before, resourceVersion("networkpolicy", "shared"));
    assertEquals(1, count(events("shared"), "Created"));
    assertEquals(0, count(events("shared"), "Updated"));

    // An extra egress rule is drift: it allows more than the resource does.
    allowEverywhere("shared");
    RunSummary restored = run.policies("shared");
    assertEquals(1, restored.networkPolicyWrites(), restored.toString());
    JsonObject policy = get("networkpolicy", "shared");
    assertEquals(List.of("198.51.100.12/32"), BedObjects.peers(policy));
    JsonObject labels = policy.getAsJsonObject("metadata").getAsJsonObject("labels");
    assertEquals("yes", labels.get("gitops.example/tracked").getAsString(), "theirs kept");
    assertEquals(
        "2026-11-29",
        policy
            .getAsJsonObject("metadata")
            .getAsJsonObject("annotations")
            .get("audit.example/reviewed")
            .getAsString());
    assertEquals(1, count(events("shared"), "Updated"));

    RunSummary settled = run.policies("shared");
    assertEquals(0, settled.networkPolicyWrites(), settled.toString());
    assertEquals(1, count(events("shared"), "Updated"), events("shared"));
  }

  @Test
  void aLabelAnEarlierVersionCopiedIsRemovedOnceWithoutAWarning() throws Exception {
    String name = bed.zone().uniqueName("upgrade");
    bed.zone().setA(name, "198.51.100.22");
    create("upgrade", "", name);
    InProcessRun run = newRun();
    run.policies("upgrade");
    // What an earlier version applied: the resource's labels copied, under the same manager.
    JsonObject live = get("networkpolicy", "upgrade");
    JsonObject body = new JsonObject();
    body.addProperty("apiVersion", "networking.k8s.io/v1");
    body.addProperty("kind", "NetworkPolicy");
    JsonObject metadata = new JsonObject();
    metadata.addProperty("name", "upgrade");
    metadata.addProperty("namespace", bed.namespace());
    JsonObject labels = live.getAsJsonObject("metadata").getAsJsonObject("labels").deepCopy();
    labels.addProperty("team", "payments");
    metadata.add("labels", labels);
    metadata.add("ownerReferences", live.getAsJsonObject("metadata").get("ownerReferences"));
    body.add("metadata", metadata);
    body.add("spec", live.get("spec"));
    bed.kubectlWithInput(
        body.toString(),
        "apply",
        "--server-side",
        "--field-manager=fqdn-job",
        "--force-conflicts",
        "-f",
        "-");

    RunSummary upgraded = run.policies("upgrade");

    assertEquals(1, upgraded.repaired(), upgraded.toString());
    JsonObject after = get("networkpolicy", "upgrade").getAsJsonObject("metadata");
    assertFalse(after.getAsJsonObject("labels").has("team"), after.toString());
    assertEquals(0, run.policies("upgrade").networkPolicyWrites(), "settled");
    String types =
        bed.kubectl(
            "get",
            "events",
            "-n",
            bed.namespace(),
            "--field-selector",
            "involvedObject.name=upgrade,reason=PolicyRepaired",
            "-o",
            "jsonpath={range .items[*]}{.type} {end}");
    assertEquals("Normal ", types, "a label is no warning");
  }

  @Test
  void anEmptyMatchLabelsSettlesAfterOneWrite() throws Exception {
    String name = bed.zone().uniqueName("emptysel");
    bed.zone().setA(name, "198.51.100.13");
    BedObjects.applyFqdn(
        bed,
        bed.namespace(),
        "emptysel",
        null,
        "podSelector: {matchLabels: {}}\negress:\n- toFQDNS: [%s]\n".formatted(name));
    InProcessRun run = newRun();
    run.force = true;
    assertEquals(1, run.policies("emptysel").networkPolicyWrites());
    assertEquals(0, run.policies("emptysel").networkPolicyWrites());
  }

  @Test
  void aRefusedApplyLeavesTheStatusDescribingThePolicyInPlaceAndTheResourceDue() throws Exception {
    String name = bed.zone().uniqueName("refused");
    bed.zone().setA(name, "198.51.100.14");
    create("refused-update", "ttlSeconds: 60\n", name);
    InProcessRun run = newRun();
    Instant first = run.clock.instant();
    run.policies("refused-update");
    String admission = "refuse-updates-" + bed.namespace();
    refuseNetworkPolicyUpdates(admission);
    try {
      bed.zone().setA(name, "198.51.100.15");
      run.clock.advance(Duration.ofSeconds(61));

      RunSummary refused = run.policies("refused-update");

      assertEquals(1, refused.failed(), refused.toString());
      JsonObject status = status("refused-update");
      assertEquals(first.toString(), status.get("latestLookupTime").getAsString());
      assertEquals(1, status.get("appliedAddressCount").getAsInt());
      assertEquals(
          "[\"198.51.100.14/32\"]", BedObjects.fqdn(status, name).get("addresses").toString());
      JsonObject ready = BedObjects.condition(status, "Ready");
      assertEquals("False", ready.get("status").getAsString());
      assertTrue(ready.get("message").getAsString().contains(admission), ready.toString());
      assertEquals(
          List.of("198.51.100.14/32"), BedObjects.peers(get("networkpolicy", "refused-update")));

      RunSummary again = run.policies("refused-update");
      assertEquals(1, again.due(), "a resource whose apply failed is due on the next run");
      assertEquals(1, count(events("refused-update"), "ApplyFailed"), "announced once");
    } finally {
      bed.kubectl(
          "delete", "validatingadmissionpolicybinding,validatingadmissionpolicy", admission);
    }
    awaitUpdatesAccepted();
    RunSummary recovered = run.policies("refused-update");
    assertEquals(1, recovered.applied(), recovered.toString());
    assertEquals(
        List.of("198.51.100.15/32"), BedObjects.peers(get("networkpolicy", "refused-update")));
    JsonObject status = status("refused-update");
    assertEquals("True", BedObjects.condition(status, "Ready").get("status").getAsString());
    assertEquals(run.clock.instant().toString(), status.get("latestLookupTime").getAsString());
  }

  @Test
  void aDeletedOrWidenedPolicyIsRepairedFromTheStatusWithoutDns() throws Exception {
    String name = bed.zone().uniqueName("drift");
    bed.zone().setA(name, "198.51.100.16");
    create("drift", "ttlSeconds: 1800\n", name);
    InProcessRun run = newRun();
    run.policies("drift");
    bed.kubectl("delete", "networkpolicy", "drift", "-n", bed.namespace());

    RunSummary recreated = run.policies("drift");

    assertEquals(0, recreated.due(), recreated.toString());
    assertEquals(1, recreated.repaired(), recreated.toString());
    assertEquals(0, recreated.queries(), "rendered from the status, no DNS");
    assertEquals(List.of("198.51.100.16/32"), BedObjects.peers(get("networkpolicy", "drift")));
    assertEquals(1, count(events("drift"), "PolicyRepaired"));
    assertEquals(0, run.policies("drift").networkPolicyWrites(), "repaired once");

    allowEverywhere("drift");
    RunSummary narrowed = run.policies("drift");
    assertEquals(1, narrowed.repaired(), narrowed.toString());
    assertEquals(List.of("198.51.100.16/32"), BedObjects.peers(get("networkpolicy", "drift")));
    assertEquals(2, count(events("drift"), "PolicyRepaired"));
  }

  @Test
  void aResourceReplacedDuringTheRunGetsNeitherTheOldStatusNorAnOrphanedPolicy() throws Exception {
    String name = bed.zone().uniqueName("replaced");
    bed.zone().setA(name, "198.51.100.17");
    create("replaced", "", name);
    String oldUid = uid("replaced");
    InProcessRun run = newRun();
    run.progress =
        onPhase(
            "writing",
            () -> {
              bed.kubectl("delete", "fqdn", "replaced", "-n", bed.namespace());
              create("replaced", "", name);
            });

    RunSummary replaced = run.policies("replaced");

    assertEquals(0, replaced.failed(), replaced.toString());
    String newUid = uid("replaced");
    assertFalse(oldUid.equals(newUid));
    JsonObject resource = get("fqdn", "replaced");
    assertFalse(
        resource.has("status") && resource.getAsJsonObject("status").has("latestLookupTime"),
        "the new object must not get the old one's status: " + resource);

    run.progress = Progress.NONE;
    RunSummary next = run.policies("replaced");
    assertEquals(0, next.failed(), next.toString());
    assertEquals(0, next.conflicts(), "a policy of the earlier object is taken over");
    JsonObject owner =
        get("networkpolicy", "replaced")
            .getAsJsonObject("metadata")
            .getAsJsonArray("ownerReferences")
            .get(0)
            .getAsJsonObject();
    assertEquals(newUid, owner.get("uid").getAsString());
    assertEquals(
        "True", BedObjects.condition(status("replaced"), "Ready").get("status").getAsString());
  }

  @Test
  void resourcesBeingDeletedInATerminatingNamespaceAreLeftAlone() throws Exception {
    String ns = bed.namespace() + "-term";
    String name = bed.zone().uniqueName("term");
    bed.zone().setA(name, "198.51.100.18");
    bed.kubectl("create", "namespace", ns);
    BedObjects.applyFqdn(
        bed, ns, "held", null, "podSelector: {}\negress:\n- toFQDNS: [%s]\n".formatted(name));
    bed.kubectl(
        "patch",
        "fqdn",
        "held",
        "-n",
        ns,
        "--type=merge",
        "-p",
        "{\"metadata\":{\"finalizers\":[\"fqdn-job.test/hold\"]}}");
    bed.kubectl("delete", "namespace", ns, "--wait=false");
    try {
      awaitDeletionTimestamp(ns, "held");

      RunSummary summary = newRun().namespace(ns);

      assertEquals(1, summary.deleting(), summary.toString());
      assertEquals(0, summary.failed(), summary.toString());
      assertEquals(0, summary.networkPolicyWrites() + summary.statusWrites());
      assertNull(BedObjects.tryGet(bed, ns, "networkpolicy", "held"));
    } finally {
      bed.kubectl(
          "patch",
          "fqdn",
          "held",
          "-n",
          ns,
          "--type=merge",
          "-p",
          "{\"metadata\":{\"finalizers\":null}}");
    }
  }

  @Test
  void statusTimesInTheFutureNeitherFreezeAResourceNorKeepAddresses() throws Exception {
    InProcessRun run = newRun();
    Instant now = run.clock.instant();
    Instant future = now.plus(Duration.ofDays(365));
    Instant past = now.minus(Duration.ofDays(1));

    String frozenName = bed.zone().uniqueName("frozen");
    bed.zone().setA(frozenName, "198.51.100.19");
    create("frozen", "", frozenName);
    patchStatus(
        "frozen", "{\"latestLookupTime\":\"%s\",\"observedGeneration\":1}".formatted(future));

    String slow = bed.zone().timeoutName();
    create("planted", "resolveTimeoutSeconds: 1\nretryTimeoutSeconds: 3600\n", slow);
    patchStatus(
        "planted",
        ("{\"latestLookupTime\":\"%1$s\",\"fqdns\":[{\"fqdn\":\"%2$s\","
                + "\"lastSuccessfulTime\":\"%3$s\",\"resolveReason\":\"SUCCESS\","
                + "\"addresses\":[\"192.0.2.66/32\"]}]}")
            .formatted(past, slow, future));

    String seenName = bed.zone().uniqueName("seen");
    bed.zone().setA(seenName, "198.51.100.20");
    create("seen", "seenAddressRetentionSeconds: 600\n", seenName);
    patchStatus(
        "seen",
        ("{\"latestLookupTime\":\"%1$s\",\"fqdns\":[{\"fqdn\":\"%2$s\","
                + "\"lastSuccessfulTime\":\"%1$s\",\"resolveReason\":\"SUCCESS\","
                + "\"addresses\":[\"192.0.2.67/32\"],"
                + "\"seenAddresses\":[{\"address\":\"192.0.2.67/32\",\"lastSeenTime\":\"%3$s\"}]}]}")
            .formatted(past, seenName, future));

    RunSummary summary = run.policies("frozen", "planted", "seen");

    assertEquals(3, summary.due(), summary.toString());
    assertEquals(now.toString(), status("frozen").get("latestLookupTime").getAsString());
    assertEquals(List.of("198.51.100.19/32"), BedObjects.peers(get("networkpolicy", "frozen")));
    JsonObject planted = BedObjects.fqdn(status("planted"), slow);
    assertEquals("TIMEOUT", planted.get("resolveReason").getAsString());
    assertEquals("[]", planted.get("addresses").toString(), "no retention from a future time");
    assertEquals(List.of("198.51.100.20/32"), BedObjects.peers(get("networkpolicy", "seen")));
  }

  @Test
  void twoOverlappingRunsAnnounceEachChangeOnceAndAgree() throws Exception {
    String name = bed.zone().uniqueName("overlap");
    bed.zone().setA(name, "198.51.100.21");
    create("overlap", "", name);
    InProcessRun scheduled = newRun();
    InProcessRun byHand = new InProcessRun(bed, scheduled.clock);
    byHand.instance = "by-hand";
    // The run started by hand lists and writes while the scheduled one is between its list and
    // its writes: both decide from the same state.
    scheduled.progress =
        onPhase(
            "writing",
            () -> {
              try {
                byHand.policies("overlap");
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            });

    RunSummary summary = scheduled.policies("overlap");

    assertEquals(0, summary.failed(), summary.toString());
    assertEquals(1, count(events("overlap"), "Created"), events("overlap"));
    assertEquals(List.of("198.51.100.21/32"), BedObjects.peers(get("networkpolicy", "overlap")));
    assertEquals(
        "True", BedObjects.condition(status("overlap"), "Ready").get("status").getAsString());
  }

  // --- helpers

  /**
   * A progress listener that runs {@code action} once, when the phase whose description starts with
   * {@code phase} begins: "resolving" (after the list), "writing" (before any write).
   */
  private static Progress onPhase(String phase, Runnable action) {
    return new Progress() {
      private boolean done;

      @Override
      public void phase(String description) {
        if (description.startsWith(phase) && !done) {
          done = true;
          action.run();
        }
      }

      @Override
      public void step(int done, int total) {}

      @Override
      public void done() {}
    };
  }

  private static void create(String resource, String fields, String fqdn) {
    objects.create(resource, fields, fqdn);
  }

  /** Another writer adds an egress rule to 0.0.0.0/0 to the generated policy. */
  private static void allowEverywhere(String policy) {
    bed.kubectl(
        "patch",
        "networkpolicy",
        policy,
        "-n",
        bed.namespace(),
        "--type=json",
        "-p",
        "[{\"op\":\"add\",\"path\":\"/spec/egress/-\","
            + "\"value\":{\"to\":[{\"ipBlock\":{\"cidr\":\"0.0.0.0/0\"}}]}}]");
  }

  private static void patchStatus(String resource, String status) {
    bed.kubectl(
        "patch",
        "fqdn",
        resource,
        "-n",
        bed.namespace(),
        "--subresource=status",
        "--type=merge",
        "-p",
        "{\"status\":" + status + "}");
  }

  /**
   * Installs a ValidatingAdmissionPolicy that refuses updates of NetworkPolicies whose name starts
   * with "refused" in the bed's namespace, and waits until the API server enforces it.
   */
  private static void refuseNetworkPolicyUpdates(String name) throws InterruptedException {
    BedObjects.refuseNetworkPoliciesNamedRefused(
        bed,
        name,
        bed.namespace(),
        "[UPDATE]",
        "changes to this NetworkPolicy are refused by " + name);
    for (int i = 0; i < 200 && updateAccepted(); i++) {
      Thread.sleep(100); // the API server loads admission policies asynchronously
    }
    assertFalse(updateAccepted(), "the admission policy is not enforced");
  }

  private static void awaitUpdatesAccepted() throws InterruptedException {
    for (int i = 0; i < 200 && !updateAccepted(); i++) {
      Thread.sleep(100);
    }
    assertTrue(updateAccepted(), "the admission policy is still enforced");
  }

  /** Whether a server-side dry-run label change on the refused policy is accepted. */
  private static boolean updateAccepted() {
    try {
      bed.kubectl(
          "label",
          "networkpolicy",
          "refused-update",
          "-n",
          bed.namespace(),
          "--dry-run=server",
          "--overwrite",
          "probe=" + System.nanoTime());
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void awaitDeletionTimestamp(String ns, String name) throws InterruptedException {
    for (int i = 0; i < 300; i++) {
      JsonObject resource = BedObjects.tryGet(bed, ns, "fqdn", name);
      if (resource != null && resource.getAsJsonObject("metadata").has("deletionTimestamp")) {
        return;
      }
      Thread.sleep(100); // the namespace controller deletes the namespace's content
    }
    throw new AssertionError(ns + "/" + name + " never got a deletionTimestamp");
  }

  private static JsonObject get(String kind, String name) {
    return objects.get(kind, name);
  }

  private static JsonObject status(String resource) {
    return objects.status(resource);
  }

  private static String uid(String resource) {
    return objects.uid(resource);
  }

  private static String resourceVersion(String kind, String name) {
    return objects.resourceVersion(kind, name);
  }

  private static String events(String name) {
    return objects.events(name);
  }

  private static long count(String reasons, String reason) {
    return Arrays.stream(reasons.split(" ")).filter(reason::equals).count();
  }
}
