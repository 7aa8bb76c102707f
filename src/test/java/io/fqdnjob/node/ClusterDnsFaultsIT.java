package io.fqdnjob.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.JobProcess;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import io.fqdnjob.testbed.TestNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cluster DNS replicas that are down while their endpoints still count as ready (crashed, or
 * partitioned, before the EndpointSlice caught up), with {@code --dns-from-service} and {@code
 * --dns-union}: one real CoreDNS replica of the bed and pods that answer nothing on port 53.
 */
@ExtendWith(TestBedExtension.class)
class ClusterDnsFaultsIT {
  private static final String SERVICE = "faulty-dns";

  @Test
  void aReplicaThatIsDownIsNamedAndWhenEveryOneIsDownTheAppliedAddressesStay(TestBed bed) {
    bed.installCrd();
    TestNode node = bed.node();
    JobProcess job = new JobProcess(bed);
    String ns = bed.namespace();
    String replica = node.clusterDnsReplicas().get(0);
    // Pods without a DNS server: as endpoints they answer nothing on port 53.
    String downA = node.startToolsPod(ns, "down-a", Map.of("app", "down"), "sleep", "3600");
    String downB = node.startToolsPod(ns, "down-b", Map.of("app", "down"), "sleep", "3600");
    String name = bed.zone().uniqueName("faults");
    bed.zone().setA(name, "198.51.100.71");
    BedObjects.applyFqdn(
        bed,
        ns,
        "faults",
        null,
        "podSelector: {matchLabels: {app: nobody}}\nseenAddressRetentionSeconds: 600\negress:\n- toFQDNS: [%s]\n  ports: [{protocol: TCP, port: 443}]\n"
            .formatted(name));
    String[] args = {
      "run",
      "--kubeconfig",
      bed.kubeconfig().toString(),
      "--policy",
      ns + "/faults",
      "--force",
      "--dns-from-service",
      ns + "/" + SERVICE,
      "--dns-union"
    };

    endpoints(bed, List.of(replica, downA));
    JobProcess.Result oneDown = job.exec(args);
    assertEquals(0, oneDown.exitCode(), oneDown.toString());
    assertEquals(Set.of("198.51.100.71"), BedObjects.peerAddresses(bed, ns, "faults"));
    assertTrue(
        oneDown
            .stderr()
            .contains("DNS server " + downA + ":53 left 1 query of this run unanswered"),
        oneDown.toString());

    // Every replica down, and the name has moved meanwhile: the lookup fails as a transient
    // failure, and the address applied before stays within its window; nothing is deleted.
    bed.zone().setA(name, "198.51.100.72");
    endpoints(bed, List.of(downA, downB));
    JobProcess.Result allDown = job.exec(args);
    System.out.println("every replica down: " + allDown.stderr().lines().reduce("", (a, b) -> b));
    assertEquals(
        Set.of("198.51.100.71"), BedObjects.peerAddresses(bed, ns, "faults"), allDown.toString());
    String reason =
        BedObjects.fqdn(BedObjects.get(bed, ns, "fqdn", "faults").getAsJsonObject("status"), name)
            .get("resolveReason")
            .getAsString();
    assertEquals("TEMPORARY", reason, allDown.toString());
    for (String down : List.of(downA, downB)) {
      assertTrue(
          allDown.stderr().contains("DNS server " + down + ":53 left 1 query"), allDown.toString());
    }
  }

  /** The DNS Service {@value #SERVICE} of the namespace, with every address a ready endpoint. */
  private static void endpoints(TestBed bed, List<String> addresses) {
    bed.kubectlApply(
        """
        apiVersion: v1
        kind: Service
        metadata: {name: %1$s}
        spec:
          ports: [{name: dns, protocol: UDP, port: 53}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %1$s-1
          labels: {kubernetes.io/service-name: %1$s}
        addressType: IPv4
        ports: [{name: dns, protocol: UDP, port: 53}]
        endpoints: [%2$s]
        """
            .formatted(
                SERVICE,
                addresses.stream()
                    .map(a -> "{addresses: [" + a + "], conditions: {ready: true}}")
                    .collect(Collectors.joining(", "))));
  }
}
