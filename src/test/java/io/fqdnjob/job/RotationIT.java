package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.JobProcess;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Names whose answers rotate: the bed's DNS server answers with 4 of 20 addresses at a time, and
 * the seen-address window, the per-name limit, the union of several servers, record TTLs and the
 * policy-size guard are checked against what the API server ends up holding.
 */
@ExtendWith(TestBedExtension.class)
class RotationIT {
  private static final List<String> POOL =
      IntStream.rangeClosed(1, 20).mapToObj(i -> "198.51.100." + i).toList();

  private static TestBed bed;
  private static JobProcess job;

  @BeforeAll
  static void setUp(TestBed testBed) {
    bed = testBed;
    bed.installCrd();
    job = new JobProcess(bed);
  }

  @Test
  void windowCollectsEveryAddressOfANameRotatingFourAtATime() {
    String name = bed.zone().uniqueName("cdn");
    create("collect", "seenAddressRetentionSeconds: 3600\n", name);
    for (int step = 0; step < 5; step++) {
      bed.zone().setA(name, slice(step).toArray(String[]::new));
      run("collect");
    }
    assertEquals(cidrs(POOL), sorted(peers("collect")));
    JsonObject entry = fqdn("collect", name);
    assertEquals(20, entry.getAsJsonArray("seenAddresses").size());
    assertEquals(20, entry.getAsJsonArray("addresses").size());
  }

  @Test
  void windowZeroAppliesExactlyTheLatestAnswerAsTheReferenceDoes() {
    String name = bed.zone().uniqueName("plain");
    create("plain", "", name);
    for (int step = 0; step < 3; step++) {
      bed.zone().setA(name, slice(step).toArray(String[]::new));
      run("plain");
      assertEquals(cidrs(slice(step)), sorted(peers("plain")), "step " + step);
    }
    assertFalse(fqdn("plain", name).has("seenAddresses"));
  }

  @Test
  void addressLeavesOnceNoAnswerHadItForLongerThanTheWindow() {
    String name = bed.zone().uniqueName("aging");
    bed.zone().setA(name, "198.51.100.3");
    create("aging", "seenAddressRetentionSeconds: 60\n", name);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    bed.kubectl(
        "patch",
        "fqdn",
        "aging",
        "-n",
        bed.namespace(),
        "--subresource=status",
        "--type=merge",
        "-p",
        ("{\"status\":{\"latestLookupTime\":\"%1$s\",\"fqdns\":[{\"fqdn\":\"%2$s\","
                + "\"lastSuccessfulTime\":\"%1$s\",\"resolveReason\":\"SUCCESS\","
                + "\"addresses\":[\"198.51.100.1/32\",\"198.51.100.2/32\"],\"seenAddresses\":["
                + "{\"address\":\"198.51.100.1/32\",\"lastSeenTime\":\"%3$s\"},"
                + "{\"address\":\"198.51.100.2/32\",\"lastSeenTime\":\"%4$s\"}]}]}}")
            .formatted(now, name, now.minusSeconds(600), now.minusSeconds(10)));
    run("aging");
    assertEquals(List.of("198.51.100.2/32", "198.51.100.3/32"), sorted(peers("aging")));
  }

  @Test
  void limitEvictsTheLeastRecentlySeenFirstAndWarnsOnce() throws Exception {
    String name = bed.zone().uniqueName("capped");
    create("capped", "seenAddressRetentionSeconds: 3600\nmaxAddressesPerFQDN: 6\n", name);
    InProcessRun run = new InProcessRun(bed, InProcessRun.TestClock.atNow());
    run.force = true;
    for (int step = 0; step < 3; step++) {
      bed.zone().setA(name, slice(step).toArray(String[]::new));
      run.policies("capped");
      run.clock.advance(Duration.ofSeconds(10)); // each answer is newer than the last
    }
    // Step 0 saw 1-4, step 1 saw 5-8 (1-4 older: 1 and 2 kept), step 2 saw 9-12 (5-8 older).
    assertEquals(
        cidrs(
            List.of(
                "198.51.100.5",
                "198.51.100.6",
                "198.51.100.9",
                "198.51.100.10",
                "198.51.100.11",
                "198.51.100.12")),
        sorted(peers("capped")));
    // The last run kept 6 of the 10 addresses seen within the window.
    assertEquals(4, fqdn("capped", name).get("droppedAddressCount").getAsInt());
    assertEquals(1, count(events("capped"), "AddressesCapped"), events("capped"));
  }

  @Test
  void defaultLimitIsOneHundredAddressesPerName() {
    create("large", "", bed.zone().largeAnswerName());
    run("large");
    assertEquals(100, peers("large").size());
    assertEquals(
        bed.zone().largeAnswerCount() - 100,
        fqdn("large", bed.zone().largeAnswerName()).get("droppedAddressCount").getAsInt());
  }

  @Test
  void unionOfTwoServersAnsweringDifferentSubsets() {
    String name = bed.splitZone().uniqueName("split");
    bed.splitZone().setA(name, "198.51.100.1", "198.51.100.2");
    bed.splitZoneAlt().setA(name, "198.51.100.3", "198.51.100.4");
    create("first", "", name);
    create("union", "", name);

    run("first", "--dns-server", bed.altDnsServer());
    assertEquals(List.of("198.51.100.1/32", "198.51.100.2/32"), sorted(peers("first")));

    JobProcess.Result union =
        run("union", "--dns-server", bed.altDnsServer(), "--dns-union", "--dns-samples", "3");
    assertEquals(
        cidrs(List.of("198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4")),
        sorted(peers("union")));
    assertTrue(union.stderr().contains("queries=6"), "2 servers x 3 samples: " + union);
  }

  @Test
  void followRecordTtlMakesTheResourceDueByTheRecordsTtl() throws Exception {
    String name = bed.zone().uniqueName("shortttl");
    bed.zone().setRecords(name, org.xbill.DNS.Type.A, 6, "198.51.100.30");
    String ns = bed.namespace() + "-ttl";
    bed.kubectl("create", "namespace", ns);
    try {
      create(ns, "follows", "followRecordTTL: true\n", name);
      create(ns, "ignores", "", name);
      InProcessRun run = new InProcessRun(bed, InProcessRun.TestClock.atNow());
      assertEquals(2, run.namespace(ns).due());
      assertEquals(6, fqdn(ns, "follows", name).get("recordTTLSeconds").getAsInt());

      run.clock.advance(Duration.ofSeconds(5));
      assertEquals(0, run.namespace(ns).due(), "5 s later, within the record TTL");
      run.clock.advance(Duration.ofSeconds(1));
      RunSummary later = run.namespace(ns);
      assertEquals(2, later.listed());
      assertEquals(1, later.due(), "only the follower: " + later);
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  @Test
  void policyOverThePeerLimitIsNotAppliedAndThePreviousOneStays() {
    create("guarded", "maxAddressesPerFQDN: 1000\n", bed.zone().largeAnswerName());
    run("guarded", "--max-peers-per-policy", "1000");
    assertEquals(bed.zone().largeAnswerCount(), peers("guarded").size());
    String before = resourceVersion("networkpolicy", "guarded");

    JobProcess.Result refused = run("guarded", "--max-peers-per-policy", "100");
    assertTrue(refused.stderr().contains("tooLarge=1"), refused.toString());
    assertEquals(before, resourceVersion("networkpolicy", "guarded"), "previous policy stays");
    JsonObject ready = condition("guarded", "Ready");
    assertEquals("False", ready.get("status").getAsString());
    assertTrue(
        ready.get("message").getAsString().contains("--max-peers-per-policy=100"),
        ready.toString());
    assertEquals(1, count(events("guarded"), "PolicyTooLarge"));
  }

  // --- helpers

  private static List<String> slice(int step) {
    int from = (step * 4) % POOL.size();
    return POOL.subList(from, from + 4);
  }

  private static List<String> cidrs(List<String> addresses) {
    return sorted(addresses.stream().map(a -> a + "/32").toList());
  }

  private static List<String> sorted(List<String> cidrs) {
    List<String> copy = new ArrayList<>(cidrs);
    copy.sort((a, b) -> {
      int x = Integer.parseInt(a.replaceAll(".*\\.(\\d+)/.*", "$1"));
      int y = Integer.parseInt(b.replaceAll(".*\\.(\\d+)/.*", "$1"));
      return Integer.compare(x, y);
    });
    return copy;
  }

  private static JobProcess.Result run(String resource, String... more) {
    List<String> args =
        new ArrayList<>(List.of("--policy", bed.namespace() + "/" + resource, "--force"));
    args.addAll(List.of(more));
    JobProcess.Result result = job.run(args.toArray(String[]::new));
    assertEquals(0, result.exitCode(), result.toString());
    return result;
  }

  private static void create(String name, String extra, String fqdn) {
    create(bed.namespace(), name, extra, fqdn);
  }

  private static void create(String ns, String name, String extra, String fqdn) {
    BedObjects.applyFqdn(
        bed, ns, name, null, "podSelector: {}\n" + extra + "egress:\n- toFQDNS: [" + fqdn + "]\n");
  }

  private static JsonObject get(String ns, String kind, String name) {
    return BedObjects.get(bed, ns, kind, name);
  }

  private static String resourceVersion(String kind, String name) {
    return BedObjects.resourceVersion(bed, bed.namespace(), kind, name);
  }

  private static List<String> peers(String name) {
    return BedObjects.peers(get(bed.namespace(), "networkpolicy", name));
  }

  private static JsonObject fqdn(String resource, String name) {
    return fqdn(bed.namespace(), resource, name);
  }

  private static JsonObject fqdn(String ns, String resource, String name) {
    return BedObjects.fqdn(get(ns, "fqdn", resource).getAsJsonObject("status"), name);
  }

  private static JsonObject condition(String resource, String type) {
    return BedObjects.condition(
        get(bed.namespace(), "fqdn", resource).getAsJsonObject("status"), type);
  }

  private static String events(String name) {
    return BedObjects.eventReasons(bed, bed.namespace(), name);
  }

  private static int count(String text, String word) {
    int count = 0;
    for (String token : text.split("\\s+")) {
      if (token.equals(word)) {
        count++;
      }
    }
    return count;
  }
}
