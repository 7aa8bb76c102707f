package io.fqdnjob.testbed;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The addresses and files of a running bed, as printed by {@code scripts/testbed.sh env}.
 *
 * @param upstreamDns every DNS server that serves the bed's zone ({@code
 *     FQDN_TESTBED_UPSTREAM_DNS}); the first is {@code dnsAddress}
 * @param node the node's part, or {@code null} when the bed was started without {@code --node}
 */
record BedEnvironment(
    Path repoRoot,
    Path stateDir,
    Path kubeconfig,
    Path kubectl,
    String apiServerUrl,
    Path caCertificate,
    InetSocketAddress dnsAddress,
    String dnsStatsUrl,
    String zoneOrigin,
    String pushgatewayUrl,
    InetSocketAddress dnsAltAddress,
    String splitZoneOrigin,
    String toxiproxyUrl,
    String etcdUrl,
    List<InetSocketAddress> upstreamDns,
    NodeEnvironment node) {

  private static final Pattern EXPORT = Pattern.compile("^export ([A-Z0-9_]+)='([^']*)'$");

  /**
   * Parses the {@code export NAME='value'} lines of {@code testbed.sh env}. The node's lines are
   * read when {@code FQDN_TESTBED_NODE} is among them; then all of them must be.
   */
  static BedEnvironment parse(Path repoRoot, String envOutput) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : envOutput.split("\n")) {
      Matcher m = EXPORT.matcher(line.strip());
      if (m.matches()) {
        values.put(m.group(1), m.group(2));
      }
    }
    String dns = require(values, "FQDN_TESTBED_DNS", envOutput);
    int colon = dns.lastIndexOf(':');
    String zone = require(values, "FQDN_TESTBED_ZONE", envOutput);
    return new BedEnvironment(
        repoRoot,
        Path.of(require(values, "FQDN_TESTBED_DIR", envOutput)),
        Path.of(require(values, "KUBECONFIG", envOutput)),
        Path.of(require(values, "FQDN_TESTBED_KUBECTL", envOutput)),
        require(values, "FQDN_TESTBED_API_SERVER", envOutput),
        Path.of(require(values, "FQDN_TESTBED_CA", envOutput)),
        new InetSocketAddress(dns.substring(0, colon), Integer.parseInt(dns.substring(colon + 1))),
        require(values, "FQDN_TESTBED_DNS_STATS", envOutput),
        zone.endsWith(".") ? zone.substring(0, zone.length() - 1) : zone,
        require(values, "FQDN_TESTBED_PUSHGATEWAY", envOutput),
        address(require(values, "FQDN_TESTBED_DNS_ALT", envOutput)),
        stripDot(require(values, "FQDN_TESTBED_SPLIT_ZONE", envOutput)),
        require(values, "FQDN_TESTBED_TOXIPROXY", envOutput),
        require(values, "FQDN_TESTBED_ETCD", envOutput),
        addresses(require(values, "FQDN_TESTBED_UPSTREAM_DNS", envOutput)),
        values.containsKey("FQDN_TESTBED_NODE") ? node(values, envOutput) : null);
  }

  private static NodeEnvironment node(Map<String, String> values, String envOutput) {
    return new NodeEnvironment(
        require(values, "FQDN_TESTBED_NODE", envOutput),
        require(values, "FQDN_TESTBED_NODE_IP", envOutput),
        require(values, "FQDN_TESTBED_POD_CIDR", envOutput),
        address(require(values, "FQDN_TESTBED_POD_DNS", envOutput)),
        addresses(require(values, "FQDN_TESTBED_POD_UPSTREAM_DNS", envOutput)),
        require(values, "FQDN_TESTBED_CLUSTER_DNS", envOutput),
        Path.of(require(values, "FQDN_TESTBED_CONTAINERD", envOutput)),
        require(values, "FQDN_TESTBED_IMAGE", envOutput),
        require(values, "FQDN_TESTBED_TOOLS_IMAGE", envOutput));
  }

  private static InetSocketAddress address(String hostAndPort) {
    int colon = hostAndPort.lastIndexOf(':');
    return new InetSocketAddress(
        hostAndPort.substring(0, colon), Integer.parseInt(hostAndPort.substring(colon + 1)));
  }

  /** Space-separated {@code host:port} pairs. */
  private static List<InetSocketAddress> addresses(String list) {
    return java.util.Arrays.stream(list.strip().split("\\s+"))
        .map(BedEnvironment::address)
        .toList();
  }

  private static String stripDot(String zone) {
    return zone.endsWith(".") ? zone.substring(0, zone.length() - 1) : zone;
  }

  private static String require(Map<String, String> values, String name, String envOutput) {
    String value = values.get(name);
    if (value == null || value.isEmpty()) {
      throw new TestBedException(
          "scripts/testbed.sh env did not print " + name + "; it printed:\n" + envOutput);
    }
    return value;
  }

  /** The DNS server as {@code 127.0.0.1:PORT}. */
  String dnsServer() {
    return dnsAddress.getHostString() + ":" + dnsAddress.getPort();
  }
}
