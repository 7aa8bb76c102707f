package io.fqdnjob.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.dns.LookupResult.Failure;
import io.fqdnjob.dns.LookupResult.Success;
import io.fqdnjob.model.ResolveReason;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import io.fqdnjob.testbed.TestZone;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The resolver against the test bed's real BIND server. */
@ExtendWith(TestBedExtension.class)
@Timeout(120)
class DnsResolverIT {
  /** For lookups the server answers at once: long enough never to matter. */
  private static final Duration LONG = Duration.ofSeconds(10);

  private TestBed bed;
  private TestZone zone;
  private DnsResolver resolver;

  @BeforeEach
  void setUp(TestBed bed) {
    this.bed = bed;
    this.zone = bed.zone();
    this.resolver = new DnsResolver(DnsResolver.Config.of(List.of(bed.dnsAddress())));
  }

  @AfterEach
  void tearDown() {
    resolver.close();
  }

  private LookupResult resolve(LookupKey key, Duration timeout) throws Exception {
    return resolver.resolve(key, timeout).get(60, TimeUnit.SECONDS);
  }

  private static Success success(LookupResult result) {
    return assertInstanceOf(Success.class, result, result::toString);
  }

  private static Failure failure(LookupResult result) {
    return assertInstanceOf(Failure.class, result, result::toString);
  }

  private static List<InetAddress> ips(String... ips) throws Exception {
    InetAddress[] addresses = new InetAddress[ips.length];
    for (int i = 0; i < ips.length; i++) {
      addresses[i] = InetAddress.getByName(ips[i]);
    }
    return List.of(addresses);
  }

  // ---- answers ----

  @Test
  void resolvesARecordsSetByDynamicUpdate() throws Exception {
    String name = zone.uniqueName("web");
    zone.setA(name, "192.0.2.2", "192.0.2.1");

    Success success = success(resolve(LookupKey.a(name), LONG));

    assertEquals(ips("192.0.2.1", "192.0.2.2"), success.addresses());
    assertEquals(TestZone.DEFAULT_TTL_SECONDS, success.minTtlSeconds());
    assertEquals(List.of(), success.cnameChain());
    assertEquals(bed.dnsServer(), success.server());
    assertEquals(1, resolver.queriesSent());
  }

  @Test
  void namesAreCaseInsensitiveAndMayEndWithADot() throws Exception {
    String name = zone.uniqueName("case");
    zone.setA(name, "192.0.2.3");

    Success success =
        success(resolve(LookupKey.a(name.toUpperCase(java.util.Locale.ROOT) + "."), LONG));

    assertEquals(ips("192.0.2.3"), success.addresses());
  }

  @Test
  void resolvesAaaaOfAnIpv6OnlyName() throws Exception {
    Success success = success(resolve(LookupKey.aaaa(zone.ipv6OnlyName()), LONG));

    assertEquals(ips(zone.ipv6OnlyAddress()), success.addresses());
  }

  @Test
  void aQueryForAnIpv6OnlyNameIsNodata() throws Exception {
    Failure failure = failure(resolve(LookupKey.a(zone.ipv6OnlyName()), LONG));

    assertEquals(ResolveReason.NODATA, failure.reason());
  }

  @Test
  void dualStackNameHasAnAddressOfEachFamily() throws Exception {
    assertEquals(
        ips(zone.dualStackIpv4()),
        success(resolve(LookupKey.a(zone.dualStackName()), LONG)).addresses());
    assertEquals(
        ips(zone.dualStackIpv6()),
        success(resolve(LookupKey.aaaa(zone.dualStackName()), LONG)).addresses());
  }

  @Test
  void largeAnswerComesOverTcpInFull() throws Exception {
    Success success = success(resolve(LookupKey.a(zone.largeAnswerName()), LONG));

    assertEquals(zone.largeAnswerCount(), success.addresses().size());
    assertEquals(InetAddress.getByName("198.18.0.1"), success.addresses().get(0));
    assertEquals(InetAddress.getByName("198.18.0.150"), success.addresses().get(149));
    // The truncated UDP answer and the TCP retry.
    assertEquals(2, resolver.queriesSent());
  }

  @Test
  void dynamicUpdateIsPickedUpByTheNextLookup() throws Exception {
    String name = zone.uniqueName("moving");
    zone.setA(name, "192.0.2.31");
    assertEquals(ips("192.0.2.31"), success(resolve(LookupKey.a(name), LONG)).addresses());

    zone.setA(name, "192.0.2.32", "192.0.2.33");
    assertEquals(
        ips("192.0.2.32", "192.0.2.33"), success(resolve(LookupKey.a(name), LONG)).addresses());

    zone.delete(name);
    assertEquals(ResolveReason.NXDOMAIN, resolve(LookupKey.a(name), LONG).reason());
  }

  // ---- negative answers and errors ----

  @Test
  void nxdomainNameIsNxdomain() throws Exception {
    Failure failure = failure(resolve(LookupKey.a(zone.nxdomainName()), LONG));

    assertEquals(ResolveReason.NXDOMAIN, failure.reason());
    assertEquals(
        bed.dnsServer() + " answered NXDOMAIN for " + zone.nxdomainName() + " (A)",
        failure.message());
  }

  @Test
  void nodataNameIsNodataForAaaaAndResolvesForA() throws Exception {
    Failure failure = failure(resolve(LookupKey.aaaa(zone.nodataName()), LONG));
    assertEquals(ResolveReason.NODATA, failure.reason());
    assertTrue(failure.message().startsWith(bed.dnsServer() + " answered NODATA for "));

    assertEquals(
        ips(zone.nodataAddress()),
        success(resolve(LookupKey.a(zone.nodataName()), LONG)).addresses());
  }

  @Test
  void servfailNameIsTemporary() throws Exception {
    Failure failure = failure(resolve(LookupKey.a(zone.servfailName()), LONG));

    assertEquals(ResolveReason.TEMPORARY, failure.reason());
    assertEquals(
        "SERVFAIL from " + bed.dnsServer() + " for " + zone.servfailName() + " (A)",
        failure.message());
  }

  @Test
  void noAnswerWithinTheTimeoutIsTimeout() throws Exception {
    String name = zone.timeoutName();

    Failure failure = failure(resolve(LookupKey.a(name), Duration.ofSeconds(1)));

    assertEquals(ResolveReason.TIMEOUT, failure.reason());
    assertEquals(
        "no answer from " + bed.dnsServer() + " within 1s for " + name + " (A)", failure.message());
  }

  // ---- CNAME ----

  @Test
  void cnameChainIsFollowed() throws Exception {
    Success success = success(resolve(LookupKey.a(zone.cnameChainName()), LONG));

    assertEquals(ips(zone.cnameChainAddress()), success.addresses());
    assertEquals(zone.cnameChainLength(), success.cnameChain().size());
    assertEquals("chain-end." + zone.origin(), success.cnameChain().get(2));
  }

  @Test
  void cnameLoopIsOtherError() throws Exception {
    Failure failure = failure(resolve(LookupKey.a(zone.cnameLoopName()), LONG));

    assertEquals(ResolveReason.OTHER_ERROR, failure.reason());
    assertTrue(failure.message().startsWith("CNAME loop: " + zone.cnameLoopName()));
  }

  @Test
  void cnameSetByDynamicUpdateIsFollowed() throws Exception {
    String alias = zone.uniqueName("alias");
    String target = zone.uniqueName("target");
    zone.setA(target, "192.0.2.41");
    zone.setCname(alias, target);

    Success success = success(resolve(LookupKey.a(alias), LONG));

    assertEquals(ips("192.0.2.41"), success.addresses());
    assertEquals(List.of(target), success.cnameChain());
  }

  @Test
  void cnameToAMissingNameIsNxdomain() throws Exception {
    String alias = zone.uniqueName("dangling");
    zone.setCname(alias, zone.uniqueName("missing"));

    assertEquals(ResolveReason.NXDOMAIN, resolve(LookupKey.a(alias), LONG).reason());
  }

  @Test
  void cnameToANameWithoutRecordsOfTheTypeIsNodata() throws Exception {
    String alias = zone.uniqueName("to-v6");
    zone.setCname(alias, zone.ipv6OnlyName());

    Failure failure = failure(resolve(LookupKey.a(alias), LONG));

    assertEquals(ResolveReason.NODATA, failure.reason());
    assertTrue(failure.message().contains(zone.ipv6OnlyName()), failure.message());
  }

  // ---- several keys, deadline, servers ----

  @Test
  void resolveAllResolvesManyNamesAtOnce() {
    resolver.close();
    resolver = new DnsResolver(DnsResolver.Config.of(List.of(bed.dnsAddress())).withMaxInFlight(4));
    Map<LookupKey, Duration> keys = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      String name = zone.uniqueName("many");
      zone.setA(name, "192.0.2." + (100 + i));
      keys.put(LookupKey.a(name), LONG);
    }
    keys.put(LookupKey.a(zone.nxdomainName()), LONG);
    keys.put(LookupKey.aaaa(zone.nodataName()), LONG);

    Map<LookupKey, LookupResult> results = resolver.resolveAll(keys, Instant.now().plusSeconds(60));

    assertEquals(keys.keySet(), results.keySet());
    assertEquals(
        20, results.values().stream().filter(r -> r.reason() == ResolveReason.SUCCESS).count());
  }

  @Test
  void keysUnfinishedAtTheDeadlineAreAbsent() {
    String name = zone.uniqueName("quick");
    zone.setA(name, "192.0.2.50");
    LookupKey quick = LookupKey.a(name);
    LookupKey slow = LookupKey.a(zone.timeoutName());
    Map<LookupKey, Duration> keys = new LinkedHashMap<>();
    keys.put(quick, LONG);
    keys.put(slow, Duration.ofSeconds(25));

    Map<LookupKey, LookupResult> results = resolver.resolveAll(keys, Instant.now().plusSeconds(2));

    assertEquals(List.of(quick), List.copyOf(results.keySet()));
    assertEquals(ResolveReason.SUCCESS, results.get(quick).reason());
  }

  @Test
  void failsOverFromASilentServerToTheBed() throws Exception {
    // A bound socket that never reads: queries to it get no answer and no ICMP error.
    try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      resolver.close();
      resolver =
          new DnsResolver(
              DnsResolver.Config.of(
                  List.of(
                      new InetSocketAddress(
                          InetAddress.getLoopbackAddress(), silent.getLocalPort()),
                      bed.dnsAddress())));
      String name = zone.uniqueName("failover");
      zone.setA(name, "192.0.2.60");

      Success success = success(resolve(LookupKey.a(name), Duration.ofSeconds(2)));

      assertEquals(bed.dnsServer(), success.server());
      assertEquals(2, resolver.queriesSent());
    }
  }

  @Test
  void failsOverFromAClosedPortToTheBed() throws Exception {
    int closedPort;
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    resolver.close();
    resolver =
        new DnsResolver(
            DnsResolver.Config.of(
                List.of(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), closedPort),
                    bed.dnsAddress())));
    String name = zone.uniqueName("closed");
    zone.setA(name, "192.0.2.61");

    Success success = success(resolve(LookupKey.a(name), LONG));

    assertEquals(bed.dnsServer(), success.server());
  }

  @Test
  void closedPortAloneIsTemporary() throws Exception {
    int closedPort;
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    resolver.close();
    resolver =
        new DnsResolver(
            DnsResolver.Config.of(
                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), closedPort))));

    Failure failure = failure(resolve(LookupKey.a(zone.nodataName()), LONG));

    assertEquals(ResolveReason.TEMPORARY, failure.reason());
  }
}
