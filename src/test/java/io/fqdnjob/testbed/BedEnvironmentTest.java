package io.fqdnjob.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BedEnvironmentTest {
  private static final String API_ONLY =
      """
      export FQDN_TESTBED_DIR='/repo/target/testbed'
      export KUBECONFIG='/repo/target/testbed/admin.kubeconfig'
      export FQDN_TESTBED_KUBECTL='/cache/bin/kubectl'
      export FQDN_TESTBED_API_SERVER='https://127.0.0.1:26012'
      export FQDN_TESTBED_CA='/repo/target/testbed/pki/ca.crt'
      export FQDN_TESTBED_DNS='127.0.0.1:23088'
      export FQDN_TESTBED_DNS_STATS='http://127.0.0.1:22214/json/v1/server'
      export FQDN_TESTBED_ZONE='bed.test.'
      export FQDN_TESTBED_PUSHGATEWAY='http://127.0.0.1:29780'
      export FQDN_TESTBED_DNS_ALT='127.0.0.1:21606'
      export FQDN_TESTBED_SPLIT_ZONE='split.bed.test.'
      export FQDN_TESTBED_TOXIPROXY='http://127.0.0.1:24474'
      export FQDN_TESTBED_ETCD='https://127.0.0.1:21379'
      export FQDN_TESTBED_UPSTREAM_DNS='127.0.0.1:23088 127.0.0.1:21606'
      """;

  private static final String NODE_LINES =
      """
      export FQDN_TESTBED_NODE='fqdn-testbed-node'
      export FQDN_TESTBED_NODE_IP='10.244.0.1'
      export FQDN_TESTBED_POD_CIDR='10.244.0.0/24'
      export FQDN_TESTBED_POD_DNS='10.244.0.1:23088'
      export FQDN_TESTBED_CONTAINERD='/repo/target/testbed/run/containerd.sock'
      export FQDN_TESTBED_IMAGE='fqdn-job.local/fqdn-job:0.1.0'
      export FQDN_TESTBED_TOOLS_IMAGE='fqdn-job.local/bed-tools:1'
      export FQDN_TESTBED_CLUSTER_DNS='coredns v1.15.0, 2 replicas'
      export FQDN_TESTBED_POD_UPSTREAM_DNS='10.244.0.1:23088 10.244.0.1:21606'
      """;

  @Test
  void parsesTheExportLinesOfTheScript() {
    BedEnvironment env = BedEnvironment.parse(Path.of("/repo"), API_ONLY);

    assertEquals(Path.of("/repo/target/testbed/admin.kubeconfig"), env.kubeconfig());
    assertEquals(23088, env.dnsAddress().getPort());
    assertEquals("127.0.0.1:23088", env.dnsServer());
    assertEquals("bed.test", env.zoneOrigin());
    assertEquals("https://127.0.0.1:26012", env.apiServerUrl());
    assertEquals("http://127.0.0.1:29780", env.pushgatewayUrl());
    assertEquals(21606, env.dnsAltAddress().getPort());
    assertEquals("split.bed.test", env.splitZoneOrigin());
    assertEquals("http://127.0.0.1:24474", env.toxiproxyUrl());
    assertEquals("https://127.0.0.1:21379", env.etcdUrl());
    assertEquals(
        List.of(
            new InetSocketAddress("127.0.0.1", 23088), new InetSocketAddress("127.0.0.1", 21606)),
        env.upstreamDns());
  }

  @Test
  void namesTheMissingVariable() {
    TestBedException e =
        assertThrows(
            TestBedException.class,
            () -> BedEnvironment.parse(Path.of("/repo"), "export FQDN_TESTBED_DNS='127.0.0.1:1'"));
    assertTrue(e.getMessage().contains("FQDN_TESTBED_ZONE"), e.getMessage());
  }

  @Test
  void bedWithoutNodeLinesHasNoNode() {
    assertNull(BedEnvironment.parse(Path.of("/repo"), API_ONLY).node());
  }

  @Test
  void parsesTheNodeLinesWhenTheBedHasANode() {
    BedEnvironment env =
        BedEnvironment.parse(
            Path.of("/repo"),
            API_ONLY.replace("https://127.0.0.1:26012", "https://10.244.0.1:6443") + NODE_LINES);

    NodeEnvironment node = env.node();
    assertEquals("https://10.244.0.1:6443", env.apiServerUrl());
    assertEquals("fqdn-testbed-node", node.name());
    assertEquals("10.244.0.1", node.ip());
    assertEquals("10.244.0.0/24", node.podCidr());
    assertEquals(new InetSocketAddress("10.244.0.1", 23088), node.podDns());
    assertEquals("10.244.0.1:23088", node.podDnsServer());
    assertEquals(Path.of("/repo/target/testbed/run/containerd.sock"), node.containerd());
    assertEquals("fqdn-job.local/fqdn-job:0.1.0", node.image());
    assertEquals("fqdn-job.local/fqdn-job", node.imageName());
    assertEquals("0.1.0", node.imageTag());
    assertEquals("fqdn-job.local/bed-tools:1", node.toolsImage());
    assertEquals("coredns v1.15.0, 2 replicas", node.clusterDns());
    assertEquals(
        List.of(
            new InetSocketAddress("10.244.0.1", 23088), new InetSocketAddress("10.244.0.1", 21606)),
        node.podUpstreamDns());
  }

  @Test
  void nodeLinesMustBeComplete() {
    String partial =
        API_ONLY
            + NODE_LINES
                .lines()
                .filter(line -> !line.contains("FQDN_TESTBED_TOOLS_IMAGE"))
                .map(line -> line + "\n")
                .reduce("", String::concat);

    TestBedException e =
        assertThrows(TestBedException.class, () -> BedEnvironment.parse(Path.of("/repo"), partial));
    assertTrue(e.getMessage().contains("FQDN_TESTBED_TOOLS_IMAGE"), e.getMessage());
  }

  @Test
  void imageTagIsSplitAfterTheLastSlashSoARegistryPortIsNotATag() {
    assertEquals(
        "localhost:5000/team/fqdn-job",
        NodeEnvironment.splitImage("localhost:5000/team/fqdn-job:1.2")[0]);
    assertEquals("1.2", NodeEnvironment.splitImage("localhost:5000/team/fqdn-job:1.2")[1]);
    TestBedException untagged =
        assertThrows(
            TestBedException.class, () -> NodeEnvironment.splitImage("localhost:5000/fqdn-job"));
    assertTrue(untagged.getMessage().contains("no tag"), untagged.getMessage());
  }
}
