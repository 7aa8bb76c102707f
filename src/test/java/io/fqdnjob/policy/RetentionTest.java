package io.fqdnjob.policy;

import static io.fqdnjob.policy.CidrTest.ip;
import static io.fqdnjob.policy.PolicyFixtures.T0;
import static io.fqdnjob.policy.PolicyFixtures.fqdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.model.AddressFamily;
import io.fqdnjob.model.FqdnStatus;
import io.fqdnjob.model.ResolveReason;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RetentionTest {
  private static final String NAME = "api.example.com";
  private static final Duration HOUR = Duration.ofHours(1);
  private static final Set<AddressFamily> V4 = EnumSet.of(AddressFamily.IPV4);
  private static final Set<AddressFamily> BOTH = EnumSet.allOf(AddressFamily.class);

  /** Resolved at T0 to two IPv4 addresses. */
  private static final FqdnStatus RESOLVED_AT_T0 =
      fqdn(NAME, T0, ResolveReason.SUCCESS, "198.51.100.1/32", "198.51.100.2/32");

  private static NameLookup ok(String... addresses) {
    List<InetAddress> parsed = Stream.of(addresses).map(CidrTest::ip).toList();
    return NameLookup.success(parsed, "answered " + String.join(",", addresses));
  }

  private static NameLookup failed(ResolveReason reason) {
    return NameLookup.failure(reason, reason + " from 10.96.0.10");
  }

  private static Retention.Outcome v4(FqdnStatus previous, NameLookup lookup, Instant now) {
    return Retention.next(NAME, previous, V4, Map.of(AddressFamily.IPV4, lookup), HOUR, now);
  }

  @Test
  void successReplacesAddressesAndSetsLastSuccessfulTime() {
    Instant now = T0.plusSeconds(60);

    Retention.Outcome outcome = v4(RESOLVED_AT_T0, ok("203.0.113.7", "203.0.113.5"), now);

    FqdnStatus status = outcome.status();
    assertTrue(outcome.changed());
    assertEquals(NAME, status.fqdn());
    assertEquals(ResolveReason.SUCCESS, status.resolveReason());
    assertEquals(List.of("203.0.113.5/32", "203.0.113.7/32"), status.addresses());
    assertEquals(now, status.lastSuccessfulTime());
    assertEquals(List.of(), outcome.expiredAddresses(), "replaced addresses are not expired ones");
  }

  @Test
  void successSortsIpv4FirstThenByNumericAddress() {
    Retention.Outcome outcome =
        Retention.next(
            NAME,
            null,
            BOTH,
            Map.of(
                AddressFamily.IPV6, ok("2001:db8::10", "2001:db8::9"),
                AddressFamily.IPV4, ok("203.0.113.10", "203.0.113.9", "9.9.9.9")),
            HOUR,
            T0);

    assertEquals(
        List.of(
            "9.9.9.9/32",
            "203.0.113.9/32",
            "203.0.113.10/32",
            "2001:db8::9/128",
            "2001:db8::10/128"),
        outcome.status().addresses());
  }

  @Test
  void duplicateAnswersAreKeptOnce() {
    Retention.Outcome outcome = v4(null, ok("203.0.113.1", "203.0.113.1"), T0);

    assertEquals(List.of("203.0.113.1/32"), outcome.status().addresses());
  }

  @ParameterizedTest
  @EnumSource(
      value = ResolveReason.class,
      names = {"TIMEOUT", "TEMPORARY", "UNKNOWN", "OTHER_ERROR"})
  void transientFailureKeepsAddressesWithinTheRetryWindow(ResolveReason reason) {
    Instant now = T0.plus(HOUR).minusSeconds(1);

    Retention.Outcome outcome = v4(RESOLVED_AT_T0, failed(reason), now);

    FqdnStatus status = outcome.status();
    assertEquals(reason, status.resolveReason());
    assertEquals(List.of("198.51.100.1/32", "198.51.100.2/32"), status.addresses());
    assertEquals(T0, status.lastSuccessfulTime(), "a failure does not move the success time");
    assertEquals(List.of(), outcome.expiredAddresses());
    assertEquals(
        reason + " from 10.96.0.10; keeping previous addresses until 2026-03-01T13:00:00Z",
        status.resolveMessage());
  }

  @ParameterizedTest
  @EnumSource(
      value = ResolveReason.class,
      names = {"TIMEOUT", "TEMPORARY", "UNKNOWN", "OTHER_ERROR"})
  void expiredRetentionClearsAddresses(ResolveReason reason) {
    Instant now = T0.plus(HOUR);

    Retention.Outcome outcome = v4(RESOLVED_AT_T0, failed(reason), now);

    assertEquals(List.of(), outcome.status().addresses());
    assertEquals(reason, outcome.status().resolveReason());
    assertEquals(T0, outcome.status().lastSuccessfulTime());
    assertEquals(reason + " from 10.96.0.10", outcome.status().resolveMessage());
    assertEquals(List.of("198.51.100.1/32", "198.51.100.2/32"), outcome.expiredAddresses());
  }

  @Test
  void expiredAddressesAreReportedOnlyOnTheRunWhereTheyLeave() {
    Retention.Outcome leaving = v4(RESOLVED_AT_T0, failed(ResolveReason.TIMEOUT), T0.plus(HOUR));

    Retention.Outcome later =
        v4(leaving.status(), failed(ResolveReason.TIMEOUT), T0.plus(HOUR).plusSeconds(60));

    assertFalse(leaving.expiredAddresses().isEmpty());
    assertEquals(List.of(), later.expiredAddresses());
    assertEquals(List.of(), later.status().addresses());
  }

  @Test
  void zeroRetryTimeoutKeepsNothing() {
    Retention.Outcome outcome =
        Retention.next(
            NAME,
            RESOLVED_AT_T0,
            V4,
            Map.of(AddressFamily.IPV4, failed(ResolveReason.TIMEOUT)),
            Duration.ZERO,
            T0);

    assertEquals(List.of(), outcome.status().addresses());
    assertEquals(List.of("198.51.100.1/32", "198.51.100.2/32"), outcome.expiredAddresses());
  }

  @Test
  void zeroRetryTimeoutKeepsNothingEvenWhenTheSuccessTimeLiesInTheFuture() {
    FqdnStatus skewed = fqdn(NAME, T0.plusSeconds(30), ResolveReason.SUCCESS, "198.51.100.1/32");

    Retention.Outcome outcome =
        Retention.next(
            NAME,
            skewed,
            V4,
            Map.of(AddressFamily.IPV4, failed(ResolveReason.TIMEOUT)),
            Duration.ZERO,
            T0);

    assertEquals(List.of(), outcome.status().addresses());
  }

  @ParameterizedTest
  @EnumSource(
      value = ResolveReason.class,
      names = {"NXDOMAIN", "NODATA", "INVALID_DOMAIN"})
  void nonTransientFailureClearsImmediately(ResolveReason reason) {
    Retention.Outcome outcome = v4(RESOLVED_AT_T0, failed(reason), T0.plusSeconds(60));

    assertEquals(reason, outcome.status().resolveReason());
    assertEquals(List.of(), outcome.status().addresses());
    assertEquals(T0, outcome.status().lastSuccessfulTime(), "still when it last resolved");
    assertEquals(reason + " from 10.96.0.10", outcome.status().resolveMessage());
  }

  @Test
  void nxdomainClearsImmediately() {
    Retention.Outcome outcome =
        v4(RESOLVED_AT_T0, failed(ResolveReason.NXDOMAIN), T0.plusSeconds(1));

    assertEquals(List.of(), outcome.status().addresses());
  }

  @ParameterizedTest
  @EnumSource(
      value = ResolveReason.class,
      mode = EnumSource.Mode.EXCLUDE,
      names = {"SUCCESS"})
  void nameThatNeverResolvedHasNoLastSuccessfulTime(ResolveReason reason) {
    Retention.Outcome outcome = v4(null, failed(reason), T0);

    assertTrue(outcome.changed());
    assertNull(outcome.status().lastSuccessfulTime());
    assertEquals(List.of(), outcome.status().addresses());
    assertEquals(List.of(), outcome.expiredAddresses());
    assertEquals(T0, outcome.status().lastTransitionTime());
  }

  @Test
  void addressesWithoutASuccessTimeAreNotRetained() {
    FqdnStatus noSuccessTime = fqdn(NAME, null, ResolveReason.TIMEOUT, "198.51.100.1/32");

    Retention.Outcome outcome = v4(noSuccessTime, failed(ResolveReason.TIMEOUT), T0);

    assertEquals(List.of(), outcome.status().addresses());
    assertEquals(List.of("198.51.100.1/32"), outcome.expiredAddresses());
  }

  @Test
  void unfinishedLookupLeavesThePreviousStatusUntouched() {
    Retention.Outcome outcome =
        Retention.next(NAME, RESOLVED_AT_T0, V4, Map.of(), HOUR, T0.plus(Duration.ofDays(2)));

    assertFalse(outcome.changed());
    assertSame(RESOLVED_AT_T0, outcome.status());
    assertEquals(List.of(), outcome.expiredAddresses());
  }

  @Test
  void lookupUnfinishedInOneOfTwoFamiliesLeavesThePreviousStatusUntouched() {
    Retention.Outcome outcome =
        Retention.next(
            NAME,
            RESOLVED_AT_T0,
            BOTH,
            Map.of(AddressFamily.IPV4, ok("203.0.113.1")),
            HOUR,
            T0.plusSeconds(60));

    assertFalse(outcome.changed());
    assertSame(RESOLVED_AT_T0, outcome.status());
  }

  @Test
  void unfinishedLookupOfANewNameGivesNoStatus() {
    Retention.Outcome outcome = Retention.next(NAME, null, V4, Map.of(), HOUR, T0);

    assertFalse(outcome.changed());
    assertNull(outcome.status());
  }

  @Test
  void lookupOfAFamilyNotAskedForIsIgnored() {
    Retention.Outcome outcome =
        Retention.next(
            NAME,
            null,
            V4,
            Map.of(
                AddressFamily.IPV4, ok("203.0.113.1"),
                AddressFamily.IPV6, failed(ResolveReason.OTHER_ERROR)),
            HOUR,
            T0);

    assertEquals(ResolveReason.SUCCESS, outcome.status().resolveReason());
    assertEquals(List.of("203.0.113.1/32"), outcome.status().addresses());
  }

  @Test
  void nodataInOneFamilyWithSuccessInTheOtherIsSuccess() {
    Retention.Outcome outcome =
        Retention.next(
            NAME,
            null,
            BOTH,
            Map.of(
                AddressFamily.IPV4, ok("203.0.113.1"),
                AddressFamily.IPV6, failed(ResolveReason.NODATA)),
            HOUR,
            T0);

    assertEquals(ResolveReason.SUCCESS, outcome.status().resolveReason());
    assertEquals(T0, outcome.status().lastSuccessfulTime());
    assertEquals(List.of("203.0.113.1/32"), outcome.status().addresses());
    assertEquals("answered 203.0.113.1; NODATA from 10.96.0.10", outcome.status().resolveMessage());
  }

  @Test
  void nodataInBothFamiliesIsNodata() {
    Retention.Outcome outcome =
        Retention.next(
            NAME,
            RESOLVED_AT_T0,
            BOTH,
            Map.of(
                AddressFamily.IPV4, failed(ResolveReason.NODATA),
                AddressFamily.IPV6, failed(ResolveReason.NODATA)),
            HOUR,
            T0.plusSeconds(60));

    assertEquals(ResolveReason.NODATA, outcome.status().resolveReason());
    assertEquals(List.of(), outcome.status().addresses());
  }

  @Test
  void transientFailureOfOneFamilyKeepsItsOwnAddressesWhileTheOtherIsReplaced() {
    FqdnStatus dualStack =
        fqdn(NAME, T0, ResolveReason.SUCCESS, "198.51.100.1/32", "2001:db8::1/128");

    Retention.Outcome outcome =
        Retention.next(
            NAME,
            dualStack,
            BOTH,
            Map.of(
                AddressFamily.IPV4, ok("198.51.100.9"),
                AddressFamily.IPV6, failed(ResolveReason.TIMEOUT)),
            HOUR,
            T0.plusSeconds(60));

    assertEquals(ResolveReason.TIMEOUT, outcome.status().resolveReason());
    assertEquals(List.of("198.51.100.9/32", "2001:db8::1/128"), outcome.status().addresses());
    assertEquals(List.of(), outcome.expiredAddresses());
  }

  @Test
  void aTimeoutIsNotHiddenByNoDataOfTheOtherFamily() {
    FqdnStatus dualStack = fqdn(NAME, T0, ResolveReason.SUCCESS, "198.51.100.1/32");

    Retention.Outcome outcome =
        Retention.next(
            NAME,
            dualStack,
            BOTH,
            Map.of(
                AddressFamily.IPV4, failed(ResolveReason.TIMEOUT),
                AddressFamily.IPV6, failed(ResolveReason.NODATA)),
            HOUR,
            T0.plusSeconds(60));

    assertEquals(ResolveReason.TIMEOUT, outcome.status().resolveReason());
    assertEquals(List.of("198.51.100.1/32"), outcome.status().addresses(), "kept in the window");
  }

  @Test
  void onlyTheFailingFamilyExpiresAfterTheRetryWindow() {
    FqdnStatus dualStack =
        fqdn(NAME, T0, ResolveReason.SUCCESS, "198.51.100.1/32", "2001:db8::1/128");

    Retention.Outcome outcome =
        Retention.next(
            NAME,
            dualStack,
            BOTH,
            Map.of(
                AddressFamily.IPV4, ok("198.51.100.9"),
                AddressFamily.IPV6, failed(ResolveReason.TEMPORARY)),
            HOUR,
            T0.plus(HOUR));

    assertEquals(List.of("198.51.100.9/32"), outcome.status().addresses());
    assertEquals(List.of("2001:db8::1/128"), outcome.expiredAddresses());
  }

  @Test
  void worstReasonOfTheFamiliesIsTheNamesReason() {
    Retention.Outcome outcome =
        Retention.next(
            NAME,
            null,
            BOTH,
            Map.of(
                AddressFamily.IPV4, failed(ResolveReason.TIMEOUT),
                AddressFamily.IPV6, failed(ResolveReason.NXDOMAIN)),
            HOUR,
            T0);

    assertEquals(ResolveReason.NXDOMAIN, outcome.status().resolveReason());
    assertEquals("NXDOMAIN from 10.96.0.10", outcome.status().resolveMessage());
  }

  @Test
  void addressesOfAFamilyNoLongerAskedForAreNotRetained() {
    FqdnStatus dualStack =
        fqdn(NAME, T0, ResolveReason.SUCCESS, "198.51.100.1/32", "2001:db8::1/128");

    Retention.Outcome outcome = v4(dualStack, failed(ResolveReason.TIMEOUT), T0.plusSeconds(60));

    assertEquals(List.of("198.51.100.1/32"), outcome.status().addresses());
  }

  @Test
  void damagedPreviousAddressIsDroppedWhenRetaining() {
    FqdnStatus damaged = fqdn(NAME, T0, ResolveReason.SUCCESS, "198.51.100.1/32", "not-an-address");

    Retention.Outcome outcome = v4(damaged, failed(ResolveReason.TIMEOUT), T0.plusSeconds(60));

    assertEquals(List.of("198.51.100.1/32"), outcome.status().addresses());
  }

  @Test
  void lastTransitionTimeIsKeptWhileTheReasonStaysTheSame() {
    Instant since = T0.minus(Duration.ofDays(3));
    FqdnStatus previous =
        new FqdnStatus(NAME, T0, since, ResolveReason.SUCCESS, "", List.of("198.51.100.1/32"));

    Retention.Outcome outcome = v4(previous, ok("198.51.100.2"), T0.plusSeconds(60));

    assertEquals(since, outcome.status().lastTransitionTime());
  }

  @Test
  void lastTransitionTimeMovesWhenTheReasonChanges() {
    Instant since = T0.minus(Duration.ofDays(3));
    FqdnStatus timingOut =
        new FqdnStatus(NAME, T0, since, ResolveReason.TIMEOUT, "", List.of("198.51.100.1/32"));
    Instant now = T0.plusSeconds(60);

    assertEquals(
        since, v4(timingOut, failed(ResolveReason.TIMEOUT), now).status().lastTransitionTime());
    assertEquals(
        now, v4(timingOut, failed(ResolveReason.TEMPORARY), now).status().lastTransitionTime());
    assertEquals(now, v4(timingOut, ok("198.51.100.1"), now).status().lastTransitionTime());
  }

  @Test
  void missingLastTransitionTimeIsSetNow() {
    FqdnStatus previous =
        new FqdnStatus(NAME, T0, null, ResolveReason.SUCCESS, "", List.of("198.51.100.1/32"));

    Retention.Outcome outcome = v4(previous, ok("198.51.100.1"), T0.plusSeconds(60));

    assertEquals(T0.plusSeconds(60), outcome.status().lastTransitionTime());
  }

  @Test
  void ipv6AnswerIsStoredAsHostRoute() {
    Retention.Outcome outcome =
        Retention.next(
            NAME,
            null,
            EnumSet.of(AddressFamily.IPV6),
            Map.of(AddressFamily.IPV6, ok("2001:DB8:0::1")),
            HOUR,
            T0);

    assertEquals(List.of("2001:db8::1/128"), outcome.status().addresses());
    assertEquals(ip("2001:db8::1"), Cidr.parse(outcome.status().addresses().get(0)).network());
  }

  @Test
  void withALagTheRetryWindowCountsFromTheRecordedSuccessPlusTheLag() {
    Duration lag = Duration.ofMinutes(10);
    Retention.Window window = new Retention.Window(Duration.ZERO, 100, lag);
    Instant lastInLag = T0.plus(HOUR).plus(lag).minusSeconds(1);
    Retention.Outcome kept =
        Retention.next(
            NAME,
            RESOLVED_AT_T0,
            V4,
            Map.of(AddressFamily.IPV4, failed(ResolveReason.TIMEOUT)),
            HOUR,
            window,
            lastInLag);
    assertEquals(RESOLVED_AT_T0.addresses(), kept.status().addresses());
    assertTrue(
        kept.status().resolveMessage().endsWith("until 2026-03-01T13:10:00Z"),
        kept.status().resolveMessage());

    Retention.Outcome gone =
        Retention.next(
            NAME,
            RESOLVED_AT_T0,
            V4,
            Map.of(AddressFamily.IPV4, failed(ResolveReason.TIMEOUT)),
            HOUR,
            window,
            lastInLag.plusSeconds(1));
    assertEquals(List.of(), gone.status().addresses());
    assertEquals(RESOLVED_AT_T0.addresses(), gone.expiredAddresses());
  }

  @Test
  void withALagASeenAddressWindowCountsFromTheRecordedSightingPlusTheLag() {
    Duration lag = Duration.ofMinutes(5);
    Retention.Window window = new Retention.Window(Duration.ofMinutes(30), 100, lag);
    FqdnStatus previous =
        new FqdnStatus(
            NAME,
            T0,
            T0,
            ResolveReason.SUCCESS,
            "earlier",
            List.of("198.51.100.1/32"),
            List.of(new io.fqdnjob.model.SeenAddress("198.51.100.1/32", T0)),
            null,
            null);
    Instant inLag = T0.plus(Duration.ofMinutes(34));
    assertEquals(
        List.of("198.51.100.1/32", "198.51.100.9/32"),
        Retention.next(
                NAME,
                previous,
                V4,
                Map.of(AddressFamily.IPV4, ok("198.51.100.9")),
                HOUR,
                window,
                inLag)
            .status()
            .addresses());
    assertEquals(
        List.of("198.51.100.9/32"),
        Retention.next(
                NAME,
                previous,
                V4,
                Map.of(AddressFamily.IPV4, ok("198.51.100.9")),
                HOUR,
                window,
                T0.plus(Duration.ofMinutes(35)))
            .status()
            .addresses());
  }
}
