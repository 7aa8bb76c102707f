package io.fqdnjob.dns;

import static io.fqdnjob.dns.FakeDnsServer.a;
import static io.fqdnjob.dns.FakeDnsServer.aaaa;
import static io.fqdnjob.dns.FakeDnsServer.cname;
import static io.fqdnjob.dns.FakeDnsServer.error;
import static io.fqdnjob.dns.FakeDnsServer.ip;
import static io.fqdnjob.dns.FakeDnsServer.name;
import static io.fqdnjob.dns.FakeDnsServer.rcode;
import static io.fqdnjob.dns.FakeDnsServer.records;
import static io.fqdnjob.dns.FakeDnsServer.silent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.dns.LookupResult.Failure;
import io.fqdnjob.dns.LookupResult.Success;
import io.fqdnjob.model.ResolveReason;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Type;
import org.xbill.DNS.WireParseException;

@Timeout(30)
class DnsResolverTest {
  /** For lookups that are answered at once: long enough never to matter. */
  private static final Duration LONG = Duration.ofSeconds(20);

  /** For lookups that are meant to time out. */
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

  private DnsResolver resolver(FakeDnsServer... servers) {
    return resolver(DnsResolver.Config.DEFAULT_MAX_IN_FLIGHT, servers);
  }

  private DnsResolver resolver(int maxInFlight, FakeDnsServer... servers) {
    Map<InetSocketAddress, FakeDnsServer> byAddress = new LinkedHashMap<>();
    for (FakeDnsServer server : servers) {
      byAddress.put(server.address, server);
    }
    Function<InetSocketAddress, Resolver> factory = byAddress::get;
    resolver =
        new DnsResolver(
            DnsResolver.Config.of(List.copyOf(byAddress.keySet()))
                .withMaxInFlight(maxInFlight)
                .withResolverFactory(factory));
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

  // ---- success ----

  @Test
  void resolvesARecords() throws Exception {
    first.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")));
    resolver(first);

    Success success = success(resolve(WWW_A, LONG));

    assertEquals(WWW_A, success.key());
    assertEquals(List.of("192.0.2.10"), addresses(success));
    assertEquals(300, success.minTtlSeconds());
    assertEquals(List.of(), success.cnameChain());
    assertEquals("192.0.2.53:53", success.server());
    assertEquals(ResolveReason.SUCCESS, success.reason());
    assertFalse(success.elapsed().isNegative());
  }

  @Test
  void resolvesAaaaRecords() throws Exception {
    first.on(
        "www.example.com",
        Type.AAAA,
        records(aaaa("www.example.com", 60, "2001:db8::1"), aaaa("www.example.com", 60, "::1")));
    resolver(first);

    Success success = success(resolve(LookupKey.aaaa("www.example.com"), LONG));

    assertEquals(List.of(ip("::1"), ip("2001:db8::1")), success.addresses());
  }

  @Test
  void addressesAreDeduplicatedAndSorted() throws Exception {
    first.on(
        "www.example.com",
        Type.A,
        records(
            a("www.example.com", 300, "192.0.2.200"),
            a("www.example.com", 300, "10.0.0.1"),
            a("www.example.com", 300, "192.0.2.3"),
            a("www.example.com", 300, "10.0.0.1")));
    resolver(first);

    Success success = success(resolve(WWW_A, LONG));

    // Numeric order, not text order: 192.0.2.3 before 192.0.2.200.
    assertEquals(List.of("10.0.0.1", "192.0.2.3", "192.0.2.200"), addresses(success));
    // Addresses carry no host name from the records they came from.
    assertEquals("/10.0.0.1", success.addresses().get(0).toString());
  }

  @Test
  void minTtlIsTheSmallestOfAddressAndCnameRecords() throws Exception {
    first.on(
        "www.example.com",
        Type.A,
        records(
            cname("www.example.com", 120, "web.example.com"),
            a("web.example.com", 300, "192.0.2.1"),
            a("web.example.com", 200, "192.0.2.2")));
    resolver(first);

    assertEquals(120, success(resolve(WWW_A, LONG)).minTtlSeconds());
  }

  @Test
  void minTtlCountsAddressRecordsBelowTheCname() throws Exception {
    first.on(
        "www.example.com",
        Type.A,
        records(
            cname("www.example.com", 3600, "web.example.com"),
            a("web.example.com", 300, "192.0.2.1"),
            a("web.example.com", 30, "192.0.2.2")));
    resolver(first);

    assertEquals(30, success(resolve(WWW_A, LONG)).minTtlSeconds());
  }

  @Test
  void namesAreAbsoluteWithoutSearchList() throws Exception {
    first.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")));
    resolver(first);

    success(resolve(new LookupKey("WWW.Example.com.", RecordType.A), LONG));

    Record question = first.queries.get(0).getQuestion();
    assertTrue(question.getName().isAbsolute());
    assertEquals("www.example.com.", question.getName().toString());
    assertEquals(1, first.queryCount());
  }

  // ---- CNAME ----

  @Test
  void followsCnameChainInTheAnswer() throws Exception {
    first.on(
        "www.example.com",
        Type.A,
        records(
            cname("www.example.com", 300, "edge.example.net"),
            cname("edge.example.net", 300, "EDGE-7.cdn.example.org"),
            a("edge-7.cdn.example.org", 300, "192.0.2.7")));
    resolver(first);

    Success success = success(resolve(WWW_A, LONG));

    assertEquals(List.of("192.0.2.7"), addresses(success));
    assertEquals(List.of("edge.example.net", "edge-7.cdn.example.org"), success.cnameChain());
    assertEquals(1, first.queryCount());
  }

  @Test
  void queriesTheTargetWhenTheAnswerEndsAtACname() throws Exception {
    first
        .on("www.example.com", Type.A, records(cname("www.example.com", 300, "web.example.net")))
        .on("web.example.net", Type.A, records(a("web.example.net", 60, "192.0.2.8")));
    resolver(first);

    Success success = success(resolve(WWW_A, LONG));

    assertEquals(List.of("192.0.2.8"), addresses(success));
    assertEquals(List.of("web.example.net"), success.cnameChain());
    assertEquals(60, success.minTtlSeconds());
    assertEquals(2, first.queryCount());
    assertEquals("web.example.net.", first.queries.get(1).getQuestion().getName().toString());
    assertEquals(2, resolver.queriesSent());
  }

  @Test
  void cnameLoopIsOtherError() throws Exception {
    first.on(
        "a.example.com",
        Type.A,
        records(
            cname("a.example.com", 300, "b.example.com"),
            cname("b.example.com", 300, "a.example.com")));
    resolver(first);

    Failure failure = failure(resolve(LookupKey.a("a.example.com"), LONG));

    assertEquals(ResolveReason.OTHER_ERROR, failure.reason());
    assertEquals(
        "CNAME loop: a.example.com -> b.example.com -> a.example.com, answered by 192.0.2.53:53",
        failure.message());
    assertTrue(failure.reason().isTransient());
  }

  @Test
  void cnameLoopAcrossQueriesIsOtherError() throws Exception {
    first
        .on("a.example.com", Type.A, records(cname("a.example.com", 300, "b.example.net")))
        .on("b.example.net", Type.A, records(cname("b.example.net", 300, "a.example.com")));
    resolver(first);

    Failure failure = failure(resolve(LookupKey.a("a.example.com"), LONG));

    assertEquals(ResolveReason.OTHER_ERROR, failure.reason());
    assertEquals(
        "CNAME loop: a.example.com -> b.example.net -> a.example.com, answered by 192.0.2.53:53",
        failure.message());
    assertEquals(2, first.queryCount());
  }

  @Test
  void cnameLoopAnsweredWithServfailIsOtherError() throws Exception {
    // What BIND does: it gives up after a few restarts and answers SERVFAIL with the chain so far.
    first.on(
        "a.example.com",
        Type.A,
        rcode(
            Rcode.SERVFAIL,
            cname("a.example.com", 300, "b.example.com"),
            cname("b.example.com", 300, "a.example.com")));
    second.otherwise(silent());
    resolver(first, second);

    Failure failure = failure(resolve(LookupKey.a("a.example.com"), LONG));

    assertEquals(ResolveReason.OTHER_ERROR, failure.reason());
    assertEquals(
        "CNAME loop: a.example.com -> b.example.com -> a.example.com,"
            + " answered by 192.0.2.53:53 with SERVFAIL",
        failure.message());
    // The loop is in the data: the other server is not asked.
    assertEquals(0, second.queryCount());
  }

  @Test
  void servfailWithAnOrdinaryCnameInTheAnswerIsStillTemporary() throws Exception {
    first.on(
        "www.example.com",
        Type.A,
        rcode(Rcode.SERVFAIL, cname("www.example.com", 300, "web.example.net")));
    resolver(first);

    assertEquals(ResolveReason.TEMPORARY, resolve(WWW_A, LONG).reason());
  }

  private static Record[] chainOf(int hops) {
    List<Record> records = new ArrayList<>();
    for (int i = 0; i < hops; i++) {
      String from = i == 0 ? "www.example.com" : "hop" + i + ".example.com";
      records.add(cname(from, 300, "hop" + (i + 1) + ".example.com"));
    }
    records.add(a("hop" + hops + ".example.com", 300, "192.0.2.1"));
    return records.toArray(Record[]::new);
  }

  @Test
  void cnameChainAtTheHopLimitResolves() throws Exception {
    first.on(
        "www.example.com", Type.A, records(chainOf(DnsResolver.Config.DEFAULT_MAX_CNAME_HOPS)));
    resolver(first);

    Success success = success(resolve(WWW_A, LONG));

    assertEquals(8, success.cnameChain().size());
  }

  @Test
  void cnameChainLongerThanTheHopLimitIsOtherError() throws Exception {
    first.on(
        "www.example.com", Type.A, records(chainOf(DnsResolver.Config.DEFAULT_MAX_CNAME_HOPS + 1)));
    resolver(first);

    Failure failure = failure(resolve(WWW_A, LONG));

    assertEquals(ResolveReason.OTHER_ERROR, failure.reason());
    assertTrue(
        failure.message().startsWith("CNAME chain longer than 8 hops: www.example.com -> hop1"),
        failure.message());
  }

  @Test
  void hopLimitCountsFollowUpQueries() throws Exception {
    for (int i = 0; i < 5; i++) {
      String from = i == 0 ? "www.example.com" : "hop" + i + ".example.com";
      first.on(from, Type.A, records(cname(from, 300, "hop" + (i + 1) + ".example.com")));
    }
    resolver =
        new DnsResolver(
            DnsResolver.Config.of(List.of(first.address))
                .withMaxCnameHops(4)
                .withResolverFactory(address -> first));

    Failure failure = failure(resolve(WWW_A, LONG));

    assertEquals(ResolveReason.OTHER_ERROR, failure.reason());
    assertTrue(failure.message().startsWith("CNAME chain longer than 4 hops"), failure.message());
    assertEquals(5, first.queryCount());
  }

  // ---- negative answers ----

  @Test
  void nxdomainIsNotTransient() throws Exception {
    first.on("www.example.com", Type.A, rcode(Rcode.NXDOMAIN));
    resolver(first);

    Failure failure = failure(resolve(WWW_A, LONG));

    assertEquals(ResolveReason.NXDOMAIN, failure.reason());
    assertFalse(failure.reason().isTransient());
    assertEquals("192.0.2.53:53 answered NXDOMAIN for www.example.com (A)", failure.message());
    assertEquals("192.0.2.53:53", failure.server());
  }

  @Test
  void nxdomainAtTheEndOfACnameChainNamesTheTarget() throws Exception {
    first.on(
        "www.example.com",
        Type.A,
        rcode(Rcode.NXDOMAIN, cname("www.example.com", 300, "gone.example.com")));
    resolver(first);

    Failure failure = failure(resolve(WWW_A, LONG));

    assertEquals(ResolveReason.NXDOMAIN, failure.reason());
    assertEquals(
        "192.0.2.53:53 answered NXDOMAIN for gone.example.com (A),"
            + " reached via CNAME www.example.com -> gone.example.com",
        failure.message());
    // The rcode already speaks for the target: no second query.
    assertEquals(1, first.queryCount());
  }

  @Test
  void nodataWhenTheNameHasNoRecordOfTheType() throws Exception {
    first.on("www.example.com", Type.AAAA, rcode(Rcode.NOERROR));
    resolver(first);

    Failure failure = failure(resolve(LookupKey.aaaa("www.example.com"), LONG));

    assertEquals(ResolveReason.NODATA, failure.reason());
    assertFalse(failure.reason().isTransient());
    assertEquals(
        "192.0.2.53:53 answered NODATA for www.example.com (AAAA):"
            + " the name exists but has no AAAA record",
        failure.message());
  }

  @Test
  void nodataAfterFollowingACnameToATargetWithoutRecords() throws Exception {
    first
        .on("www.example.com", Type.A, records(cname("www.example.com", 300, "v6.example.net")))
        .on("v6.example.net", Type.A, rcode(Rcode.NOERROR));
    resolver(first);

    Failure failure = failure(resolve(WWW_A, LONG));

    assertEquals(ResolveReason.NODATA, failure.reason());
    assertTrue(
        failure.message().startsWith("192.0.2.53:53 answered NODATA for v6.example.net (A)"),
        failure.message());
    assertTrue(failure.message().endsWith("via CNAME www.example.com -> v6.example.net"));
  }

  @Test
  void nxdomainVsNodataVsServfail() throws Exception {
    first
        .on("nx.example.com", Type.A, rcode(Rcode.NXDOMAIN))
        .on("nodata.example.com", Type.A, rcode(Rcode.NOERROR))
        .on("broken.example.com", Type.A, rcode(Rcode.SERVFAIL));
    resolver(first);

    assertEquals(ResolveReason.NXDOMAIN, resolve(LookupKey.a("nx.example.com"), LONG).reason());
    assertEquals(ResolveReason.NODATA, resolve(LookupKey.a("nodata.example.com"), LONG).reason());
    assertEquals(
        ResolveReason.TEMPORARY, resolve(LookupKey.a("broken.example.com"), LONG).reason());
  }

  // ---- server errors ----

  @Test
  void servfailIsTemporary() throws Exception {
    first.on("www.example.com", Type.A, rcode(Rcode.SERVFAIL));
    resolver(first);

    Failure failure = failure(resolve(WWW_A, LONG));

    assertEquals(ResolveReason.TEMPORARY, failure.reason());
    assertTrue(failure.reason().isTransient());
    assertEquals("SERVFAIL from 192.0.2.53:53 for www.example.com (A)", failure.message());
  }

  @Test
  void refusedIsTemporary() throws Exception {
    first.on("www.example.com", Type.A, rcode(Rcode.REFUSED));
    resolver(first);

    Failure failure = failure(resolve(WWW_A, LONG));

    assertEquals(ResolveReason.TEMPORARY, failure.reason());
    assertEquals("REFUSED from 192.0.2.53:53 for www.example.com (A)", failure.message());
  }

  @Test
  void otherServerRcodesAreTemporary() throws Exception {
    first
        .on("formerr.example.com", Type.A, rcode(Rcode.FORMERR))
        .on("notimp.example.com", Type.A, rcode(Rcode.NOTIMP));
    resolver(first);

    assertEquals(
        ResolveReason.TEMPORARY, resolve(LookupKey.a("formerr.example.com"), LONG).reason());
    assertEquals(
        ResolveReason.TEMPORARY, resolve(LookupKey.a("notimp.example.com"), LONG).reason());
  }

  @Test
  void portUnreachableIsTemporary() throws Exception {
    first.otherwise(error(new PortUnreachableException()));
    resolver(first);

    Failure failure = failure(resolve(WWW_A, LONG));

    assertEquals(ResolveReason.TEMPORARY, failure.reason());
    assertEquals(
        "192.0.2.53:53 unreachable for www.example.com (A): nothing listens on that port",
        failure.message());
  }

  @Test
  void malformedAnswerIsOtherError() throws Exception {
    first.otherwise(error(new WireParseException("invalid DNS header - too short")));
    resolver(first);

    Failure failure = failure(resolve(WWW_A, LONG));

    assertEquals(ResolveReason.OTHER_ERROR, failure.reason());
    assertEquals(
        "unusable answer from 192.0.2.53:53 for www.example.com (A):"
            + " invalid DNS header - too short",
        failure.message());
  }

  @Test
  void answerToAnotherQuestionIsOtherError() throws Exception {
    first.otherwise(query ->
        CompletableFuture.completedFuture(
            FakeDnsServer.response(
                Message.newQuery(Record.newRecord(name("evil.example.org"), Type.A, 1)),
                Rcode.NOERROR,
                a("evil.example.org", 300, "203.0.113.66"))));
    resolver(first);

    Failure failure = failure(resolve(WWW_A, LONG));

    assertEquals(ResolveReason.OTHER_ERROR, failure.reason());
    assertTrue(failure.message().startsWith("192.0.2.53:53 answered another question"));
  }

  @Test
  void answerWithOnlyUnrelatedRecordsIsOtherError() throws Exception {
    first.on("www.example.com", Type.A, records(a("other.example.com", 300, "192.0.2.99")));
    resolver(first);

    Failure failure = failure(resolve(WWW_A, LONG));

    assertEquals(ResolveReason.OTHER_ERROR, failure.reason());
    assertTrue(failure.message().startsWith("unexpected answer from 192.0.2.53:53"));
  }

  @Test
  void unrelatedRecordsBesideTheAnswerAreIgnored() throws Exception {
    first.on(
        "www.example.com",
        Type.A,
        records(a("www.example.com", 300, "192.0.2.1"), a("other.example.com", 300, "192.0.2.99")));
    resolver(first);

    assertEquals(List.of("192.0.2.1"), addresses(success(resolve(WWW_A, LONG))));
  }

  @Test
  void invalidNameIsRejectedWithoutQuery() throws Exception {
    resolver(first);

    Failure failure = failure(resolve(LookupKey.a("a_b.example.com"), LONG));

    assertEquals(ResolveReason.INVALID_DOMAIN, failure.reason());
    assertFalse(failure.reason().isTransient());
    assertEquals("invalid name 'a_b.example.com': label 'a_b' contains '_'", failure.message());
    assertEquals("", failure.server());
    assertEquals(0, first.queryCount());
    assertEquals(0, resolver.queriesSent());
  }

  @Test
  void secondTrailingDotIsInvalid() throws Exception {
    resolver(first);

    Failure failure = failure(resolve(LookupKey.a("www.example.com.."), LONG));

    assertEquals(ResolveReason.INVALID_DOMAIN, failure.reason());
    assertEquals(0, first.queryCount());
  }

  // ---- timeouts and failover ----

  @Test
  void noAnswerWithinTheTimeoutIsTimeout() throws Exception {
    first.otherwise(silent());
    resolver(first);

    Failure failure = failure(resolve(WWW_A, SHORT));

    assertEquals(ResolveReason.TIMEOUT, failure.reason());
    assertTrue(failure.reason().isTransient());
    assertEquals(
        "no answer from 192.0.2.53:53 within 300ms for www.example.com (A)", failure.message());
  }

  @Test
  void dnsjavaTimeoutIsTimeout() throws Exception {
    first.otherwise(error(new SocketTimeoutException("Query timed out")));
    resolver(first);

    assertEquals(ResolveReason.TIMEOUT, resolve(WWW_A, LONG).reason());
  }

  @Test
  void eachQueryCarriesItsShareOfTheTimeout() throws Exception {
    first.otherwise(silent());
    second.otherwise(silent());
    resolver(first, second);

    assertEquals(ResolveReason.TIMEOUT, resolve(WWW_A, Duration.ofMillis(400)).reason());

    // The first server gets half of the lookup's time, the second what is left.
    assertEquals(List.of(Duration.ofMillis(200)), first.timeouts);
    assertEquals(1, second.timeouts.size());
    Duration secondShare = second.timeouts.get(0);
    assertTrue(secondShare.compareTo(Duration.ofMillis(200)) <= 0, secondShare::toString);
    assertTrue(secondShare.compareTo(Duration.ofMillis(100)) > 0, secondShare::toString);
  }

  @Test
  void failsOverToTheSecondServerOnTimeout() throws Exception {
    first.otherwise(silent());
    second.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")));
    resolver(first, second);

    Success success = success(resolve(WWW_A, Duration.ofMillis(600)));

    assertEquals("192.0.2.54:5353", success.server());
    assertEquals(1, first.queryCount());
    assertEquals(1, second.queryCount());
    assertEquals(2, resolver.queriesSent());
  }

  @Test
  void failsOverToTheSecondServerOnServfail() throws Exception {
    first.otherwise(rcode(Rcode.SERVFAIL));
    second.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")));
    resolver(first, second);

    assertEquals("192.0.2.54:5353", success(resolve(WWW_A, LONG)).server());
  }

  @Test
  void failsOverToTheSecondServerOnNetworkError() throws Exception {
    first.otherwise(error(new PortUnreachableException()));
    second.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")));
    resolver(first, second);

    assertEquals("192.0.2.54:5353", success(resolve(WWW_A, LONG)).server());
  }

  @Test
  void nxdomainFromTheFirstServerIsFinal() throws Exception {
    first.otherwise(rcode(Rcode.NXDOMAIN));
    second.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")));
    resolver(first, second);

    assertEquals(ResolveReason.NXDOMAIN, resolve(WWW_A, LONG).reason());
    assertEquals(0, second.queryCount());
  }

  @Test
  void nodataFromTheFirstServerIsFinal() throws Exception {
    first.otherwise(rcode(Rcode.NOERROR));
    second.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")));
    resolver(first, second);

    assertEquals(ResolveReason.NODATA, resolve(WWW_A, LONG).reason());
    assertEquals(0, second.queryCount());
  }

  @Test
  void failureAfterAllServersNamesEachOfThem() throws Exception {
    first.otherwise(rcode(Rcode.SERVFAIL));
    second.otherwise(silent());
    resolver(first, second);

    Failure failure = failure(resolve(WWW_A, SHORT));

    // TIMEOUT outranks TEMPORARY, as in the resource's Resolve condition.
    assertEquals(ResolveReason.TIMEOUT, failure.reason());
    assertEquals("192.0.2.54:5353", failure.server());
    assertTrue(
        failure.message().startsWith("SERVFAIL from 192.0.2.53:53 for www.example.com (A); "),
        failure.message());
    assertTrue(failure.message().contains("no answer from 192.0.2.54:5353 within"));
  }

  @Test
  void cnameTargetIsAskedFirstFromTheServerThatGaveTheCname() throws Exception {
    first.otherwise(silent());
    second
        .on("www.example.com", Type.A, records(cname("www.example.com", 300, "web.example.net")))
        .on("web.example.net", Type.A, records(a("web.example.net", 300, "192.0.2.8")));
    resolver(first, second);

    Success success = success(resolve(WWW_A, Duration.ofSeconds(2)));

    assertEquals(List.of("192.0.2.8"), addresses(success));
    assertEquals(1, first.queryCount());
    assertEquals(2, second.queryCount());
  }

  // ---- concurrency, deadline, cancel ----

  @Test
  void queriesRunOnTheResolversOwnExecutor() throws Exception {
    first.otherwise(rcode(Rcode.NXDOMAIN));
    resolver(first);

    resolve(WWW_A, LONG);

    assertNotSame(ForkJoinPool.commonPool(), first.executors.get(0));
    assertInstanceOf(
        java.util.concurrent.ScheduledThreadPoolExecutor.class, first.executors.get(0));
  }

  @Test
  void atMostMaxInFlightLookupsRunAtOnce() throws Exception {
    ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    try {
      // Each answer comes 20 ms after its query, so lookups overlap unless held back.
      first.otherwise(query -> {
        CompletableFuture<Message> answer = new CompletableFuture<>();
        later.schedule(
            () ->
                answer.complete(
                    FakeDnsServer.response(
                        query,
                        Rcode.NOERROR,
                        a(query.getQuestion().getName().toString(), 300, "192.0.2.1"))),
            20,
            TimeUnit.MILLISECONDS);
        return answer;
      });
      resolver(3, first);
      Map<LookupKey, Duration> keys = new LinkedHashMap<>();
      for (int i = 0; i < 30; i++) {
        keys.put(LookupKey.a("host" + i + ".example.com"), LONG);
      }

      Map<LookupKey, LookupResult> results =
          resolver.resolveAll(keys, Instant.now().plusSeconds(20));

      assertEquals(30, results.size());
      assertTrue(results.values().stream().allMatch(r -> r instanceof Success));
      assertEquals(3, first.maxInFlight.get());
      assertEquals(30, resolver.queriesSent());
    } finally {
      later.shutdownNow();
    }
  }

  @Test
  void resolveAllWithNoDeadlineWaitsForEveryLookup() throws Exception {
    first.on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")));
    resolver(first);

    Map<LookupKey, LookupResult> results = resolver.resolveAll(Map.of(WWW_A, LONG), Instant.MAX);

    assertEquals(ResolveReason.SUCCESS, results.get(WWW_A).reason());
  }

  @Test
  void resolveAllReturnsFailuresAsData() throws Exception {
    first
        .on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")))
        .on("nx.example.com", Type.A, rcode(Rcode.NXDOMAIN))
        .on("broken.example.com", Type.A, rcode(Rcode.SERVFAIL));
    resolver(first);
    Map<LookupKey, Duration> keys = new LinkedHashMap<>();
    keys.put(WWW_A, LONG);
    keys.put(LookupKey.a("nx.example.com"), LONG);
    keys.put(LookupKey.a("broken.example.com"), LONG);
    keys.put(LookupKey.a("bad_name.example.com"), LONG);

    Map<LookupKey, LookupResult> results = resolver.resolveAll(keys, Instant.now().plusSeconds(20));

    assertEquals(List.copyOf(keys.keySet()), List.copyOf(results.keySet()));
    assertEquals(
        List.of(
            ResolveReason.SUCCESS,
            ResolveReason.NXDOMAIN,
            ResolveReason.TEMPORARY,
            ResolveReason.INVALID_DOMAIN),
        results.values().stream().map(LookupResult::reason).toList());
  }

  @Test
  void keysUnfinishedAtTheDeadlineAreAbsent() throws Exception {
    first
        .on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")))
        .on("slow.example.com", Type.A, silent());
    resolver(first);
    Map<LookupKey, Duration> keys = new LinkedHashMap<>();
    keys.put(WWW_A, LONG);
    keys.put(LookupKey.a("slow.example.com"), LONG);

    Map<LookupKey, LookupResult> results = resolver.resolveAll(keys, Instant.now().plusMillis(300));

    assertEquals(List.of(WWW_A), List.copyOf(results.keySet()));
  }

  @Test
  void lookupTimeoutShorterThanTheDeadlineIsAResult() throws Exception {
    first.otherwise(silent());
    resolver(first);

    Map<LookupKey, LookupResult> results =
        resolver.resolveAll(Map.of(WWW_A, Duration.ofMillis(200)), Instant.now().plusSeconds(10));

    assertEquals(ResolveReason.TIMEOUT, results.get(WWW_A).reason());
  }

  @Test
  void keysUnfinishedWhenCancelledAreAbsent() throws Exception {
    CountDownLatch slowAsked = new CountDownLatch(1);
    first
        .on("www.example.com", Type.A, records(a("www.example.com", 300, "192.0.2.10")))
        .on(
            "slow.example.com",
            Type.A,
            query -> {
              slowAsked.countDown();
              return new CompletableFuture<>();
            });
    resolver(first);
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

    Instant before = Instant.now();
    Map<LookupKey, LookupResult> results = resolver.resolveAll(keys, Instant.now().plusSeconds(20));

    canceller.join();
    assertEquals(List.of(WWW_A), List.copyOf(results.keySet()));
    // Returned because of cancel(), not because of the deadline.
    assertTrue(Duration.between(before, Instant.now()).compareTo(Duration.ofSeconds(15)) < 0);
  }

  @Test
  void queuedKeysAreAbsentWhenTheDeadlineComesBeforeTheyStart() throws Exception {
    first.otherwise(silent());
    resolver(1, first);
    Map<LookupKey, Duration> keys = new LinkedHashMap<>();
    for (int i = 0; i < 5; i++) {
      keys.put(LookupKey.a("host" + i + ".example.com"), LONG);
    }

    Map<LookupKey, LookupResult> results = resolver.resolveAll(keys, Instant.now().plusMillis(200));

    assertTrue(results.isEmpty(), results::toString);
    assertEquals(1, first.queryCount());
  }

  @Test
  void resolveAfterCancelIsCancelled() {
    resolver(first);
    resolver.cancel();

    CompletableFuture<LookupResult> future = resolver.resolve(WWW_A, LONG);

    assertTrue(future.isCancelled());
    assertTrue(resolver.resolveAll(Map.of(WWW_A, LONG), Instant.now().plusSeconds(5)).isEmpty());
    assertEquals(0, first.queryCount());
  }

  @Test
  void closeCancelsRunningLookups() {
    first.otherwise(silent());
    resolver(first);
    CompletableFuture<LookupResult> future = resolver.resolve(WWW_A, LONG);

    resolver.close();

    assertThrows(CancellationException.class, () -> future.get(5, TimeUnit.SECONDS));
  }

  @Test
  void resolveAllWithABadTimeoutStartsNothing() {
    resolver(first);
    Map<LookupKey, Duration> keys = new LinkedHashMap<>();
    keys.put(WWW_A, LONG);
    keys.put(LookupKey.a("other.example.com"), Duration.ZERO);

    assertThrows(
        IllegalArgumentException.class,
        () -> resolver.resolveAll(keys, Instant.now().plusSeconds(5)));
    assertEquals(0, resolver.queriesSent());
  }

  @Test
  void configNeedsAServer() {
    assertThrows(IllegalArgumentException.class, () -> DnsResolver.Config.of(List.of()));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            DnsResolver.Config.of(List.of(InetSocketAddress.createUnresolved("dns.example", 53))));
    assertThrows(
        IllegalArgumentException.class,
        () -> DnsResolver.Config.of(List.of(first.address)).withMaxInFlight(0));
  }

  @Test
  void systemDefaultsUseTheNameServersOnPort53() {
    DnsResolver.Config config = DnsResolver.Config.systemDefaults();

    assertFalse(config.servers().isEmpty());
    assertEquals(
        List.of(53),
        config.servers().stream()
            .map(InetSocketAddress::getPort)
            .distinct()
            .collect(Collectors.toList()));
  }
}
