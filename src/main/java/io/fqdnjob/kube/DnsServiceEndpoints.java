package io.fqdnjob.kube;

import com.google.common.net.InetAddresses;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fqdnjob.model.ResourceId;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
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
   * Returns the ready endpoints of {@code service}, sorted as the slices list them.
   *
   * @throws ConfigurationException when the Service has no ready DNS endpoint
   */
  public List<InetSocketAddress> servers(ResourceId service)
      throws ApiException, ConfigurationException {
    JsonObject slices =
        retry.call(
            "list endpointslices of " + service,
            () ->
                RawCalls.execute(
                    retry.deadline(),
                    api.listNamespacedEndpointSlice(service.namespace())
                        .labelSelector("kubernetes.io/service-name=" + service.name())
                        .buildCall(null)));
    Set<InetSocketAddress> servers = new LinkedHashSet<>();
    for (JsonElement element : FqdnPolicyStore.items(slices)) {
      JsonObject slice = element.getAsJsonObject();
      String family = FqdnPolicyStore.string(slice, "addressType");
      if (!"IPv4".equals(family) && !"IPv6".equals(family)) {
        continue; // FQDN-type slices name hosts, which would need DNS to find DNS.
      }
      Integer port = dnsPort(slice);
      if (port == null || !slice.has("endpoints")) {
        continue;
      }
      for (JsonElement endpointElement : slice.getAsJsonArray("endpoints")) {
        JsonObject endpoint = endpointElement.getAsJsonObject();
        if (!isReady(endpoint)) {
          continue;
        }
        for (JsonElement address : endpoint.getAsJsonArray("addresses")) {
          String text = address.getAsString();
          if (InetAddresses.isInetAddress(text)) {
            servers.add(new InetSocketAddress(InetAddresses.forString(text), port));
          }
        }
      }
    }
    if (servers.isEmpty()) {
      throw new ConfigurationException(
          "--dns-from-service "
              + service
              + ": no ready endpoint with a UDP DNS port in its EndpointSlices"
              + " (label kubernetes.io/service-name="
              + service.name()
              + ")");
    }
    return new ArrayList<>(servers);
  }

  /**
   * Returns the slice's UDP port named {@code dns}, else its UDP port 53, else its only UDP port.
   */
  private static Integer dnsPort(JsonObject slice) {
    if (!slice.has("ports")) {
      return null;
    }
    List<JsonObject> udp = new ArrayList<>();
    for (JsonElement element : slice.getAsJsonArray("ports")) {
      JsonObject port = element.getAsJsonObject();
      String protocol = FqdnPolicyStore.string(port, "protocol");
      if ("UDP".equals(protocol) && port.has("port")) {
        udp.add(port);
      }
    }
    for (JsonObject port : udp) {
      if ("dns".equals(FqdnPolicyStore.string(port, "name"))) {
        return port.get("port").getAsInt();
      }
    }
    for (JsonObject port : udp) {
      if (port.get("port").getAsInt() == 53) {
        return 53;
      }
    }
    return udp.size() == 1 ? udp.get(0).get("port").getAsInt() : null;
  }

  /** An endpoint counts unless its {@code ready} condition is explicitly false. */
  private static boolean isReady(JsonObject endpoint) {
    JsonObject conditions = endpoint.getAsJsonObject("conditions");
    if (conditions == null || !conditions.has("ready") || conditions.get("ready").isJsonNull()) {
      return true;
    }
    return conditions.get("ready").getAsBoolean();
  }
}
