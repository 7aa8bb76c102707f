package io.fqdnjob.policy;

import static io.fqdnjob.policy.PolicyFixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fqdnjob.model.Condition;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.FqdnStatus;
import io.fqdnjob.model.ResolveReason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {
  private static final Instant EARLIER = Instant.parse("2026-02-01T00:00:00Z");

  private static FqdnStatus name(String fqdn, ResolveReason reason) {
    return new FqdnStatus(fqdn, null, null, reason, fqdn + " says " + reason, List.of());
  }

  private static FqdnNetworkPolicyStatus previously(Condition... conditions) {
    return new FqdnNetworkPolicyStatus(List.of(conditions), List.of(), 0, 0, EARLIER, 1L);
  }

  @Test
  void resolveIsTrueWhenEveryNameSucceeded() {
    Condition resolve =
        Conditions.resolve(
            List.of(
                name("a.example.com", ResolveReason.SUCCESS),
                name("b.example.com", ResolveReason.SUCCESS)),
            FqdnNetworkPolicyStatus.EMPTY,
            5,
            T0);

    assertEquals(
        new Condition("Resolve", "True", "SUCCESS", "all 2 names resolved", T0, 5L), resolve);
  }

  @Test
  void resolveIsFalseWithTheHighestPriorityReasonAndItsMessage() {
    List<FqdnStatus> names =
        List.of(
            name("a.example.com", ResolveReason.TIMEOUT),
            name("b.example.com", ResolveReason.SUCCESS),
            name("c.example.com", ResolveReason.NODATA),
            name("d.example.com", ResolveReason.NXDOMAIN),
            name("e.example.com", ResolveReason.UNKNOWN));

    Condition resolve = Conditions.resolve(names, FqdnNetworkPolicyStatus.EMPTY, 5, T0);

    assertEquals("False", resolve.status());
    assertEquals("NXDOMAIN", resolve.reason());
    assertEquals(
        "4 of 5 names did not resolve; d.example.com: d.example.com says NXDOMAIN",
        resolve.message());
    assertEquals(5L, resolve.observedGeneration());
  }

  @Test
  void everyReasonOutranksTheOnesAfterItInTheResolveCondition() {
    List<ResolveReason> order =
        List.of(
            ResolveReason.OTHER_ERROR,
            ResolveReason.INVALID_DOMAIN,
            ResolveReason.NXDOMAIN,
            ResolveReason.NODATA,
            ResolveReason.TIMEOUT,
            ResolveReason.TEMPORARY,
            ResolveReason.UNKNOWN);
    for (int i = 0; i < order.size(); i++) {
      List<FqdnStatus> names = new ArrayList<>();
      for (int j = i; j < order.size(); j++) {
        names.add(name("n" + j + ".example.com", order.get(j)));
      }
      Collections.reverse(names);

      Condition resolve = Conditions.resolve(names, FqdnNetworkPolicyStatus.EMPTY, 1, T0);

      assertEquals(
          order.get(i).name(), resolve.reason(), "among " + order.subList(i, order.size()));
    }
  }

  @Test
  void firstNameInSpecOrderSpeaksForATie() {
    Condition resolve =
        Conditions.resolve(
            List.of(
                name("b.example.com", ResolveReason.TIMEOUT),
                name("a.example.com", ResolveReason.TIMEOUT)),
            FqdnNetworkPolicyStatus.EMPTY,
            1,
            T0);

    assertEquals(
        "2 of 2 names did not resolve; b.example.com: b.example.com says TIMEOUT",
        resolve.message());
  }

  @Test
  void transitionTimeIsKeptWhileTheStatusStaysTheSame() {
    FqdnNetworkPolicyStatus previous =
        previously(new Condition("Resolve", "False", "TIMEOUT", "old", EARLIER, 4L));

    Condition resolve =
        Conditions.resolve(List.of(name("a.example.com", ResolveReason.NXDOMAIN)), previous, 5, T0);

    assertEquals("NXDOMAIN", resolve.reason(), "the reason changes with the status unchanged");
    assertEquals(EARLIER, resolve.lastTransitionTime());
    assertEquals(5L, resolve.observedGeneration(), "observedGeneration always moves");
  }

  @Test
  void transitionTimeMovesWhenTheStatusChanges() {
    FqdnNetworkPolicyStatus previous =
        previously(new Condition("Resolve", "False", "TIMEOUT", "old", EARLIER, 4L));

    Condition resolve =
        Conditions.resolve(List.of(name("a.example.com", ResolveReason.SUCCESS)), previous, 5, T0);

    assertEquals(T0, resolve.lastTransitionTime());
  }

  @Test
  void previousConditionWithoutTransitionTimeGetsOneNow() {
    FqdnNetworkPolicyStatus previous =
        previously(new Condition("Ready", "True", "Ready", "", null, 4L));

    Condition ready = Conditions.ready(true, Conditions.READY, "ok", previous, 5, T0);

    assertEquals(T0, ready.lastTransitionTime());
  }

  @Test
  void onlyTheConditionOfTheSameTypeIsCarried() {
    FqdnNetworkPolicyStatus previous =
        previously(new Condition("Resolve", "True", "SUCCESS", "", EARLIER, 4L));

    Condition ready = Conditions.ready(true, Conditions.READY, "ok", previous, 5, T0);

    assertEquals(T0, ready.lastTransitionTime());
  }

  @Test
  void readyReasonsAreReadyEmptyRulesAndFailed() {
    assertEquals("Ready", Conditions.READY);
    assertEquals("EmptyRules", Conditions.EMPTY_RULES);
    assertEquals("Failed", Conditions.FAILED);
  }

  @Test
  void readyCarriesItsOutcome() {
    FqdnNetworkPolicyStatus previous =
        previously(new Condition("Ready", "True", "Ready", "allows 3", EARLIER, 4L));

    Condition empty = Conditions.ready(true, Conditions.EMPTY_RULES, "deny-all", previous, 5, T0);
    Condition failed = Conditions.ready(false, Conditions.FAILED, "forbidden", previous, 5, T0);

    assertEquals(new Condition("Ready", "True", "EmptyRules", "deny-all", EARLIER, 5L), empty);
    assertEquals(new Condition("Ready", "False", "Failed", "forbidden", T0, 5L), failed);
  }
}
