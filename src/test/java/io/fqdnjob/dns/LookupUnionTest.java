package io.fqdnjob.dns;

import static io.fqdnjob.dns.FakeDnsServer.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.fqdnjob.dns.LookupResult.Failure;
import io.fqdnjob.dns.LookupResult.Success;
import io.fqdnjob.model.ResolveReason;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class LookupUnionTest {
  private static final LookupKey KEY = LookupKey.a("cdn.example.com");
  private static final String FIRST = "192.0.2.53:53";
  private static final String SECOND = "192.0.2.54:5353";

  private static Success success(String server, long ttl, long millis, String... addresses) {
    return success(server, ttl, millis, List.of(), addresses);
  }

  private static Success success(
      String server, long ttl, long millis, List<String> chain, String... addresses) {
    List<InetAddress> parsed = Stream.of(addresses).map(FakeDnsServer::ip).toList();
    return new Success(KEY, server, Duration.ofMillis(millis), parsed, ttl, chain);
  }

  private static Failure failure(String server, long millis, ResolveReason reason) {
    return new Failure(KEY, server, Duration.ofMillis(millis), reason, reason + " from " + server);
  }

  private static LookupResult union(LookupResult... parts) {
    return LookupUnion.of(KEY, List.of(parts));
  }

  @Test
  void successesAreMergedDeduplicatedAndSorted() {
    Success merged =
        assertInstanceOf(
            Success.class,
            union(
                success(FIRST, 300, 10, "192.0.2.20", "192.0.2.3"),
                success(FIRST, 300, 10, "192.0.2.3", "10.0.0.1"),
                success(SECOND, 300, 10, "192.0.2.20", "192.0.2.100")));

    assertEquals(
        List.of(ip("10.0.0.1"), ip("192.0.2.3"), ip("192.0.2.20"), ip("192.0.2.100")),
        merged.addresses());
    assertEquals(KEY, merged.key());
  }

  @Test
  void successTakesTheSmallestTtlAndTheLongestTime() {
    Success merged =
        assertInstanceOf(
            Success.class,
            union(
                success(FIRST, 300, 40, "192.0.2.1"),
                success(SECOND, 20, 15, "192.0.2.2"),
                success(FIRST, 120, 25, "192.0.2.3")));

    assertEquals(20, merged.minTtlSeconds());
    assertEquals(Duration.ofMillis(40), merged.elapsed());
  }

  @Test
  void successNamesEachServerThatAnsweredOnceInOrder() {
    Success merged =
        assertInstanceOf(
            Success.class,
            union(
                success(SECOND, 300, 1, "192.0.2.1"),
                failure(FIRST, 1, ResolveReason.TIMEOUT),
                success(SECOND, 300, 1, "192.0.2.2"),
                success(FIRST, 300, 1, "192.0.2.3")));

    assertEquals(SECOND + "," + FIRST, merged.server());
  }

  @Test
  void failedPartsDoNotSpoilASuccess() {
    for (ResolveReason reason :
        List.of(
            ResolveReason.TIMEOUT,
            ResolveReason.TEMPORARY,
            ResolveReason.NXDOMAIN,
            ResolveReason.NODATA,
            ResolveReason.OTHER_ERROR)) {
      LookupResult merged = union(failure(FIRST, 500, reason), success(SECOND, 60, 5, "192.0.2.7"));

      Success success = assertInstanceOf(Success.class, merged, reason::toString);
      assertEquals(List.of(ip("192.0.2.7")), success.addresses());
      assertEquals(SECOND, success.server());
      assertEquals(60, success.minTtlSeconds(), "a failure has no TTL to give");
      // What the successful part took: the job takes a success later than the timeout for a
      // timeout, and a server that never answers always takes the whole timeout.
      assertEquals(Duration.ofMillis(5), success.elapsed());
    }
  }

  @Test
  void cnameChainIsTheFirstChainAnySuccessfulPartFollowed() {
    Success merged =
        assertInstanceOf(
            Success.class,
            union(
                success(FIRST, 300, 1, List.of(), "192.0.2.1"),
                success(SECOND, 300, 1, List.of("edge.cdn.example.net"), "192.0.2.2")));

    // The first success had the name itself own its addresses: an empty chain counts as none.
    assertEquals(List.of("edge.cdn.example.net"), merged.cnameChain());
  }

  @Test
  void allFailedGivesTheMostImportantReasonWithEveryMessage() {
    Failure merged =
        assertInstanceOf(
            Failure.class,
            union(
                failure(FIRST, 30, ResolveReason.TEMPORARY),
                failure(SECOND, 300, ResolveReason.TIMEOUT),
                failure(FIRST, 20, ResolveReason.TEMPORARY)));

    assertEquals(ResolveReason.TIMEOUT, merged.reason());
    assertEquals(SECOND, merged.server());
    assertEquals("TEMPORARY from 192.0.2.53:53; TIMEOUT from 192.0.2.54:5353", merged.message());
    assertEquals(Duration.ofMillis(300), merged.elapsed());
    assertEquals(KEY, merged.key());
  }

  @Test
  void failureReasonsFollowTheirPriority() {
    assertEquals(
        ResolveReason.NXDOMAIN,
        union(failure(FIRST, 1, ResolveReason.TIMEOUT), failure(SECOND, 1, ResolveReason.NXDOMAIN))
            .reason());
    assertEquals(
        ResolveReason.OTHER_ERROR,
        union(
                failure(FIRST, 1, ResolveReason.NODATA),
                failure(SECOND, 1, ResolveReason.OTHER_ERROR))
            .reason());
    assertEquals(
        ResolveReason.NXDOMAIN,
        union(failure(FIRST, 1, ResolveReason.NODATA), failure(SECOND, 1, ResolveReason.NXDOMAIN))
            .reason());
  }

  @Test
  void singlePartIsPassedOnUnchanged() {
    Success only = success(FIRST, 300, 7, List.of("edge.example.net"), "192.0.2.1");

    assertEquals(only, union(only));
  }
}
