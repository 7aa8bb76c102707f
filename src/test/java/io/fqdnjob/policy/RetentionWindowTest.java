package io.fqdnjob.policy;

import static io.fqdnjob.policy.PolicyFixtures.T0;
import static io.fqdnjob.policy.PolicyFixtures.fqdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.model.AddressFamily;
import io.fqdnjob.model.FqdnStatus;
import io.fqdnjob.model.ResolveReason;
import io.fqdnjob.model.SeenAddress;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The seen-address window, the per-name address limit and the record TTL of {@link Retention}. */
class RetentionWindowTest {
  private static final String NAME = "cdn.example.com";
  private static final Duration HOUR = Duration.ofHours(1);
  private static final Duration TEN_MINUTES = Duration.ofMinutes(10);
  private static final Set<AddressFamily> V4 = EnumSet.of(AddressFamily.IPV4);
  private static final Set<AddressFamily> BOTH = EnumSet.allOf(AddressFamily.class);

  /** Ten minutes of seen addresses, no practical limit. */
  private static final Retention.Window SEEN_10M = new Retention.Window(TEN_MINUTES, 1000);

  private static NameLookup ok(String... addresses) {
    return ok(300, addresses);
  }

  private static NameLookup ok(long ttl, String... addresses) {
    List<InetAddress> parsed = Stream.of(addresses).map(CidrTest::ip).toList();
    return NameLookup.success(parsed, "answered " + String.join(",", addresses), ttl);
  }

  private static NameLookup failed(ResolveReason reason) {
    return NameLookup.failure(reason, reason + " from 10.96.0.10");
  }

  private static Retention.Outcome v4(
      FqdnStatus previous, NameLookup lookup, Retention.Window window, Instant now) {
    return Retention.next(
        NAME, previous, V4, Map.of(AddressFamily.IPV4, lookup), HOUR, window, now);
  }

  private static Retention.Outcome both(
      FqdnStatus previous, NameLookup v4, NameLookup v6, Retention.Window window, Instant now) {
    return Retention.next(
        NAME,
        previous,
        BOTH,
        Map.of(AddressFamily.IPV4, v4, AddressFamily.IPV6, v6),
        HOUR,
        window,
        now);
  }

  private static SeenAddress seen(String address, Instant lastSeen) {
    return new SeenAddress(address, lastSeen);
  }

  /** A status as a run with a window writes it: the applied addresses with when each was seen. */
  private static FqdnStatus withSeen(Instant lastSuccess, SeenAddress... seen) {
    return new FqdnStatus(
        NAME,
        lastSuccess,
        lastSuccess,
        ResolveReason.SUCCESS,
        "earlier",
        Stream.of(seen).map(SeenAddress::address).toList(),
        List.of(seen),
        null,
        null);
  }

  private static Retention.Window limit(int max) {
    return new Retention.Window(Duration.ZERO, max);
  }

  // ---- seen-address window ----

  @Test
  void addressMissingFromTheLatestAnswerStaysWithinTheWindow() {
    Retention.Outcome first = v4(null, ok("203.0.113.1", "203.0.113.2"), SEEN_10M, T0);

    Retention.Outcome second =
        v4(first.status(), ok("203.0.113.2", "203.0.113.3"), SEEN_10M, T0.plusSeconds(60));

    FqdnStatus status = second.status();
    assertEquals(ResolveReason.SUCCESS, status.resolveReason());
    assertEquals(List.of("203.0.113.1/32", "203.0.113.2/32", "203.0.113.3/32"), status.addresses());
    assertEquals(
        List.of(
            seen("203.0.113.1/32", T0),
            seen("203.0.113.2/32", T0.plusSeconds(60)),
            seen("203.0.113.3/32", T0.plusSeconds(60))),
        status.seenAddresses());
    assertEquals(T0.plusSeconds(60), status.lastSuccessfulTime());
    assertEquals(List.of(), second.expiredAddresses());
  }

  @Test
  void seenAddressLeavesExactlyWhenTheWindowHasPassedSinceItWasLastSeen() {
    FqdnStatus previous =
        withSeen(
            T0.plusSeconds(60),
            seen("203.0.113.1/32", T0),
            seen("203.0.113.2/32", T0.plusSeconds(60)));

    Retention.Outcome justInside =
        v4(previous, ok("203.0.113.9"), SEEN_10M, T0.plus(TEN_MINUTES).minusSeconds(1));
    Retention.Outcome atTheEdge = v4(previous, ok("203.0.113.9"), SEEN_10M, T0.plus(TEN_MINUTES));

    assertEquals(
        List.of("203.0.113.1/32", "203.0.113.2/32", "203.0.113.9/32"),
        justInside.status().addresses());
    assertEquals(List.of("203.0.113.2/32", "203.0.113.9/32"), atTheEdge.status().addresses());
  }

  @Test
  void addressInTheCurrentAnswerIsSeenNow() {
    FqdnStatus previous = withSeen(T0, seen("203.0.113.1/32", T0));
    Instant now = T0.plus(TEN_MINUTES).plusSeconds(30);

    Retention.Outcome outcome = v4(previous, ok("203.0.113.1"), SEEN_10M, now);

    assertEquals(List.of(seen("203.0.113.1/32", now)), outcome.status().seenAddresses());
  }

  @Test
  void messageSaysHowManyAddressesCameFromEarlierAnswers() {
    FqdnStatus previous = withSeen(T0, seen("203.0.113.1/32", T0), seen("203.0.113.2/32", T0));

    Retention.Outcome outcome = v4(previous, ok("203.0.113.3"), SEEN_10M, T0.plusSeconds(60));

    assertEquals(
        "answered 203.0.113.3; 2 more kept from earlier answers",
        outcome.status().resolveMessage());
  }

  @Test
  void zeroWindowAppliesExactlyTheLatestAnswerAndRecordsNoSeenAddresses() {
    // Written while the resource still had a window; the window has since been set to zero.
    FqdnStatus previous = withSeen(T0, seen("203.0.113.1/32", T0), seen("203.0.113.2/32", T0));
    Retention.Window none = new Retention.Window(Duration.ZERO, 100);

    Retention.Outcome outcome = v4(previous, ok("203.0.113.3"), none, T0.plusSeconds(1));

    assertEquals(List.of("203.0.113.3/32"), outcome.status().addresses());
    assertEquals(List.of(), outcome.status().seenAddresses());
    assertEquals("answered 203.0.113.3", outcome.status().resolveMessage());
  }

  @Test
  void seenAddressesListExactlyTheAppliedAddresses() {
    FqdnStatus previous =
        withSeen(
            T0.plusSeconds(60),
            seen("203.0.113.1/32", T0),
            seen("203.0.113.2/32", T0.plusSeconds(30)),
            seen("203.0.113.3/32", T0.plusSeconds(60)));
    Retention.Window window = new Retention.Window(TEN_MINUTES, 3);

    Retention.Outcome outcome =
        v4(previous, ok("203.0.113.4", "203.0.113.5"), window, T0.plusSeconds(120));

    FqdnStatus status = outcome.status();
    assertEquals(
        status.addresses(), status.seenAddresses().stream().map(SeenAddress::address).toList());
    assertEquals(3, status.addresses().size());
  }

  @Test
  void nextRunRebuildsTheWindowFromTheStatusAlone() {
    Retention.Outcome first = v4(null, ok("203.0.113.1"), SEEN_10M, T0);
    Retention.Outcome second = v4(first.status(), ok("203.0.113.2"), SEEN_10M, T0.plusSeconds(300));
    Retention.Outcome third =
        v4(second.status(), ok("203.0.113.3"), SEEN_10M, T0.plus(TEN_MINUTES));

    // 203.0.113.1 was last seen at T0 and leaves at T0 + 10 min; 203.0.113.2 stays.
    assertEquals(List.of("203.0.113.2/32", "203.0.113.3/32"), third.status().addresses());
    assertEquals(
        List.of(
            seen("203.0.113.2/32", T0.plusSeconds(300)),
            seen("203.0.113.3/32", T0.plus(TEN_MINUTES))),
        third.status().seenAddresses());
  }

  @Test
  void statusWithoutSeenAddressesCountsItsAddressesAsSeenAtTheLastSuccess() {
    // Written with no window, or by fqdn-controller.
    FqdnStatus older = fqdn(NAME, T0, ResolveReason.SUCCESS, "198.51.100.1/32", "198.51.100.2/32");

    Retention.Outcome inside = v4(older, ok("203.0.113.1"), SEEN_10M, T0.plusSeconds(300));
    Retention.Outcome after = v4(older, ok("203.0.113.1"), SEEN_10M, T0.plus(TEN_MINUTES));

    assertEquals(
        List.of("198.51.100.1/32", "198.51.100.2/32", "203.0.113.1/32"),
        inside.status().addresses());
    assertEquals(
        List.of(
            seen("198.51.100.1/32", T0),
            seen("198.51.100.2/32", T0),
            seen("203.0.113.1/32", T0.plusSeconds(300))),
        inside.status().seenAddresses());
    assertEquals(List.of("203.0.113.1/32"), after.status().addresses());
  }

  @Test
  void addressesWithoutAnEntryInSeenAddressesCountAsSeenAtTheLastSuccess() {
    FqdnStatus partly =
        new FqdnStatus(
            NAME,
            T0.plusSeconds(60),
            T0,
            ResolveReason.SUCCESS,
            "edited by hand",
            List.of("198.51.100.1/32", "198.51.100.2/32"),
            List.of(seen("198.51.100.1/32", T0)),
            null,
            null);

    Retention.Outcome outcome = v4(partly, ok("203.0.113.1"), SEEN_10M, T0.plusSeconds(120));

    assertEquals(
        List.of(
            seen("198.51.100.1/32", T0),
            seen("198.51.100.2/32", T0.plusSeconds(60)),
            seen("203.0.113.1/32", T0.plusSeconds(120))),
        outcome.status().seenAddresses());
  }

  // ---- failures with a window ----

  @ParameterizedTest
  @EnumSource(
      value = ResolveReason.class,
      names = {"TIMEOUT", "TEMPORARY", "UNKNOWN", "OTHER_ERROR"})
  void transientFailureKeepsTheWholeSetWithItsSeenTimes(ResolveReason reason) {
    FqdnStatus previous =
        withSeen(
            T0.plusSeconds(60),
            seen("203.0.113.1/32", T0),
            seen("203.0.113.2/32", T0.plusSeconds(60)));
    // Past the seen-address window of both, still within the retry window.
    Instant now = T0.plus(Duration.ofMinutes(30));

    Retention.Outcome outcome = v4(previous, failed(reason), SEEN_10M, now);

    FqdnStatus status = outcome.status();
    assertEquals(reason, status.resolveReason());
    assertEquals(previous.addresses(), status.addresses());
    assertEquals(previous.seenAddresses(), status.seenAddresses());
    assertEquals(T0.plusSeconds(60), status.lastSuccessfulTime());
    assertEquals(List.of(), outcome.expiredAddresses());
  }

  @Test
  void seenAddressesSurviveAFailureAndThenAgeOutOnTheNextSuccess() {
    FqdnStatus previous = withSeen(T0, seen("203.0.113.1/32", T0), seen("203.0.113.2/32", T0));
    Retention.Outcome failing =
        v4(previous, failed(ResolveReason.TIMEOUT), SEEN_10M, T0.plusSeconds(300));

    Retention.Outcome back =
        v4(failing.status(), ok("203.0.113.3"), SEEN_10M, T0.plus(TEN_MINUTES));

    assertEquals(List.of("203.0.113.3/32"), back.status().addresses());
  }

  @Test
  void transientFailurePastTheRetryTimeoutClearsSeenAddressesToo() {
    // A window longer than the retry timeout does not extend it.
    Retention.Window day = new Retention.Window(Duration.ofDays(1), 100);
    FqdnStatus previous = withSeen(T0, seen("203.0.113.1/32", T0), seen("203.0.113.2/32", T0));

    Retention.Outcome outcome = v4(previous, failed(ResolveReason.TIMEOUT), day, T0.plus(HOUR));

    assertEquals(List.of(), outcome.status().addresses());
    assertEquals(List.of(), outcome.status().seenAddresses());
    assertEquals(List.of("203.0.113.1/32", "203.0.113.2/32"), outcome.expiredAddresses());
  }

  @ParameterizedTest
  @EnumSource(
      value = ResolveReason.class,
      names = {"NXDOMAIN", "NODATA", "INVALID_DOMAIN"})
  void nonTransientFailureClearsSeenAddressesAtOnce(ResolveReason reason) {
    FqdnStatus previous = withSeen(T0, seen("203.0.113.1/32", T0), seen("203.0.113.2/32", T0));

    Retention.Outcome outcome = v4(previous, failed(reason), SEEN_10M, T0.plusSeconds(1));

    assertEquals(reason, outcome.status().resolveReason());
    assertEquals(List.of(), outcome.status().addresses());
    assertEquals(List.of(), outcome.status().seenAddresses());
  }

  @Test
  void familyWithNoRecordsLosesItsSeenAddressesWhileTheOtherKeepsItsWindow() {
    FqdnStatus previous = withSeen(T0, seen("203.0.113.1/32", T0), seen("2001:db8::1/128", T0));

    Retention.Outcome outcome =
        both(
            previous,
            ok("203.0.113.2"),
            failed(ResolveReason.NODATA),
            SEEN_10M,
            T0.plusSeconds(60));

    assertEquals(ResolveReason.SUCCESS, outcome.status().resolveReason());
    assertEquals(List.of("203.0.113.1/32", "203.0.113.2/32"), outcome.status().addresses());
  }

  @Test
  void familyFailingTransientlyKeepsItsSeenTimesWhileTheOtherIsRenewed() {
    FqdnStatus previous = withSeen(T0, seen("203.0.113.1/32", T0), seen("2001:db8::1/128", T0));
    Instant now = T0.plusSeconds(60);

    Retention.Outcome outcome =
        both(previous, ok("203.0.113.1"), failed(ResolveReason.TIMEOUT), SEEN_10M, now);

    assertEquals(
        List.of(seen("203.0.113.1/32", now), seen("2001:db8::1/128", T0)),
        outcome.status().seenAddresses());
  }

  // ---- address limit ----

  @Test
  void answerLargerThanTheLimitKeepsTheLowestAddressesAndCountsTheRest() {
    Retention.Outcome outcome =
        v4(
            null,
            ok("203.0.113.5", "203.0.113.4", "203.0.113.3", "203.0.113.20", "203.0.113.1"),
            limit(3),
            T0);

    FqdnStatus status = outcome.status();
    // All seen at the same time: the higher addresses go first.
    assertEquals(List.of("203.0.113.1/32", "203.0.113.3/32", "203.0.113.4/32"), status.addresses());
    assertEquals(2, status.droppedAddressCount());
    assertEquals(
        "answered 203.0.113.5,203.0.113.4,203.0.113.3,203.0.113.20,203.0.113.1;"
            + " 2 addresses over maxAddressesPerFQDN=3 left out",
        status.resolveMessage());
    assertEquals(List.of(), status.seenAddresses(), "no window, no seen addresses");
  }

  @Test
  void leastRecentlySeenGoFirst() {
    FqdnStatus previous =
        withSeen(
            T0.plusSeconds(120),
            seen("203.0.113.1/32", T0.plusSeconds(120)),
            seen("203.0.113.2/32", T0),
            seen("203.0.113.3/32", T0.plusSeconds(60)));
    Retention.Window window = new Retention.Window(TEN_MINUTES, 3);

    Retention.Outcome outcome =
        v4(previous, ok("203.0.113.9", "203.0.113.8"), window, T0.plusSeconds(180));

    // Now: .8 and .9; then .1 (T0+120); .3 (T0+60) and .2 (T0) are left out.
    assertEquals(
        List.of("203.0.113.1/32", "203.0.113.8/32", "203.0.113.9/32"),
        outcome.status().addresses());
    assertEquals(2, outcome.status().droppedAddressCount());
  }

  @Test
  void onATieIpv6AddressesGoBeforeIpv4() {
    Retention.Outcome outcome =
        both(
            null, ok("203.0.113.1", "203.0.113.2"), ok("2001:db8::1", "2001:db8::2"), limit(3), T0);

    assertEquals(
        List.of("203.0.113.1/32", "203.0.113.2/32", "2001:db8::1/128"),
        outcome.status().addresses());
    assertEquals(1, outcome.status().droppedAddressCount());
  }

  @Test
  void exactlyTheLimitIsNotCapped() {
    Retention.Outcome outcome = v4(null, ok("203.0.113.1", "203.0.113.2"), limit(2), T0);

    assertEquals(2, outcome.status().addresses().size());
    assertNull(outcome.status().droppedAddressCount());
    assertEquals("answered 203.0.113.1,203.0.113.2", outcome.status().resolveMessage());
  }

  @Test
  void limitCountsSeenAddressesAndItsCountIsThisRunsOnly() {
    FqdnStatus capped =
        new FqdnStatus(
            NAME,
            T0,
            T0,
            ResolveReason.SUCCESS,
            "earlier",
            List.of("203.0.113.1/32", "203.0.113.2/32"),
            List.of(seen("203.0.113.1/32", T0), seen("203.0.113.2/32", T0)),
            null,
            40);
    Retention.Window window = new Retention.Window(TEN_MINUTES, 2);

    Retention.Outcome outcome = v4(capped, ok("203.0.113.3"), window, T0.plusSeconds(60));

    assertEquals(List.of("203.0.113.1/32", "203.0.113.3/32"), outcome.status().addresses());
    assertEquals(1, outcome.status().droppedAddressCount());
    assertEquals(
        outcome.status().addresses(),
        outcome.status().seenAddresses().stream().map(SeenAddress::address).toList());
  }

  @Test
  void transientFailureKeepsThePreviousDroppedCountSoTheLimitIsNotReportedAgain() {
    FqdnStatus capped =
        new FqdnStatus(
            NAME,
            T0,
            T0,
            ResolveReason.SUCCESS,
            "earlier",
            List.of("203.0.113.1/32"),
            List.of(seen("203.0.113.1/32", T0)),
            null,
            3);

    Retention.Outcome outcome =
        v4(
            capped,
            failed(ResolveReason.TIMEOUT),
            new Retention.Window(TEN_MINUTES, 1),
            T0.plusSeconds(60));

    assertEquals(3, outcome.status().droppedAddressCount());
  }

  @Test
  void addressesLeftOutAreForgotten() {
    Retention.Window window = new Retention.Window(TEN_MINUTES, 1);
    Retention.Outcome first = v4(null, ok("203.0.113.1", "203.0.113.2"), window, T0);
    Retention.Window wider = new Retention.Window(TEN_MINUTES, 10);

    Retention.Outcome second = v4(first.status(), ok("203.0.113.3"), wider, T0.plusSeconds(60));

    assertEquals(List.of("203.0.113.1/32", "203.0.113.3/32"), second.status().addresses());
    assertNull(second.status().droppedAddressCount());
  }

  @Test
  void lowerLimitAlsoCapsAddressesKeptThroughATransientFailure() {
    FqdnStatus previous =
        withSeen(
            T0, seen("203.0.113.1/32", T0), seen("203.0.113.2/32", T0), seen("203.0.113.3/32", T0));

    Retention.Outcome outcome =
        v4(previous, failed(ResolveReason.TIMEOUT), limit(2), T0.plusSeconds(60));

    assertEquals(List.of("203.0.113.1/32", "203.0.113.2/32"), outcome.status().addresses());
    assertEquals(1, outcome.status().droppedAddressCount());
    assertTrue(
        outcome
            .status()
            .resolveMessage()
            .endsWith("; 1 addresses over maxAddressesPerFQDN=2 left out"),
        outcome.status().resolveMessage());
  }

  @Test
  void withoutAWindowThereIsNoLimit() {
    String[] many =
        IntStream.rangeClosed(1, 250)
            .mapToObj(i -> "10.0." + (i / 200) + "." + (i % 200))
            .toArray(String[]::new);

    Retention.Outcome outcome =
        Retention.next(NAME, null, V4, Map.of(AddressFamily.IPV4, ok(many)), HOUR, T0);

    assertEquals(250, outcome.status().addresses().size());
    assertNull(outcome.status().droppedAddressCount());
    assertEquals(List.of(), outcome.status().seenAddresses());
  }

  @Test
  void windowRejectsANegativeRetentionAndALimitUnderOne() {
    assertThrows(
        IllegalArgumentException.class, () -> new Retention.Window(Duration.ofSeconds(-1), 100));
    assertThrows(IllegalArgumentException.class, () -> new Retention.Window(Duration.ZERO, 0));
    assertEquals(Integer.MAX_VALUE, Retention.Window.NONE.maxAddresses());
    assertEquals(Duration.ZERO, Retention.Window.NONE.seenRetention());
  }

  // ---- record TTL ----

  @Test
  void recordTtlIsTheSmallestOfTheSuccessfulFamilies() {
    Retention.Outcome outcome =
        both(null, ok(120, "203.0.113.1"), ok(45, "2001:db8::1"), Retention.Window.NONE, T0);

    assertEquals(45L, outcome.status().recordTTLSeconds());
  }

  @ParameterizedTest
  @EnumSource(
      value = ResolveReason.class,
      names = {"TIMEOUT", "NODATA"})
  void familyThatFailedHasNoSayInTheRecordTtl(ResolveReason reason) {
    Retention.Outcome outcome =
        both(null, ok(120, "203.0.113.1"), failed(reason), Retention.Window.NONE, T0);

    assertEquals(120L, outcome.status().recordTTLSeconds());
  }

  @Test
  void successReplacesThePreviousRecordTtl() {
    FqdnStatus previous =
        new FqdnStatus(
            NAME, T0, T0, ResolveReason.SUCCESS, "", List.of("203.0.113.1/32"), null, 20L, null);

    Retention.Outcome outcome =
        v4(previous, ok(600, "203.0.113.1"), Retention.Window.NONE, T0.plusSeconds(60));

    assertEquals(600L, outcome.status().recordTTLSeconds());
  }

  @ParameterizedTest
  @EnumSource(
      value = ResolveReason.class,
      names = {"TIMEOUT", "TEMPORARY", "NXDOMAIN", "NODATA"})
  void runWithoutSuccessKeepsThePreviousRecordTtl(ResolveReason reason) {
    FqdnStatus previous =
        new FqdnStatus(
            NAME, T0, T0, ResolveReason.SUCCESS, "", List.of("203.0.113.1/32"), null, 20L, null);

    Retention.Outcome outcome =
        v4(previous, failed(reason), Retention.Window.NONE, T0.plusSeconds(60));

    assertEquals(20L, outcome.status().recordTTLSeconds());
  }

  @Test
  void nameThatNeverResolvedHasNoRecordTtl() {
    Retention.Outcome outcome = v4(null, failed(ResolveReason.TIMEOUT), Retention.Window.NONE, T0);

    assertNull(outcome.status().recordTTLSeconds());
  }

  @Test
  void unfinishedLookupLeavesTheRotationFieldsUntouched() {
    FqdnStatus previous =
        new FqdnStatus(
            NAME,
            T0,
            T0,
            ResolveReason.SUCCESS,
            "",
            List.of("203.0.113.1/32"),
            List.of(seen("203.0.113.1/32", T0)),
            20L,
            3);

    Retention.Outcome outcome =
        Retention.next(NAME, previous, V4, Map.of(), HOUR, SEEN_10M, T0.plus(Duration.ofDays(1)));

    assertSame(previous, outcome.status());
  }
}
