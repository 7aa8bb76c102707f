package io.fqdnjob.kube;

import com.google.common.net.InetAddresses;
import io.fqdnjob.model.ResourceId;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the DNS servers behind a Service (for example {@code kube-system/kube-dns}) the way pods
 * reach them: every ready endpoint of its EndpointSlices, on the UDP port that serves DNS.
 */
public final class DnsServiceEndpoints {
  private final DiscoveryV1Api api;
  private final ApiRetry retry;

  public DnsServiceEndpoints(ApiClient client, ApiRetry retry) {
    this.api = new DiscoveryV1Api(client);
    this.retry = retry;
  }

  /**
   * The DNS servers of a Service.
   *
   * @param servers the endpoints to ask: the ready ones, or when none is ready every endpoint
   * @param notReady endpoints whose {@code ready} condition is false; left out of {@code servers}
   *     unless none is ready
   */
  public record Found(List<InetSocketAddress> servers, List<InetSocketAddress> notReady) {
    public Found {
      servers = List.copyOf(servers);
      notReady = List.copyOf(notReady);
    }

    /** Whether no endpoint is ready, so that {@link #servers()} are the not-ready ones. */
    public boolean noneReady() {
      return !notReady.isEmpty() && servers.equals(notReady);
    }
  }

  /**
   * Returns the endpoints of {@code service}, sorted as the slices list them. A replica that is not
   * ready (starting, failing its probe, shutting down) is left out as kube-proxy leaves it out;
   * when no replica is ready, every one is asked rather than none: a replica that answers still
   * tells the truth, and one that does not makes the lookups fail as transient failures, which keep
   * the addresses applied.
   *
   * @throws ConfigurationException when no EndpointSlice names the Service, or none has a UDP DNS
   *     port: a wrong name or a Service that is not DNS
   * @throws DnsServiceUnavailableException when its slices list no endpoint at all (every replica
   *     gone, scaled to zero): an outage, for the next run to try again
   */
  public Found servers(ResourceId service) throws ApiException, ConfigurationException {
    V1EndpointSliceList slices =
        retry.call(
            "list endpointslices of " + service,
            () ->
                RawCalls.typed(
                    retry.deadline(),
                    api.listNamespacedEndpointSlice(service.namespace())
                        .labelSelector("kubernetes.io/service-name=" + service.name())
                        .buildCall(null),
                    V1EndpointSliceList.class));
    return found(service, slices == null ? null : slices.getItems());
  }

  /**
   * Returns the endpoints of {@code service} that {@code slices} (its EndpointSlices, as listed)
   * name, as {@link #servers} does.
   */
  static Found found(ResourceId service, List<V1EndpointSlice> slices)
      throws ConfigurationException, DnsServiceUnavailableException {
    Set<InetSocketAddress> ready = new LinkedHashSet<>();
    Set<InetSocketAddress> notReady = new LinkedHashSet<>();
    boolean dnsSlice = false;
    for (V1EndpointSlice slice : orEmpty(slices)) {
      String family = slice.getAddressType();
      if (!"IPv4".equals(family) && !"IPv6".equals(family)) {
        continue; // FQDN-type slices name hosts, which would need DNS to find DNS.
      }
      Integer port = dnsPort(slice);
      if (port == null) {
        continue;
      }
      dnsSlice = true;
      for (V1Endpoint endpoint : orEmpty(slice.getEndpoints())) {
        Set<InetSocketAddress> target = isReady(endpoint) ? ready : notReady;
        for (String address : orEmpty(endpoint.getAddresses())) {
          if (address != null && InetAddresses.isInetAddress(address)) {
            target.add(new InetSocketAddress(InetAddresses.forString(address), port));
          }
        }
      }
    }
    if (!dnsSlice) {
      throw new ConfigurationException(
          "--dns-from-service "
              + service
              + ": no ready endpoint with a UDP DNS port in its EndpointSlices"
              + " (label kubernetes.io/service-name="
              + service.name()
              + "); is it the name of a DNS Service?");
    }
    if (ready.isEmpty() && notReady.isEmpty()) {
      throw new DnsServiceUnavailableException(
          "--dns-from-service "
              + service
              + ": its EndpointSlices list no endpoint (every DNS replica is gone); nothing is"
              + " looked up or written, the next run tries again");
    }
    notReady.removeAll(ready);
    return ready.isEmpty()
        ? new Found(new ArrayList<>(notReady), new ArrayList<>(notReady))
        : new Found(new ArrayList<>(ready), new ArrayList<>(notReady));
  }

  /**
   * Returns the slice's UDP port named {@code dns}, else its UDP port 53, else its only UDP port.
   */
  private static Integer dnsPort(V1EndpointSlice slice) {
    List<DiscoveryV1EndpointPort> udp = new ArrayList<>();
    for (DiscoveryV1EndpointPort port : orEmpty(slice.getPorts())) {
      if (port != null && "UDP".equals(port.getProtocol()) && port.getPort() != null) {
        udp.add(port);
      }
    }
    for (DiscoveryV1EndpointPort port : udp) {
      if ("dns".equals(port.getName())) {
        return port.getPort();
      }
    }
    for (DiscoveryV1EndpointPort port : udp) {
      if (port.getPort() == 53) {
        return 53;
      }
    }
    return udp.size() == 1 ? udp.get(0).getPort() : null;
  }

  /** An endpoint counts unless its {@code ready} condition is explicitly false. */
  private static boolean isReady(V1Endpoint endpoint) {
    V1EndpointConditions conditions = endpoint.getConditions();
    return conditions == null || !Boolean.FALSE.equals(conditions.getReady());
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
