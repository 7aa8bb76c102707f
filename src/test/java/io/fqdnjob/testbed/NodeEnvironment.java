package io.fqdnjob.testbed;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * The node part of a bed started with {@code scripts/testbed.sh up --node}, as {@code testbed.sh
 * env} prints it.
 *
 * @param name the node's name ({@code FQDN_TESTBED_NODE})
 * @param ip the node's address on the pod bridge; the API server and the bed's DNS server listen
 *     there ({@code FQDN_TESTBED_NODE_IP})
 * @param podCidr the pods' addresses ({@code FQDN_TESTBED_POD_CIDR})
 * @param podDns the bed's main BIND server as pods reach it directly, not through the cluster DNS
 *     ({@code FQDN_TESTBED_POD_DNS}): an air-gapped cluster's own DNS server
 * @param podUpstreamDns every BIND server that CoreDNS forwards to, as pods reach them ({@code
 *     FQDN_TESTBED_POD_UPSTREAM_DNS})
 * @param clusterDns what answers the kube-dns Service ({@code FQDN_TESTBED_CLUSTER_DNS}, for
 *     example {@code coredns v1.15.0, 2 replicas})
 * @param containerd the node's containerd socket ({@code FQDN_TESTBED_CONTAINERD})
 * @param image the product image, loaded on the node ({@code FQDN_TESTBED_IMAGE})
 * @param toolsImage a busybox image for test pods ({@code FQDN_TESTBED_TOOLS_IMAGE})
 */
record NodeEnvironment(
    String name,
    String ip,
    String podCidr,
    InetSocketAddress podDns,
    java.util.List<InetSocketAddress> podUpstreamDns,
    String clusterDns,
    Path containerd,
    String image,
    String toolsImage) {

  /** The product image's repository, {@code fqdn-job.local/fqdn-job} for {@code ...:0.1.0}. */
  String imageName() {
    return splitImage(image)[0];
  }

  /** The product image's tag, {@code 0.1.0} for {@code fqdn-job.local/fqdn-job:0.1.0}. */
  String imageTag() {
    return splitImage(image)[1];
  }

  /**
   * Splits {@code repository:tag} at the tag's colon, which follows the last slash (a registry's
   * port, as in {@code localhost:5000/x:1}, has a colon too). Kustomize's {@code images} entry
   * needs the two apart.
   */
  static String[] splitImage(String image) {
    if (image.contains("@")) {
      throw new TestBedException(
          "FQDN_TESTBED_IMAGE is pinned by digest (" + image + "); the tests expect NAME:TAG");
    }
    int colon = image.lastIndexOf(':');
    if (colon < 0 || colon < image.lastIndexOf('/')) {
      throw new TestBedException("FQDN_TESTBED_IMAGE has no tag: " + image);
    }
    return new String[] {image.substring(0, colon), image.substring(colon + 1)};
  }

  /** The DNS server as pods reach it, {@code IP:PORT}. */
  String podDnsServer() {
    return podDns.getHostString() + ":" + podDns.getPort();
  }
}
