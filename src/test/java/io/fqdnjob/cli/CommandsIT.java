package io.fqdnjob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.JobProcess;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
  void renderPrintsOneJsonListWithOutputJson(@TempDir Path dir) throws Exception {
    String name = bed.zone().uniqueName("render-json");
    bed.zone().setA(name, "198.51.100.32");
    Path file = dir.resolve("policy.yaml");
    Files.writeString(
        file,
        """
        apiVersion: fqdn.konsole.is/v1alpha1
        kind: NetworkPolicy
        metadata: {name: web, namespace: team-b}
        spec:
          podSelector: {}
          egress:
          - toFQDNS: [%s]
        """
            .formatted(name));
    JobProcess.Result result =
        job.exec(
            "render",
            "-f",
            file.toString(),
            "--status",
            "-o",
            "json",
            "--dns-server",
            bed.dnsServer());
    assertEquals(0, result.exitCode(), result.toString());
    JsonObject list = JsonParser.parseString(result.stdout()).getAsJsonObject();
    assertEquals("List", list.get("kind").getAsString());
    JsonArray items = list.getAsJsonArray("items");
    assertEquals(2, items.size(), result.stdout());
    JsonObject policy = items.get(0).getAsJsonObject();
    assertEquals("networking.k8s.io/v1", policy.get("apiVersion").getAsString());
    assertEquals("web", policy.getAsJsonObject("metadata").get("name").getAsString());
    assertEquals(List.of("198.51.100.32/32"), BedObjects.peers(policy));
    JsonObject resource = items.get(1).getAsJsonObject();
    assertEquals("fqdn.konsole.is/v1alpha1", resource.get("apiVersion").getAsString());
    assertEquals("team-b", resource.getAsJsonObject("metadata").get("namespace").getAsString());
    assertEquals(
        "SUCCESS",
        resource
            .getAsJsonObject("status")
            .getAsJsonArray("fqdns")
            .get(0)
            .getAsJsonObject()
            .get("resolveReason")
            .getAsString());
  }

  @Test
  void resolveTakesTheDnsServerByNameAndPrintsJson() {
    // localhost resolves through the system resolver (/etc/hosts) to the bed's loopback address.
    String port = bed.dnsServer().substring(bed.dnsServer().lastIndexOf(':') + 1);
    JobProcess.Result result =
        job.exec(
            "resolve",
            bed.zone().dualStackName(),
            "--type",
            "ipv4",
            "--dns-server",
            "localhost:" + port,
            "-o",
            "json");
    assertEquals(0, result.exitCode(), result.toString());
    JsonArray results = JsonParser.parseString(result.stdout()).getAsJsonArray();
    assertEquals(1, results.size(), result.stdout());
    JsonObject first = results.get(0).getAsJsonObject();
    assertEquals("SUCCESS", first.get("reason").getAsString());
    assertEquals("A", first.get("type").getAsString());
    assertTrue(first.get("server").getAsString().endsWith(":" + port), result.stdout());
    assertEquals(
        bed.zone().dualStackIpv4(), first.getAsJsonArray("addresses").get(0).getAsString());
    assertTrue(first.get("ttlSeconds").getAsLong() > 0, result.stdout());
  }

  @Test
  void badFlagIsAUsageError() {
    JobProcess.Result result = job.exec("run", "--dns-server", "not:an:address:53");
    assertEquals(2, result.exitCode(), result.toString());
    assertTrue(result.stderr().contains("--dns-server 'not:an:address:53'"), result.toString());
  }
}
