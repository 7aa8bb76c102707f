package io.fqdnjob.policy;

import static io.fqdnjob.policy.PolicyFixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fqdnjob.model.Condition;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.FqdnStatus;
import io.fqdnjob.model.ResolveReason;
import io.fqdnjob.model.SeenAddress;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusTimesTest {
  private static final Instant SOON = T0.plus(StatusTimes.TOLERANCE);
  private static final Instant FAR = T0.plusSeconds(86_400 * 365);

  @Test
  void pastTimesAreKeptAsTheyAre() {
    assertEquals(T0.minusSeconds(5), StatusTimes.trusted(T0.minusSeconds(5), T0));
    assertEquals(T0, StatusTimes.trusted(T0, T0));
    assertNull(StatusTimes.trusted((Instant) null, T0));
  }

  @Test
  void aTimeWithinTheToleranceAheadReadsAsNow() {
    assertEquals(T0, StatusTimes.trusted(SOON, T0));
  }

  @Test
  void aTimeFurtherAheadIsDropped() {
    assertNull(StatusTimes.trusted(SOON.plusSeconds(1), T0));
  }

  @Test
  void everyTimeOfAStatusIsChecked() {
    FqdnStatus name =
        new FqdnStatus(
            "a.example.com",
            FAR,
            FAR,
            ResolveReason.SUCCESS,
            "planted",
            List.of("192.0.2.1/32", "192.0.2.2/32"),
            List.of(new SeenAddress("192.0.2.1/32", FAR), new SeenAddress("192.0.2.2/32", T0)),
            null,
            null);
    FqdnNetworkPolicyStatus status =
        new FqdnNetworkPolicyStatus(
            List.of(new Condition("Ready", "True", "Ready", "ok", FAR, 1L)),
            List.of(name),
            2,
            2,
            FAR,
            1L);

    FqdnNetworkPolicyStatus trusted = StatusTimes.trusted(status, T0);

    assertNull(trusted.latestLookupTime(), "due again rather than never");
    FqdnStatus checked = trusted.fqdns().get(0);
    assertNull(checked.lastSuccessfulTime(), "no retention from a success that cannot be");
    assertNull(checked.lastTransitionTime());
    assertEquals(List.of(new SeenAddress("192.0.2.2/32", T0)), checked.seenAddresses());
    assertEquals(name.addresses(), checked.addresses());
    assertNull(trusted.conditions().get(0).lastTransitionTime());
  }

  @Test
  void aStatusWithNothingAheadIsReturnedAsIs() {
    FqdnNetworkPolicyStatus status =
        new FqdnNetworkPolicyStatus(List.of(), List.of(), 0, 0, T0, 1L);
    assertSame(status, StatusTimes.trusted(status, T0.plusSeconds(1)));
  }
}
