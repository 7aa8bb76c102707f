package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.fqdnjob.policy.StatusRefresh;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No status write without a change ({@code --status-refresh}), on the real bed with a clock the
 * test moves: at rest nothing is written until a resource's refresh turn, a change is written at
 * once, turns of resources created together are spread, and retention stays within its stated bound
 * although the recorded times are older than the lookups.
 */
@ExtendWith(TestBedExtension.class)
class StatusRefreshIT {
  private static TestBed bed;
  private static BedNamespace objects;

  @BeforeAll
  static void setUp(TestBed testBed) {
    bed = testBed;
    objects = new BedNamespace(bed);
    bed.installCrd();
  }

  @Test
  void atRestNothingIsWrittenUntilTheResourcesTurnAndAChangeIsWrittenAtOnce() throws Exception {
    String name = bed.zone().uniqueName("rest");
    bed.zone().setA(name, "198.51.100.31");
    create("rest", "ttlSeconds: 60\n", name);
    InProcessRun run = new InProcessRun(bed, InProcessRun.TestClock.atNow());
    Instant t0 = run.clock.instant();
    assertEquals(1, run.policies("rest").statusWrites());
    String policyVersion = resourceVersion("networkpolicy", "rest");
    String statusVersion = resourceVersion("fqdn", "rest");
    // The first turn at which the resource is due again (ttlSeconds 60): a turn that the uid's
    // hash puts within the first minute finds it not due, and the refresh waits for the next.
    Instant due = t0.plusSeconds(60);
    Instant turn =
        StatusRefresh.turnAfter(uid("rest"), StatusRefresh.DEFAULT_INTERVAL, due.minusSeconds(1));
    assertTrue(!turn.isAfter(due.plus(StatusRefresh.DEFAULT_INTERVAL)), turn.toString());

    // DNS unchanged: resolved, nothing written, up to the second before the turn. The recorded
    // lookup time only makes the resource due sooner: one TTL after it, it is due.
    List<Instant> atRest = new ArrayList<>();
    for (Instant at : List.of(t0.plusSeconds(61), turn.minusSeconds(1))) {
      if (at.isAfter(t0) && at.isBefore(turn) && !atRest.contains(at)) {
        atRest.add(at);
      }
    }
    atRest.sort(null);
    for (Instant at : atRest) {
      run.clock.set(at);
      RunSummary rest = run.policies("rest");
      if (!at.isBefore(t0.plusSeconds(60))) {
        assertEquals(1, rest.due(), rest.toString());
      }
      assertEquals(0, rest.statusWrites(), rest.toString());
      assertEquals(0, rest.networkPolicyWrites(), rest.toString());
    }
    assertEquals(statusVersion, resourceVersion("fqdn", "rest"), "the resource was not written");
    assertEquals(policyVersion, resourceVersion("networkpolicy", "rest"));
    assertEquals(t0.toString(), status("rest").get("latestLookupTime").getAsString());

    run.clock.set(turn);
    RunSummary refreshed = run.policies("rest");
    assertEquals(1, refreshed.statusWrites(), refreshed.toString());
    assertEquals(1, refreshed.statusRefreshes(), refreshed.toString());
    assertEquals(turn.toString(), status("rest").get("latestLookupTime").getAsString());

    // A new address is written in the next run, whatever the turn.
    bed.zone().setA(name, "198.51.100.32");
    run.clock.advance(Duration.ofSeconds(61));
    RunSummary changed = run.policies("rest");
    assertEquals(1, changed.statusWrites(), changed.toString());
    assertEquals(0, changed.statusRefreshes(), changed.toString());
    assertEquals(1, changed.networkPolicyWrites(), changed.toString());
    assertEquals(List.of("198.51.100.32/32"), BedObjects.peers(get("networkpolicy", "rest")));
    assertEquals(
        run.clock.instant().toString(), status("rest").get("latestLookupTime").getAsString());
  }

  @Test
  void resourcesCreatedTogetherRefreshInDifferentRunsEachOncePerInterval() throws Exception {
    String name = bed.zone().uniqueName("together");
    bed.zone().setA(name, "198.51.100.33");
    int resources = 12;
    List<String> names = new ArrayList<>();
    for (int i = 0; i < resources; i++) {
      names.add("together-" + i);
      create("together-" + i, "", name);
    }
    Duration interval = Duration.ofMinutes(10);
    InProcessRun run = new InProcessRun(bed, InProcessRun.TestClock.atNow());
    run.statusRefresh = interval;
    run.force = true;
    Instant t0 = run.clock.instant();
    assertEquals(resources, run.policies(names.toArray(String[]::new)).statusWrites());

    // The turn of each resource, by the minute whose run takes it.
    Map<Long, Integer> expected = new TreeMap<>();
    for (String resource : names) {
      Instant turn = StatusRefresh.turnAfter(uid(resource), interval, t0);
      long minute = (Duration.between(t0, turn).toMillis() + 59_999) / 60_000;
      expected.merge(minute, 1, Integer::sum);
    }
    Map<Long, Integer> refreshed = new TreeMap<>();
    for (long minute = 1; minute <= 10; minute++) {
      run.clock.set(t0.plus(Duration.ofMinutes(minute)));
      RunSummary summary = run.policies(names.toArray(String[]::new));
      assertEquals(summary.statusRefreshes(), summary.statusWrites(), summary.toString());
      if (summary.statusRefreshes() > 0) {
        refreshed.put(minute, summary.statusRefreshes());
      }
    }
    assertEquals(expected, refreshed, "each resource refreshed once, at its own turn");
    assertTrue(refreshed.size() > 1, "not all in one run: " + refreshed);
  }

  @Test
  void addressesOfAFailingNameStayAtLeastTheRetryWindowAfterTheLastSuccessAtMostOneIntervalMore()
      throws Exception {
    String name = bed.zone().uniqueName("bound");
    bed.zone().setA(name, "198.51.100.34");
    // A retry window shorter than --status-refresh: the refresh interval is clamped to it.
    Duration retry = Duration.ofSeconds(600);
    create("bound", "ttlSeconds: 60\nretryTimeoutSeconds: 600\n", name);
    InProcessRun run = new InProcessRun(bed, InProcessRun.TestClock.atNow());
    run.force = true; // every run looks the name up, whatever the TTL
    Instant t0 = run.clock.instant();
    run.policies("bound");
    Instant turn = StatusRefresh.turnAfter(uid("bound"), retry, t0);

    // The last successful lookup is the second before the turn: it is not recorded.
    Instant lastSuccess = turn.minusSeconds(1);
    if (lastSuccess.isAfter(t0)) {
      run.clock.set(lastSuccess);
      assertEquals(0, run.policies("bound").statusWrites());
    } else {
      lastSuccess = t0;
    }
    assertEquals(
        t0.toString(),
        BedObjects.fqdn(status("bound"), name).get("lastSuccessfulTime").getAsString());

    // From now on the name fails transiently (its CNAME leads to a zone that answers SERVFAIL).
    bed.zone().delete(name);
    bed.zone().setCname(name, bed.zone().servfailName());

    // At least the retry window after the true last success: still allowed.
    run.clock.set(lastSuccess.plus(retry).minusSeconds(1));
    RunSummary failing = run.policies("bound");
    assertEquals(1, failing.statusWrites(), "a new reason is written: " + failing);
    JsonObject entry = BedObjects.fqdn(status("bound"), name);
    assertTrue(!"SUCCESS".equals(entry.get("resolveReason").getAsString()), entry.toString());
    assertEquals(List.of("198.51.100.34/32"), BedObjects.peers(get("networkpolicy", "bound")));

    // Until the recorded success plus the window plus one interval; not a second longer.
    Instant end = t0.plus(retry).plus(retry);
    assertTrue(!end.isAfter(lastSuccess.plus(retry).plus(retry)), "within the stated bound");
    run.clock.set(end.minusSeconds(1));
    run.policies("bound");
    assertEquals(List.of("198.51.100.34/32"), BedObjects.peers(get("networkpolicy", "bound")));
    run.clock.set(end);
    RunSummary expired = run.policies("bound");
    assertEquals(1, expired.networkPolicyWrites(), expired.toString());
    assertEquals(List.of(), BedObjects.peers(get("networkpolicy", "bound")));
    assertTrue(events("bound").contains("AddressesExpired"), events("bound"));
  }

  @Test
  void aZeroRefreshIntervalWritesEveryStatusOnEveryRun() throws Exception {
    String name = bed.zone().uniqueName("every");
    bed.zone().setA(name, "198.51.100.35");
    create("every", "", name);
    InProcessRun run = new InProcessRun(bed, InProcessRun.TestClock.atNow());
    run.statusRefresh = Duration.ZERO;
    run.force = true;
    run.policies("every");
    run.clock.advance(Duration.ofSeconds(1));
    RunSummary again = run.policies("every");
    assertEquals(1, again.statusWrites(), again.toString());
    assertEquals(
        run.clock.instant().toString(), status("every").get("latestLookupTime").getAsString());
  }

  // --- helpers

  private static void create(String resource, String fields, String fqdn) {
    objects.create(resource, fields, fqdn);
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
}
