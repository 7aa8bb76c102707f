package io.fqdnjob.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.model.ResourceId;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** From a Service's EndpointSlices, as listed, to the DNS servers to ask. */
class DnsServiceEndpointsTest {
  private static final ResourceId SERVICE = new ResourceId("kube-system", "kube-dns");

  private static DiscoveryV1EndpointPort port(String name, String protocol, Integer number) {
    return new DiscoveryV1EndpointPort().name(name).protocol(protocol).port(number);
  }

  private static final DiscoveryV1EndpointPort DNS_UDP = port("dns", "UDP", 53);
  private static final DiscoveryV1EndpointPort DNS_TCP = port("dns-tcp", "TCP", 53);
  private static final DiscoveryV1EndpointPort METRICS = port("metrics", "TCP", 9153);

  private static V1Endpoint endpoint(Boolean ready, String... addresses) {
    return new V1Endpoint()
        .addresses(List.of(addresses))
        .conditions(new V1EndpointConditions().ready(ready).serving(ready));
  }

  private static V1EndpointSlice slice(
      String type, List<DiscoveryV1EndpointPort> ports, V1Endpoint... endpoints) {
    return new V1EndpointSlice()
        .addressType(type)
        .ports(ports)
        .endpoints(new ArrayList<>(Arrays.asList(endpoints)));
  }

  private static V1EndpointSlice ipv4(V1Endpoint... endpoints) {
    return slice("IPv4", List.of(DNS_UDP, DNS_TCP, METRICS), endpoints);
  }

  private static InetSocketAddress at(String address, int port) {
    return new InetSocketAddress(address, port);
  }

  private static DnsServiceEndpoints.Found found(V1EndpointSlice... slices) throws Exception {
    return DnsServiceEndpoints.found(SERVICE, List.of(slices));
  }

  @Test
  void everyReadyEndpointOfEverySliceOnTheDnsPortInListOrder() throws Exception {
    DnsServiceEndpoints.Found found =
        found(
            ipv4(endpoint(true, "10.0.0.11"), endpoint(true, "10.0.0.12")),
            slice("IPv6", List.of(DNS_UDP), endpoint(true, "fd00::10")));

    assertEquals(
        List.of(at("10.0.0.11", 53), at("10.0.0.12", 53), at("fd00::10", 53)), found.servers());
    assertEquals(List.of(), found.notReady());
    assertFalse(found.noneReady());
  }

  @Test
  void anEndpointNotReadyIsLeftOutAndNamed() throws Exception {
    DnsServiceEndpoints.Found found =
        found(ipv4(endpoint(true, "10.0.0.11"), endpoint(false, "10.0.0.12")));

    assertEquals(List.of(at("10.0.0.11", 53)), found.servers());
    assertEquals(List.of(at("10.0.0.12", 53)), found.notReady());
    assertFalse(found.noneReady());
  }

  @Test
  void anAddressReadyInOneSliceIsNotCountedNotReadyFromAnother() throws Exception {
    DnsServiceEndpoints.Found found =
        found(ipv4(endpoint(false, "10.0.0.11")), ipv4(endpoint(true, "10.0.0.11")));

    assertEquals(List.of(at("10.0.0.11", 53)), found.servers());
    assertEquals(List.of(), found.notReady());
  }

  @Test
  void whenNoneIsReadyEveryEndpointIsAsked() throws Exception {
    DnsServiceEndpoints.Found found =
        found(ipv4(endpoint(false, "10.0.0.11"), endpoint(false, "10.0.0.12")));

    assertEquals(List.of(at("10.0.0.11", 53), at("10.0.0.12", 53)), found.servers());
    assertEquals(found.servers(), found.notReady());
    assertTrue(found.noneReady());
  }

  @Test
  void anEndpointCountsAsReadyUnlessItsConditionSaysFalse() throws Exception {
    V1Endpoint noConditions = new V1Endpoint().addresses(List.of("10.0.0.11"));
    V1Endpoint readyUnknown = endpoint(null, "10.0.0.12");

    assertEquals(
        List.of(at("10.0.0.11", 53), at("10.0.0.12", 53)),
        found(ipv4(noConditions, readyUnknown)).servers());
  }

  @Test
  void thePortNamedDnsWinsThenUdp53ThenTheOnlyUdpPort() throws Exception {
    V1Endpoint one = endpoint(true, "10.0.0.11");
    assertEquals(
        List.of(at("10.0.0.11", 1053)),
        found(slice("IPv4", List.of(port("other", "UDP", 53), port("dns", "UDP", 1053)), one))
            .servers());
    assertEquals(
        List.of(at("10.0.0.11", 53)),
        found(slice("IPv4", List.of(port("a", "UDP", 5353), port("b", "UDP", 53)), one)).servers());
    assertEquals(
        List.of(at("10.0.0.11", 5353)),
        found(slice("IPv4", List.of(port("dns", "TCP", 53), port(null, "UDP", 5353)), one))
            .servers());
  }

  @Test
  void aSliceWithoutAUdpDnsPortIsNotADnsSlice() throws Exception {
    V1Endpoint other = endpoint(true, "10.0.0.99");
    DnsServiceEndpoints.Found found =
        found(
            // Two UDP ports, neither named dns nor 53: which one serves DNS is not known.
            slice("IPv4", List.of(port("a", "UDP", 5353), port("b", "UDP", 5354)), other),
            slice("IPv4", List.of(DNS_TCP), other),
            slice("IPv4", List.of(port("dns", "UDP", null)), other),
            slice("IPv4", null, other),
            ipv4(endpoint(true, "10.0.0.11")));

    assertEquals(List.of(at("10.0.0.11", 53)), found.servers());
  }

  @Test
  void fqdnSlicesAndAddressesThatAreNoIpAddressesAreLeftOut() throws Exception {
    DnsServiceEndpoints.Found found =
        found(
            slice("FQDN", List.of(DNS_UDP), endpoint(true, "dns.example.org")),
            ipv4(endpoint(true, "dns.example.org", "10.0.0.11")));

    assertEquals(List.of(at("10.0.0.11", 53)), found.servers());
  }

  @Test
  void noDnsSliceIsAConfigurationError() {
    String expected =
        "--dns-from-service kube-system/kube-dns: no ready endpoint with a UDP DNS port in its"
            + " EndpointSlices (label kubernetes.io/service-name=kube-dns); is it the name of a"
            + " DNS Service?";
    ConfigurationException none =
        assertThrows(ConfigurationException.class, () -> DnsServiceEndpoints.found(SERVICE, null));
    assertEquals(expected, none.getMessage());
    ConfigurationException notDns =
        assertThrows(
            ConfigurationException.class,
            () -> found(slice("IPv4", List.of(METRICS), endpoint(true, "10.0.0.11"))));
    assertEquals(expected, notDns.getMessage());
  }

  @Test
  void aDnsSliceWithoutEndpointsIsAnOutage() {
    V1EndpointSlice gone = ipv4();
    V1EndpointSlice nullEndpoints = ipv4().endpoints(null);
    DnsServiceUnavailableException e =
        assertThrows(DnsServiceUnavailableException.class, () -> found(gone, nullEndpoints));
    assertEquals(
        "--dns-from-service kube-system/kube-dns: its EndpointSlices list no endpoint (every DNS"
            + " replica is gone); nothing is looked up or written, the next run tries again",
        e.getMessage());
  }
}
