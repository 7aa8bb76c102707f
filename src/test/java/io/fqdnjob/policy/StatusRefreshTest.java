package io.fqdnjob.policy;

import static io.fqdnjob.policy.PolicyFixtures.T0;
import static io.fqdnjob.policy.PolicyFixtures.rule;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.fqdnjob.model.AddressFamily;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicySpec;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.NetworkType;
import io.fqdnjob.model.ResolveReason;
import io.fqdnjob.model.ResourceId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class StatusRefreshTest {
  private static final Duration HOUR = Duration.ofHours(1);
  private static final String NAME = "api.example.com";
  private static final String UID = "0c4b2f5e-9a57-4f5b-8d0c-3f1c2a9e7b11";

  private static FqdnNetworkPolicySpec spec(int retry, int seenRetention, boolean followTtl) {
    return new FqdnNetworkPolicySpec(
        new JsonObject(),
        List.of(rule(NAME)),
        NetworkType.IPV4,
        60,
        3,
        retry,
        false,
        seenRetention,
        FqdnNetworkPolicySpec.DEFAULT_MAX_ADDRESSES_PER_FQDN,
        followTtl);
  }

  private static FqdnNetworkPolicy resource(
      FqdnNetworkPolicySpec spec, FqdnNetworkPolicyStatus status) {
    return new FqdnNetworkPolicy(new ResourceId("shop", "api"), UID, 1, Map.of(), spec, status);
  }

  private static NameLookup answer(String server, long ttl, String... addresses) {
    return NameLookup.success(
        java.util.Arrays.stream(addresses).map(CidrTest::ip).toList(),
        NAME + ": " + addresses.length + " addresses from " + server,
        ttl);
  }

  /** The status a run at {@code now} writes for {@code resource} with {@code lookup}. */
  private static FqdnNetworkPolicyStatus after(
      FqdnNetworkPolicy resource, NameLookup lookup, Duration lag, Instant now) {
    RetainedNames names =
        ResourcePlan.retain(resource, fqdn -> Map.of(AddressFamily.IPV4, lookup), lag, now);
    return ResourcePlan.render(names, AddressFilter.defaults()).appliedStatus();
  }

  private static final FqdnNetworkPolicySpec SPEC = spec(3600, 0, false);

  /** The resource as a run at T0 left it: one name, two addresses. */
  private static FqdnNetworkPolicy writtenAtT0() {
    FqdnNetworkPolicy empty = resource(SPEC, FqdnNetworkPolicyStatus.EMPTY);
    return resource(
        SPEC, after(empty, answer("10.0.0.10:53", 300, "192.0.2.1", "192.0.2.2"), HOUR, T0));
  }

  /** Returns the first whole second after {@code recorded} at which the resource's turn comes. */
  private static Instant firstTurn(String uid, Duration interval, Instant recorded) {
    for (long s = 1; s <= interval.toSeconds() + 1; s++) {
      if (StatusRefresh.turnPassed(uid, interval, recorded, recorded.plusSeconds(s))) {
        return recorded.plusSeconds(s);
      }
    }
    throw new AssertionError("no turn within one interval");
  }

  @Test
  void onlyTimesMovedIsNotWrittenUntilTheResourcesTurnWithinOneInterval() {
    StatusRefresh refresh = new StatusRefresh(HOUR);
    FqdnNetworkPolicy resource = writtenAtT0();
    Instant turn = firstTurn(UID, HOUR, T0);
    assertFalse(turn.isAfter(T0.plus(HOUR)), "the turn comes within one interval");

    Instant before = turn.minusSeconds(1);
    FqdnNetworkPolicyStatus same =
        after(resource, answer("10.0.0.10:53", 300, "192.0.2.1", "192.0.2.2"), HOUR, before);
    assertEquals(StatusRefresh.Decision.UNCHANGED, refresh.decide(resource, same, before));

    FqdnNetworkPolicyStatus atTurn =
        after(resource, answer("10.0.0.10:53", 300, "192.0.2.1", "192.0.2.2"), HOUR, turn);
    assertEquals(StatusRefresh.Decision.REFRESH, refresh.decide(resource, atTurn, turn));
  }

  @Test
  void aChangedAddressIsWrittenAtOnce() {
    StatusRefresh refresh = new StatusRefresh(HOUR);
    FqdnNetworkPolicy resource = writtenAtT0();
    Instant now = T0.plusSeconds(60);
    FqdnNetworkPolicyStatus changed =
        after(resource, answer("10.0.0.10:53", 300, "192.0.2.1", "192.0.2.3"), HOUR, now);
    assertEquals(StatusRefresh.Decision.CHANGED, refresh.decide(resource, changed, now));
  }

  @Test
  void anotherServerOrRecordTtlInASuccessIsNoChangeUnlessTheResourceFollowsRecordTtls() {
    StatusRefresh refresh = new StatusRefresh(HOUR);
    FqdnNetworkPolicy resource = writtenAtT0();
    Instant now = T0.plusSeconds(1);
    FqdnNetworkPolicyStatus otherServer =
        after(resource, answer("10.0.0.11:53", 299, "192.0.2.1", "192.0.2.2"), HOUR, now);
    assertEquals(StatusRefresh.Decision.UNCHANGED, refresh.decide(resource, otherServer, now));

    FqdnNetworkPolicySpec following = spec(3600, 0, true);
    FqdnNetworkPolicy follows = resource(following, resource.status());
    FqdnNetworkPolicyStatus shorterTtl =
        after(follows, answer("10.0.0.10:53", 30, "192.0.2.1", "192.0.2.2"), HOUR, now);
    assertEquals(StatusRefresh.Decision.CHANGED, refresh.decide(follows, shorterTtl, now));
  }

  @Test
  void aFailureIsWrittenAtOnceAndAChangedFailureMessageToo() {
    StatusRefresh refresh = new StatusRefresh(HOUR);
    FqdnNetworkPolicy resource = writtenAtT0();
    Instant now = T0.plusSeconds(60);
    RetainedNames failing =
        ResourcePlan.retain(
            resource,
            fqdn ->
                Map.of(
                    AddressFamily.IPV4,
                    NameLookup.failure(ResolveReason.TEMPORARY, "SERVFAIL from 10.0.0.10:53")),
            HOUR,
            now);
    FqdnNetworkPolicyStatus failed =
        ResourcePlan.render(failing, AddressFilter.defaults()).appliedStatus();
    assertEquals(StatusRefresh.Decision.CHANGED, refresh.decide(resource, failed, now));
    assertEquals(
        List.of("192.0.2.1/32", "192.0.2.2/32"),
        failed.fqdns().get(0).addresses(),
        "kept within the retry window");
  }

  @Test
  void aZeroIntervalWritesEveryRun() {
    FqdnNetworkPolicy resource = writtenAtT0();
    Instant now = T0.plusSeconds(1);
    FqdnNetworkPolicyStatus same =
        after(resource, answer("10.0.0.10:53", 300, "192.0.2.1", "192.0.2.2"), Duration.ZERO, now);
    assertEquals(
        StatusRefresh.Decision.REFRESH, StatusRefresh.EVERY_RUN.decide(resource, same, now));
  }

  @Test
  void turnsOfResourcesCreatedTogetherAreSpreadOverTheInterval() {
    int resources = 6000;
    Map<Long, Integer> perMinute = new HashMap<>();
    for (int i = 0; i < resources; i++) {
      String uid = UUID.nameUUIDFromBytes(("r" + i).getBytes(StandardCharsets.UTF_8)).toString();
      long minute = 1;
      while (!StatusRefresh.turnPassed(uid, HOUR, T0, T0.plus(Duration.ofMinutes(minute)))) {
        minute++;
      }
      assertTrue(minute <= 60, "a turn within the hour");
      perMinute.merge(minute, 1, Integer::sum);
    }
    // Runs once a minute: each of the 60 runs of the hour refreshes about 100 of the 6000.
    assertEquals(60, perMinute.size(), perMinute.toString());
    perMinute.values().forEach(n -> assertTrue(n > 50 && n < 150, perMinute.toString()));
  }

  @Test
  void anAddressSeenAgainAfterAWholeIntervalIsWritten() {
    Duration window = Duration.ofMinutes(30);
    FqdnNetworkPolicySpec rotating = spec(3600, (int) window.toSeconds(), false);
    StatusRefresh refresh = new StatusRefresh(Duration.ofMinutes(10));
    FqdnNetworkPolicy empty = resource(rotating, FqdnNetworkPolicyStatus.EMPTY);
    Duration lag = refresh.lag(rotating);
    // At T0 the answer is .1 and .2; from then on .2 only, so .1 stays by the seen window.
    FqdnNetworkPolicy atT0 =
        resource(rotating, after(empty, answer("s", 300, "192.0.2.1", "192.0.2.2"), lag, T0));
    Instant t1 = T0.plusSeconds(60);
    FqdnNetworkPolicy atT1 =
        resource(rotating, after(atT0, answer("s", 300, "192.0.2.2"), lag, t1));
    // .1 answers again 10 minutes after it was last recorded: moving its lastSeenTime by a whole
    // interval is worth a write, whatever the resource's turn.
    Instant later = T0.plus(Duration.ofMinutes(10));
    FqdnNetworkPolicyStatus seenAgain =
        after(atT1, answer("s", 300, "192.0.2.1", "192.0.2.2"), lag, later);
    assertEquals(
        atT1.status().fqdns().get(0).addresses(),
        seenAgain.fqdns().get(0).addresses(),
        "the same addresses");
    assertTrue(refresh.decide(atT1, seenAgain, later).write());
  }

  @Test
  void theIntervalIsClampedToAShorterRetryOrSeenAddressWindow() {
    StatusRefresh refresh = new StatusRefresh(HOUR);
    assertEquals(HOUR, refresh.intervalFor(spec(3600, 0, false)));
    assertFalse(refresh.isClamped(spec(3600, 0, false)));
    assertEquals(Duration.ofSeconds(300), refresh.intervalFor(spec(300, 0, false)));
    assertEquals(Duration.ofSeconds(120), refresh.intervalFor(spec(300, 120, false)));
    assertTrue(refresh.isClamped(spec(300, 0, false)));
    assertEquals(HOUR, refresh.intervalFor(spec(0, 0, false)), "a zero window keeps nothing");
    assertEquals(Duration.ZERO, StatusRefresh.EVERY_RUN.intervalFor(spec(300, 120, false)));
  }
}
