package io.fqdnjob.policy;

import static io.fqdnjob.policy.PolicyFixtures.T0;
import static io.fqdnjob.policy.PolicyFixtures.lookedUp;
import static io.fqdnjob.policy.PolicyFixtures.policy;
import static io.fqdnjob.policy.PolicyFixtures.rule;
import static io.fqdnjob.policy.PolicyFixtures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.fqdnjob.model.Condition;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicySpec;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.FqdnStatus;
import io.fqdnjob.model.NetworkType;
import io.fqdnjob.model.ResolveReason;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DueCheckTest {
  private static final DueCheck NO_SLACK = new DueCheck(Duration.ZERO, false);

  /** Generation 3, TTL 60 s, last looked up at T0 with generation 3 observed. */
  private static FqdnNetworkPolicy upToDate() {
    return policy(3, spec(NetworkType.IPV4, 60, 3600, rule("a.example.com")), lookedUp(T0, 3L));
  }

  @Test
  void neverLookedUpIsDue() {
    FqdnNetworkPolicy fresh =
        policy(
            1,
            spec(NetworkType.IPV4, 60, 3600, rule("a.example.com")),
            FqdnNetworkPolicyStatus.EMPTY);

    assertEquals("never looked up", NO_SLACK.dueReason(fresh, T0));
    assertEquals(Instant.EPOCH, DueCheck.nextDue(fresh));
  }

  @Test
  void aResourceWhosePolicyWasNotAppliedIsDueWithinItsTtl() {
    FqdnNetworkPolicyStatus refused =
        new FqdnNetworkPolicyStatus(
            List.of(new Condition("Ready", "False", "Failed", "denied by a webhook", T0, 3L)),
            List.of(),
            0,
            0,
            T0,
            3L);
    FqdnNetworkPolicy policy =
        policy(3, spec(NetworkType.IPV4, 60, 3600, rule("a.example.com")), refused);

    assertEquals(
        "the last run could not apply its NetworkPolicy",
        NO_SLACK.dueReason(policy, T0.plusSeconds(1)));
  }

  @Test
  void withinTtlIsNotDue() {
    assertNull(NO_SLACK.dueReason(upToDate(), T0.plusSeconds(59)));
    assertFalse(NO_SLACK.isDue(upToDate(), T0.plusSeconds(59)));
  }

  @Test
  void ttlPassedIsDueExactlyAtTheBoundary() {
    assertEquals("TTL passed", NO_SLACK.dueReason(upToDate(), T0.plusSeconds(60)));
    assertTrue(NO_SLACK.isDue(upToDate(), T0.plusSeconds(61)));
    assertEquals(T0.plusSeconds(60), DueCheck.nextDue(upToDate()));
  }

  @Test
  void slackMakesARunThatStartedEarlyFindTheResourceDue() {
    DueCheck slack = new DueCheck(Duration.ofSeconds(5), false);

    assertNull(slack.dueReason(upToDate(), T0.plusSeconds(54)));
    assertEquals("TTL passed", slack.dueReason(upToDate(), T0.plusSeconds(55)));
  }

  @Test
  void ttlOfTheSpecIsUsed() {
    FqdnNetworkPolicy slow =
        policy(3, spec(NetworkType.IPV4, 300, 3600, rule("a.example.com")), lookedUp(T0, 3L));

    assertFalse(NO_SLACK.isDue(slow, T0.plusSeconds(299)));
    assertTrue(NO_SLACK.isDue(slow, T0.plusSeconds(300)));
  }

  @Test
  void changedSpecIsDueAtOnce() {
    FqdnNetworkPolicy edited =
        policy(4, spec(NetworkType.IPV4, 60, 3600, rule("a.example.com")), lookedUp(T0, 3L));

    assertEquals("spec changed (generation 4)", NO_SLACK.dueReason(edited, T0.plusSeconds(1)));
  }

  @Test
  void statusWithoutObservedGenerationIsDue() {
    FqdnNetworkPolicy legacy =
        policy(3, spec(NetworkType.IPV4, 60, 3600, rule("a.example.com")), lookedUp(T0, null));

    assertTrue(NO_SLACK.isDue(legacy, T0.plusSeconds(1)));
  }

  @Test
  void largeGenerationsAreComparedByValue() {
    long generation = 1_000_000L;
    FqdnNetworkPolicy policy =
        policy(
            generation,
            spec(NetworkType.IPV4, 60, 3600, rule("a.example.com")),
            lookedUp(T0, Long.valueOf(generation)));

    assertNull(NO_SLACK.dueReason(policy, T0.plusSeconds(1)));
  }

  @Test
  void forceMakesEverythingDue() {
    DueCheck force = new DueCheck(Duration.ZERO, true);

    assertEquals("forced", force.dueReason(upToDate(), T0.plusSeconds(1)));
    assertEquals("forced", force.dueReason(upToDate(), T0));
  }

  @Test
  void slackIsRequired() {
    assertThrows(NullPointerException.class, () -> new DueCheck(null, false));
  }

  // ---- record TTL ----

  /** A spec with {@code ttl}, following record TTLs or not. */
  private static FqdnNetworkPolicySpec following(boolean follow, int ttl) {
    return new FqdnNetworkPolicySpec(
        new JsonObject(),
        List.of(rule("a.example.com", "b.example.com", "c.example.com")),
        NetworkType.IPV4,
        ttl,
        3,
        3600,
        false,
        0,
        100,
        follow);
  }

  private static FqdnStatus withRecordTtl(String name, Long recordTtl) {
    return new FqdnStatus(
        name,
        T0,
        T0,
        ResolveReason.SUCCESS,
        "",
        List.of("192.0.2.1/32"),
        List.of(),
        recordTtl,
        null);
  }

  private static FqdnNetworkPolicyStatus recordTtls(Long... ttls) {
    FqdnStatus[] names = new FqdnStatus[ttls.length];
    for (int i = 0; i < ttls.length; i++) {
      names[i] = withRecordTtl("n" + i + ".example.com", ttls[i]);
    }
    return lookedUp(T0, 3L, names);
  }

  @Test
  void withoutFollowRecordTtlTheSpecTtlIsUsed() {
    assertEquals(
        Duration.ofSeconds(60), DueCheck.effectiveTtl(following(false, 60), recordTtls(10L)));
  }

  @Test
  void smallestRecordTtlOfTheNamesIsUsedWhenShorter() {
    assertEquals(
        Duration.ofSeconds(20),
        DueCheck.effectiveTtl(following(true, 60), recordTtls(45L, null, 20L, 300L)));
  }

  @Test
  void recordTtlLongerThanTheSpecTtlGivesTheSpecTtl() {
    assertEquals(
        Duration.ofSeconds(60), DueCheck.effectiveTtl(following(true, 60), recordTtls(300L)));
    assertEquals(
        Duration.ofSeconds(60), DueCheck.effectiveTtl(following(true, 60), recordTtls(60L)));
  }

  @Test
  void recordTtlIsNeverFollowedBelowFiveSeconds() {
    assertEquals(Duration.ofSeconds(5), DueCheck.effectiveTtl(following(true, 60), recordTtls(0L)));
    assertEquals(Duration.ofSeconds(5), DueCheck.effectiveTtl(following(true, 60), recordTtls(4L)));
    assertEquals(Duration.ofSeconds(6), DueCheck.effectiveTtl(following(true, 60), recordTtls(6L)));
  }

  @Test
  void noKnownRecordTtlGivesTheSpecTtl() {
    assertEquals(
        Duration.ofSeconds(60), DueCheck.effectiveTtl(following(true, 60), recordTtls(null, null)));
    assertEquals(
        Duration.ofSeconds(60),
        DueCheck.effectiveTtl(following(true, 60), FqdnNetworkPolicyStatus.EMPTY));
  }

  @Test
  void nextDueAndDueReasonFollowTheRecordTtl() {
    FqdnNetworkPolicy policy = policy(3, following(true, 60), recordTtls(15L));

    assertEquals(T0.plusSeconds(15), DueCheck.nextDue(policy));
    assertNull(NO_SLACK.dueReason(policy, T0.plusSeconds(14)));
    assertEquals("TTL passed", NO_SLACK.dueReason(policy, T0.plusSeconds(15)));
  }

  @Test
  void nextDueIgnoresRecordTtlsUnlessFollowed() {
    FqdnNetworkPolicy policy = policy(3, following(false, 60), recordTtls(15L));

    assertEquals(T0.plusSeconds(60), DueCheck.nextDue(policy));
    assertFalse(NO_SLACK.isDue(policy, T0.plusSeconds(15)));
  }
}
