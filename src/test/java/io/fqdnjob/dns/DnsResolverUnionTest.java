package io.fqdnjob.dns;

import static io.fqdnjob.dns.FakeDnsServer.a;
import static io.fqdnjob.dns.FakeDnsServer.cname;
import static io.fqdnjob.dns.FakeDnsServer.rcode;
import static io.fqdnjob.dns.FakeDnsServer.records;
import static io.fqdnjob.dns.FakeDnsServer.silent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.Fixtures;
import io.fqdnjob.dns.LookupResult.Failure;
import io.fqdnjob.dns.LookupResult.Success;
import io.fqdnjob.job.NameLookups;
import io.fqdnjob.model.AddressFamily;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicyCodec;
import io.fqdnjob.model.ResolveReason;
import io.fqdnjob.policy.NameLookup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** The resolver asking every server several times and taking the union of the answers. */
@Timeout(30)
class DnsResolverUnionTest {
  private static final Duration LONG = Duration.ofSeconds(20);
  private static final Duration SHORT = Duration.ofMillis(300);
  private static final LookupKey WWW_A = LookupKey.a("www.example.com");

  private final FakeDnsServer first = new FakeDnsServer("192.0.2.53", 53);
  private final FakeDnsServer second = new FakeDnsServer("192.0.2.54", 5353);
  private DnsResolver resolver;

  @AfterEach
  void closeResolver() {
    if (resolver != null) {
      resolver.close();
    }
  }

  private DnsResolver resolver(boolean union, int samples, FakeDnsServer... servers) {
    return resolver(DnsResolver.Config.DEFAULT_MAX_IN_FLIGHT, union, samples, servers);
  }

  private DnsResolver resolver(
      int maxInFlight, boolean union, int samples, FakeDnsServer... servers) {
    Map<InetSocketAddress, FakeDnsServer> byAddress = new LinkedHashMap<>();
    for (FakeDnsServer server : servers) {
      byAddress.put(server.address, server);
    }
    resolver =
        new DnsResolver(
            DnsResolver.Config.of(List.copyOf(byAddress.keySet()))
                .withMaxInFlight(maxInFlight)
                .withUnion(union, samples)
                .withResolverFactory(byAddress::get));
    return resolver;
  }

  private LookupResult resolve(LookupKey key, Duration timeout) throws Exception {
    return resolver.resolve(key, timeout).get(25, TimeUnit.SECONDS);
  }

  private static Success success(LookupResult result) {
    return assertInstanceOf(Success.class, result, result::toString);
  }

  private static Failure failure(LookupResult result) {
    return assertInstanceOf(Failure.class, result, result::toString);
  }

  private static List<String> addresses(Success success) {
    return success.addresses().stream().map(a -> a.getHostAddress()).toList();
  }

  /** Answers each query for www.example.com with the next of {@code ips}, one at a time. */
  private static FakeDnsServer.Behaviour rotating(long ttl, String... ips) {
    AtomicInteger next = new AtomicInteger();
    return query ->
        CompletableFuture.completedFuture(
            FakeDnsServer.response(
                query,
                Rcode.NOERROR,
                a("www.example.com", ttl, ips[next.getAndIncrement() % ips.length])));
  }

  // ---- asking ----

  @Test
  void samplesWithAnIntervalAreSentThatFarApartAndEachSeesTheAnswerOfItsTime() throws Exception {
    List<Long> sentAt = new java.util.concurrent.CopyOnWriteArrayList<>();
    FakeDnsServer.Behaviour rotating = rotating(30, "192.0.2.1", "192.0.2.2", "192.0.2.3");
    first.on(
        "www.example.com",
        Type.A,
        query -> {
          sentAt.add(System.nanoTime());
          return rotating.apply(query);
        });
    Duration interval = Duration.ofMillis(200);
    resolver =
        new DnsResolver(
            DnsResolver.Config.of(List.of(first.address))
                .withUnion(true, 3)
                .withSampleInterval(interval)
                .withResolverFactory(address -> first));

    long start = System.nanoTime();
    Success success = success(resolve(WWW_A, LONG));

    assertEquals(List.of("192.0.2.1", "192.0.2.2", "192.0.2.3"), addresses(success));
    assertEquals(3, sentAt.size());
    // A timer never fires early: sample i leaves at least i intervals after the lookup began.
    for (int i = 1; i < 3; i++) {
      long gap = sentAt.get(i) - start;
      assertTrue(
          gap >= interval.multipliedBy(i).toNanos(), "sample " + i + " after " + gap + " ns");
    }
    assertEquals(Duration.ofMillis(400), resolver.config().sampleSpread());
  }

  @Test
  void aSampleStillWaitingForItsTimeIsCancelledWithTheLookup() throws Exception {
    first.on("www.example.com", Type.A, records(a("www.example.com", 30, "192.0.2.1")));
    resolver =
        new DnsResolver(
            DnsResolver.Config.of(List.of(first.address))
                .withUnion(true, 2)
                .withSampleInterval(Duration.ofSeconds(60))
                .withResolverFactory(address -> first));

    Map<LookupKey, LookupResult> results =
        resolver.resolveAll(Map.of(WWW_A, LONG), Instant.now().plusMillis(300));

    assertEquals(Map.of(), results, "the union waits for its second sample");
    assertEquals(1, first.queryCount(), "the second sample is never sent");
  }

  @Test
  void sampleIntervalMustBeBetweenZeroAndTwoMinutes() {
    DnsResolver.Config config = DnsResolver.Config.of(List.of(first.address));
    assertThrows(
        IllegalArgumentException.class, () -> config.withSampleInterval(Duration.ofSeconds(-1)));
    assertThrows(
        IllegalArgumentException.class, () -> config.withSampleInterval(Duration.ofSeconds(121)));
    assertEquals(Duration.ZERO, config.withSampleInterval(Duration.ofSeconds(31)).sampleSpread());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 10})
  void everyServerIsAskedSamplesTimes(int samples) throws Exception {
    first.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.1")));
    second.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.1")));
    resolver(true, samples, first, second);

    success(resolve(WWW_A, LONG));

    assertEquals(samples, first.queryCount());
    assertEquals(samples, second.queryCount());
    assertEquals(2L * samples, resolver.queriesSent());
  }

  @Test
  void oneServerIsAskedSamplesTimes() throws Exception {
    first.on("www.example.com", Type.A, rotating(300, "192.0.2.1", "192.0.2.2", "192.0.2.3"));
    resolver(true, 3, first);

    Success success = success(resolve(WWW_A, LONG));

    assertEquals(List.of("192.0.2.1", "192.0.2.2", "192.0.2.3"), addresses(success));
    assertEquals(3, first.queryCount());
  }

  @Test
  void queriesSentCountsTheFollowUpQueriesOfEveryPart() throws Exception {
    first
        .on("www.example.com", Type.A, records(cname("www.example.com", 300, "web.example.net")))
        .on("web.example.net", Type.A, records(a("web.example.net", 60, "192.0.2.8")));
    resolver(true, 2, first);

    Success success = success(resolve(WWW_A, LONG));

    assertEquals(List.of("web.example.net"), success.cnameChain());
    assertEquals(4, first.queryCount());
    assertEquals(4, resolver.queriesSent());
  }

  // ---- union of answers ----

  @Test
  void successIsTheUnionOfAllAnswersWithTheSmallestTtlAndEveryServer() throws Exception {
    first.on("www.example.com", Type.A, rotating(300, "192.0.2.30", "192.0.2.4"));
    second.on(
        "www.example.com",
        Type.A,
        records(a("www.example.com", 30, "192.0.2.4"), a("www.example.com", 60, "192.0.2.200")));
    resolver(true, 2, first, second);

    Success success = success(resolve(WWW_A, LONG));

    assertEquals(List.of("192.0.2.4", "192.0.2.30", "192.0.2.200"), addresses(success));
    assertEquals(30, success.minTtlSeconds());
    assertEquals("192.0.2.53:53,192.0.2.54:5353", success.server());
    assertEquals(ResolveReason.SUCCESS, success.reason());
  }

  @Test
  void timeoutAtOneServerStillSucceedsWithTheOther() throws Exception {
    first.otherwise(silent());
    second.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")));
    resolver(true, 1, first, second);

    Success success = success(resolve(WWW_A, SHORT));

    assertEquals(List.of("192.0.2.10"), addresses(success));
    assertEquals("192.0.2.54:5353", success.server());
    assertTrue(success.elapsed().compareTo(SHORT) < 0, success.elapsed()::toString);
  }

  @Test
  void theServerThatLeftAQueryUnansweredIsCounted() throws Exception {
    first.otherwise(silent());
    second.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")));
    resolver(true, 1, first, second);

    success(resolve(WWW_A, SHORT));

    assertEquals(Map.of("192.0.2.53:53", 1L, "192.0.2.54:5353", 0L), resolver.unansweredQueries());
  }

  @Test
  void timeoutAtOneServerIsASuccessAsTheJobSeesIt() throws Exception {
    first.otherwise(silent());
    second.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")));
    resolver(true, 1, first, second);
    FqdnNetworkPolicy policy =
        FqdnNetworkPolicyCodec.fromJson(
            Fixtures.yamlText(
                """
                metadata: {name: cdn}
                spec:
                  podSelector: {}
                  resolveTimeoutSeconds: 1
                  egress:
                    - toFQDNS: [www.example.com]
                """));
    Map<LookupKey, LookupResult> results =
        resolver.resolveAll(NameLookups.collect(List.of(policy)), Instant.now().plusSeconds(20));

    Map<AddressFamily, NameLookup> seen = NameLookups.forName(policy, "www.example.com", results);

    assertEquals(ResolveReason.SUCCESS, seen.get(AddressFamily.IPV4).reason(), seen::toString);
    assertEquals(List.of(FakeDnsServer.ip("192.0.2.10")), seen.get(AddressFamily.IPV4).addresses());
  }

  @ParameterizedTest
  @ValueSource(ints = {Rcode.SERVFAIL, Rcode.NXDOMAIN, Rcode.REFUSED, Rcode.NOERROR})
  void failureAtOneServerStillSucceedsWithTheOther(int rcode) throws Exception {
    first.otherwise(rcode(rcode));
    second.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")));
    resolver(true, 2, first, second);

    Success success = success(resolve(WWW_A, LONG));

    assertEquals(List.of("192.0.2.10"), addresses(success));
    assertEquals("192.0.2.54:5353", success.server());
  }

  @Test
  void allFailedGivesTheMostImportantReasonWithEveryMessage() throws Exception {
    first.otherwise(rcode(Rcode.SERVFAIL));
    second.otherwise(rcode(Rcode.NXDOMAIN));
    resolver(true, 2, first, second);

    Failure failure = failure(resolve(WWW_A, LONG));

    assertEquals(ResolveReason.NXDOMAIN, failure.reason());
    assertEquals("192.0.2.54:5353", failure.server());
    assertEquals(
        "SERVFAIL from 192.0.2.53:53 for www.example.com (A);"
            + " 192.0.2.54:5353 answered NXDOMAIN for www.example.com (A)",
        failure.message());
    assertEquals(4, resolver.queriesSent());
  }

  @Test
  void timeoutOutranksServfailWhenAllFail() throws Exception {
    first.otherwise(rcode(Rcode.SERVFAIL));
    second.otherwise(silent());
    resolver(true, 1, first, second);

    Failure failure = failure(resolve(WWW_A, SHORT));

    assertEquals(ResolveReason.TIMEOUT, failure.reason());
    assertTrue(
        failure.message().startsWith("SERVFAIL from 192.0.2.53:53 for www.example.com (A); "),
        failure.message());
    assertTrue(failure.message().contains("no answer from 192.0.2.54:5353 within 300ms"));
  }

  // ---- each part asks its own server ----

  @Test
  void partAsksOnlyItsOwnServerAndNeverFailsOver() throws Exception {
    first.otherwise(rcode(Rcode.SERVFAIL));
    second.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")));
    resolver(true, 1, first, second);

    success(resolve(WWW_A, LONG));

    assertEquals(1, first.queryCount());
    assertEquals(1, second.queryCount(), "the first server's part did not go on to the second");
  }

  @Test
  void partHasTheWholeTimeoutForItsOneServer() throws Exception {
    first.otherwise(silent());
    second.otherwise(silent());
    resolver(true, 1, first, second);

    assertEquals(ResolveReason.TIMEOUT, resolve(WWW_A, Duration.ofMillis(400)).reason());

    // Not split in two halves as when the servers are asked in turn.
    assertEquals(List.of(Duration.ofMillis(400)), first.timeouts);
    assertEquals(List.of(Duration.ofMillis(400)), second.timeouts);
  }

  @Test
  void cnameTargetIsAskedOfTheSameServer() throws Exception {
    first
        .on("www.example.com", Type.A, records(cname("www.example.com", 300, "web.example.net")))
        .on("web.example.net", Type.A, records(a("web.example.net", 300, "192.0.2.8")));
    second
        .on("www.example.com", Type.A, records(cname("www.example.com", 300, "web.example.net")))
        .on("web.example.net", Type.A, records(a("web.example.net", 300, "192.0.2.9")));
    resolver(true, 1, first, second);

    Success success = success(resolve(WWW_A, LONG));

    assertEquals(List.of("192.0.2.8", "192.0.2.9"), addresses(success));
    assertEquals(2, first.queryCount());
    assertEquals(2, second.queryCount());
  }

  // ---- without union ----

  @Test
  void withoutUnionTheFirstAnswerWins() throws Exception {
    first.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.1")));
    second.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.2")));
    resolver(false, 1, first, second);

    Success success = success(resolve(WWW_A, LONG));

    assertEquals(List.of("192.0.2.1"), addresses(success));
    assertEquals("192.0.2.53:53", success.server());
    assertEquals(0, second.queryCount());
    assertEquals(1, resolver.queriesSent());
  }

  @Test
  void withoutUnionAServerFailureFailsOver() throws Exception {
    first.otherwise(rcode(Rcode.SERVFAIL));
    second.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.2")));
    resolver(false, 1, first, second);

    assertEquals("192.0.2.54:5353", success(resolve(WWW_A, LONG)).server());
    assertEquals(1, second.queryCount());
  }

  @Test
  void unionOfOneServerAskedOnceIsAnOrdinaryLookup() throws Exception {
    first.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.1")));
    resolver(true, 1, first);

    Success success = success(resolve(WWW_A, LONG));

    assertEquals("192.0.2.53:53", success.server());
    assertEquals(1, first.queryCount());
  }

  @Test
  void samplesOutsideOneToTenAreRejected() {
    DnsResolver.Config config = DnsResolver.Config.of(List.of(first.address));

    assertThrows(IllegalArgumentException.class, () -> config.withUnion(true, 0));
    assertThrows(IllegalArgumentException.class, () -> config.withUnion(true, 11));
    assertThrows(IllegalArgumentException.class, () -> config.withUnion(false, 0));
    assertEquals(10, config.withUnion(true, 10).samples());
    assertTrue(config.withUnion(true, 10).union());
    assertFalse(config.union());
    assertEquals(1, config.samples());
  }

  @Test
  void otherSettingsKeepTheUnion() {
    DnsResolver.Config config =
        DnsResolver.Config.of(List.of(first.address))
            .withUnion(true, 4)
            .withMaxInFlight(2)
            .withMaxCnameHops(3)
            .withResolverFactory(server -> first);

    assertTrue(config.union());
    assertEquals(4, config.samples());
  }

  // ---- unfinished unions ----

  @Test
  void unionWithAPartUnfinishedAtTheDeadlineIsAbsent() throws Exception {
    first
        .on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.1")))
        .on("slow.example.com", Type.A, records(a("slow.example.com", 300, "192.0.2.2")));
    second
        .on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.1")))
        .on("slow.example.com", Type.A, silent());
    resolver(true, 1, first, second);
    Map<LookupKey, Duration> keys = new LinkedHashMap<>();
    keys.put(WWW_A, LONG);
    keys.put(LookupKey.a("slow.example.com"), LONG);

    Map<LookupKey, LookupResult> results = resolver.resolveAll(keys, Instant.now().plusMillis(300));

    assertEquals(List.of(WWW_A), List.copyOf(results.keySet()));
  }

  @Test
  void unionWithAPartUnfinishedWhenCancelledIsAbsent() throws Exception {
    CountDownLatch slowAsked = new CountDownLatch(1);
    first.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.1")));
    second
        .on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.1")))
        .on(
            "slow.example.com",
            Type.A,
            query -> {
              slowAsked.countDown();
              return new CompletableFuture<>();
            });
    first.on("slow.example.com", Type.A, records(a("slow.example.com", 300, "192.0.2.2")));
    resolver(true, 1, first, second);
    Map<LookupKey, Duration> keys = new LinkedHashMap<>();
    keys.put(WWW_A, LONG);
    keys.put(LookupKey.a("slow.example.com"), LONG);
    Thread canceller =
        new Thread(() -> {
          try {
            slowAsked.await();
            Thread.sleep(50);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          resolver.cancel();
        });
    canceller.start();

    Map<LookupKey, LookupResult> results = resolver.resolveAll(keys, Instant.now().plusSeconds(20));

    canceller.join();
    assertEquals(List.of(WWW_A), List.copyOf(results.keySet()));
  }

  @Test
  void closeCancelsARunningUnion() {
    first.otherwise(silent());
    second.otherwise(silent());
    resolver(true, 2, first, second);
    CompletableFuture<LookupResult> future = resolver.resolve(WWW_A, LONG);

    resolver.close();

    assertThrows(CancellationException.class, () -> future.get(5, TimeUnit.SECONDS));
  }

  @Test
  void resolveAfterCancelSendsNothing() {
    resolver(true, 2, first, second);
    resolver.cancel();

    assertTrue(resolver.resolve(WWW_A, LONG).isCancelled());
    assertEquals(0, resolver.queriesSent());
  }

  @Test
  void invalidNameIsRejectedWithoutAnyPart() throws Exception {
    resolver(true, 3, first, second);

    Failure failure = failure(resolve(LookupKey.a("a_b.example.com"), LONG));

    assertEquals(ResolveReason.INVALID_DOMAIN, failure.reason());
    assertEquals(0, resolver.queriesSent());
  }

  @Test
  void partsQueuedAtTheDeadlineAreNeverSent() throws Exception {
    first.otherwise(silent());
    second.otherwise(silent());
    resolver(1, true, 2, first, second);
    Map<LookupKey, Duration> keys = new LinkedHashMap<>();
    for (int i = 0; i < 5; i++) {
      keys.put(LookupKey.a("host" + i + ".example.com"), LONG);
    }

    Map<LookupKey, LookupResult> results = resolver.resolveAll(keys, Instant.now().plusMillis(200));
    // Anything started by mistake after the deadline would have sent its query by now.
    Thread.sleep(200);

    assertTrue(results.isEmpty(), results::toString);
    assertEquals(1, resolver.queriesSent());
  }
}
