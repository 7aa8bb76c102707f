package io.fqdnjob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.testbed.JobProcess;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code render} and {@code resolve} against the bed's DNS server, run as separate processes. */
@ExtendWith(TestBedExtension.class)
class CommandsIT {
  private static TestBed bed;
  private static JobProcess job;

  @BeforeAll
  static void setUp(TestBed testBed) {
    bed = testBed;
    job = new JobProcess(bed);
  }

  @Test
  void renderPrintsThePolicyAndStatusWithoutACluster(@TempDir Path dir) throws Exception {
    String name = bed.zone().uniqueName("render");
    bed.zone().setA(name, "198.51.100.31", "169.254.169.254");
    Path file = dir.resolve("policies.yaml");
    Files.writeString(
        file,
        """
        apiVersion: fqdn.konsole.is/v1alpha1
        kind: NetworkPolicy
        metadata: {name: first, namespace: team-a}
        spec:
          podSelector: {matchLabels: {app: a}}
          egress:
          - toFQDNS: [%s]
            ports: [{port: 443}]
        ---
        apiVersion: fqdn.konsole.is/v1alpha1
        kind: NetworkPolicy
        metadata: {name: second, namespace: team-a}
        spec:
          podSelector: {}
          egress:
          - toFQDNS: [%s]
        """
            .formatted(name, bed.zone().nxdomainName()));

    JobProcess.Result result =
        job.exec("render", "-f", file.toString(), "--status", "--dns-server", bed.dnsServer());

    assertEquals(0, result.exitCode(), result.toString());
    String out = result.stdout();
    assertTrue(out.contains("cidr: 198.51.100.31/32"), out);
    assertTrue(!out.contains("cidr: 169.254"), "metadata address never applied: " + out);
    assertTrue(out.contains("name: second"), out);
    assertTrue(out.contains("egress: []"), "deny-all for a name that does not exist: " + out);
    assertTrue(out.contains("resolveReason: NXDOMAIN"), out);
    assertTrue(out.contains("totalAddressesCount: 2"), out);
  }

  @Test
  void renderNamesTheDocumentAndFieldOfMalformedInput(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(
        file,
        """
        apiVersion: fqdn.konsole.is/v1alpha1
        kind: NetworkPolicy
        metadata: {name: fine}
        spec: {podSelector: {}, egress: [{toFQDNS: [a.example.com]}]}
        ---
        apiVersion: fqdn.konsole.is/v1alpha1
        kind: NetworkPolicy
        metadata: {name: broken}
        spec: {podSelector: {}, egress: [{toFQDNS: []}]}
        """);
    JobProcess.Result result =
        job.exec("render", "-f", file.toString(), "--dns-server", bed.dnsServer());
    assertEquals(2, result.exitCode(), result.toString());
    assertTrue(
        result.stderr().contains("document 2 (broken): spec.egress[0].toFQDNS"), result.toString());
  }

  @Test
  void resolveShowsReasonServerAddressesAndTtl() {
    JobProcess.Result ok =
        job.exec("resolve", bed.zone().dualStackName(), "--dns-server", bed.dnsServer());
    assertEquals(0, ok.exitCode(), ok.toString());
    assertTrue(ok.stdout().contains("SUCCESS  from " + bed.dnsServer()), ok.toString());
    assertTrue(ok.stdout().contains(bed.zone().dualStackIpv4()), ok.toString());
    assertTrue(ok.stdout().contains("ttl="), ok.toString());

    JobProcess.Result failed =
        job.exec(
            "resolve",
            bed.zone().nxdomainName(),
            "--type",
            "ipv4",
            "--dns-server",
            bed.dnsServer());
    assertEquals(10, failed.exitCode(), failed.toString());
    assertTrue(failed.stdout().contains("NXDOMAIN"), failed.toString());
  }

  @Test
  void badFlagIsAUsageError() {
    JobProcess.Result result = job.exec("run", "--dns-server", "not:an:address:53");
    assertEquals(2, result.exitCode(), result.toString());
    assertTrue(result.stderr().contains("--dns-server 'not:an:address:53'"), result.toString());
  }
}
