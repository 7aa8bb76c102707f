package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.dns.DnsResolver;
import io.fqdnjob.dns.LookupKey;
import io.fqdnjob.dns.RecordType;
import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.kube.ConfigurationException;
import io.fqdnjob.kube.DnsServiceEndpoints;
import io.fqdnjob.kube.StopSignal;
import io.fqdnjob.model.ResourceId;
import io.kubernetes.client.openapi.ApiException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The DNS servers of each run, read from --dns-from-service within the run. */
class DnsServersTest {
  private static final ResourceId SERVICE = new ResourceId("kube-system", "kube-dns");
  private static final InetSocketAddress ONE = new InetSocketAddress("127.0.0.1", 1053);
  private static final InetSocketAddress TWO = new InetSocketAddress("127.0.0.2", 1053);

  /** What each read returns or throws, in turn. */
  private final Deque<Object> reads = new ArrayDeque<>();

  private final List<DnsResolver> made = new ArrayList<>();
  private final StopSignal stop = StopSignal.create();

  private DnsServers servers() {
    return new DnsServers(
        SERVICE,
        retry -> {
          Object next = reads.removeFirst();
          if (next instanceof ApiException e) {
            throw e;
          }
          if (next instanceof ConfigurationException e) {
            throw e;
          }
          return (DnsServiceEndpoints.Found) next;
        },
        list -> {
          DnsResolver resolver = new DnsResolver(DnsResolver.Config.of(list));
          made.add(resolver);
          return resolver;
        },
        stop);
  }

  private static DnsServiceEndpoints.Found found(InetSocketAddress... servers) {
    return new DnsServiceEndpoints.Found(List.of(servers), List.of());
  }

  @AfterEach
  void close() {
    made.forEach(DnsResolver::close);
  }

  @Test
  void aRightMissingToReadTheServiceIsAConfigurationErrorThatNamesIt() {
    reads.add(new ApiException(403, "forbidden"));
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> servers().resolver(ApiRetry.standard()));
    assertTrue(
        e.getMessage()
            .startsWith(
                "--dns-from-service kube-system/kube-dns: the credentials may"
                    + " not list endpointslices.discovery.k8s.io in kube-system"),
        e.getMessage());
  }

  @Test
  void aServiceWithoutDnsEndpointSlicesIsAConfigurationError() {
    reads.add(
        new ConfigurationException("--dns-from-service kube-system/kube-dns: no EndpointSlice"));
    assertThrows(ConfigurationException.class, () -> servers().resolver(ApiRetry.standard()));
  }

  @Test
  void aPassingFailureOfTheFirstReadFailsTheRunAndIsNoConfigurationError() {
    reads.add(new ApiException(503, "unavailable"));
    DnsServers.UnavailableException e =
        assertThrows(
            DnsServers.UnavailableException.class, () -> servers().resolver(ApiRetry.standard()));
    assertFalse(e.cutShort());
    assertTrue(e.getMessage().contains("the next run tries again"), e.getMessage());
  }

  @Test
  void laterRunsKeepTheServersReadBeforeWhenAReadFails() throws Exception {
    DnsServers servers = servers();
    reads.add(found(ONE));
    reads.add(new ApiException(503, "unavailable"));
    reads.add(new ConfigurationException("no EndpointSlice"));
    DnsResolver first = servers.resolver(ApiRetry.standard());
    assertSame(first, servers.resolver(ApiRetry.standard()));
    assertSame(first, servers.resolver(ApiRetry.standard()));
  }

  @Test
  void newEndpointsMakeANewResolver() throws Exception {
    DnsServers servers = servers();
    reads.add(found(ONE));
    reads.add(found(ONE));
    reads.add(found(ONE, TWO));
    DnsResolver first = servers.resolver(ApiRetry.standard());
    assertSame(first, servers.resolver(ApiRetry.standard()));
    assertNotSame(first, servers.resolver(ApiRetry.standard()));
  }

  @Test
  void aStopCancelsTheLookupsOfTheResolverInUse() throws Exception {
    DnsServers servers = servers();
    reads.add(found(ONE));
    DnsResolver resolver = servers.resolver(ApiRetry.standard());
    stop.request(StopSignal.Reason.SIGNAL, "SIGTERM");
    assertTrue(
        resolver
            .resolve(new LookupKey("example.com", RecordType.A), Duration.ofSeconds(5))
            .isCancelled(),
        "nothing is sent after a stop");
  }
}
