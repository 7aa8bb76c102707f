package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.JobProcess;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** How the job is operated: loop mode, shards, DNS servers from a Service, JSON logs. */
@ExtendWith(TestBedExtension.class)
class OperationIT {
  private static TestBed bed;
  private static JobProcess job;

  @BeforeAll
  static void setUp(TestBed testBed) {
    bed = testBed;
    bed.installCrd();
    job = new JobProcess(bed);
  }

  @Test
  void loopPicksUpARecordChangeWithinOneTtlAndExitsZeroOnSigterm() throws Exception {
    String ns = bed.namespace() + "-loop";
    bed.kubectl("create", "namespace", ns);
    String name = bed.zone().uniqueName("loop");
    bed.zone().setA(name, "198.51.100.1");
    create(ns, "looped", "ttlSeconds: 5\nresolveTimeoutSeconds: 2\n", name, null);

    Path log = Files.createTempFile("fqdn-job-loop", ".log");
    Process process =
        job.start(
            log,
            "run",
            "--kubeconfig",
            bed.kubeconfig().toString(),
            "--dns-server",
            bed.dnsServer(),
            "--namespace",
            ns,
            "--loop",
            "--max-interval",
            "30s",
            "--due-slack",
            "0s");
    try {
      awaitPeers(ns, "looped", List.of("198.51.100.1/32"), Duration.ofSeconds(30), log);
      Instant changed = Instant.now();
      bed.zone().setA(name, "198.51.100.2");
      // The TTL is 5 s; allow the run itself a few seconds more on a busy machine.
      awaitPeers(ns, "looped", List.of("198.51.100.2/32"), Duration.ofSeconds(5 + 5), log);
      assertTrue(Duration.between(changed, Instant.now()).toSeconds() < 11);

      process.destroy(); // SIGTERM
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "stops on SIGTERM");
      assertEquals(0, process.exitValue(), Files.readString(log));
      assertTrue(Files.readString(log).contains("stopping on SIGTERM"));
    } finally {
      process.destroyForcibly();
      Files.deleteIfExists(log);
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  @Test
  void threeShardsTogetherProcessEveryResourceExactlyOnce() throws Exception {
    String ns = bed.namespace() + "-shards";
    bed.kubectl("create", "namespace", ns);
    try {
      String name = bed.zone().uniqueName("shared");
      bed.zone().setA(name, "198.51.100.77");
      StringBuilder all = new StringBuilder();
      int count = 24;
      for (int i = 0; i < count; i++) {
        all.append(resourceYaml("p" + i, "", name, null)).append("---\n");
      }
      bed.kubectlWithInput(all.toString(), "apply", "--server-side", "-n", ns, "-f", "-");

      int listed = 0;
      for (int index = 0; index < 3; index++) {
        JobProcess.Result result =
            job.run(
                "--namespace", ns, "--shard-count", "3", "--shard-index", String.valueOf(index));
        assertEquals(0, result.exitCode(), result.toString());
        Matcher m = Pattern.compile("listed=(\\d+) due=(\\d+)").matcher(result.stderr());
        assertTrue(m.find(), result.toString());
        assertEquals(m.group(1), m.group(2), "every listed resource was due");
        assertTrue(Integer.parseInt(m.group(1)) < count, "a shard is a part: " + m.group(1));
        listed += Integer.parseInt(m.group(1));
      }
      assertEquals(count, listed, "the shards are disjoint and cover everything");
      for (int i = 0; i < count; i++) {
        String events =
            bed.kubectl(
                "get",
                "events",
                "-n",
                ns,
                "--field-selector",
                "involvedObject.name=p" + i + ",reason=Created",
                "-o",
                "jsonpath={range .items[*]}{.reason} {end}");
        assertEquals("Created ", events, "p" + i + " created exactly once");
      }
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  @Test
  void shardIndexDefaultsToTheIndexedJobsCompletionIndex() {
    JobProcess.Result result = job.exec("run", "--help");
    assertTrue(result.stdout().contains("JOB_COMPLETION_INDEX"), result.toString());
  }

  @Test
  void dnsServersComeFromTheReadyEndpointsOfAService() {
    // The API server refuses loopback endpoint addresses, so the slice names documentation
    // addresses, and the run is scoped to an empty namespace: the servers are read and reported,
    // and no query is sent anywhere.
    bed.kubectlApply(
        """
        apiVersion: v1
        kind: Service
        metadata: {name: cluster-dns}
        spec:
          ports:
          - {name: dns, protocol: UDP, port: 53, targetPort: 5353}
          - {name: dns-tcp, protocol: TCP, port: 53, targetPort: 5353}
          - {name: metrics, protocol: TCP, port: 9153}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: cluster-dns-v4
          labels: {kubernetes.io/service-name: cluster-dns}
        addressType: IPv4
        ports:
        - {name: metrics, protocol: TCP, port: 9153}
        - {name: dns-tcp, protocol: TCP, port: 5353}
        - {name: dns, protocol: UDP, port: 5353}
        endpoints:
        - addresses: [192.0.2.53]
          conditions: {ready: true}
        - addresses: [192.0.2.54]
        - addresses: [192.0.2.99]
          conditions: {ready: false}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: cluster-dns-v6
          labels: {kubernetes.io/service-name: cluster-dns}
        addressType: IPv6
        ports:
        - {name: dns, protocol: UDP, port: 5353}
        endpoints:
        - addresses: ["2001:db8::53"]
          conditions: {ready: true}
        """);
    String empty = bed.namespace() + "-nothing";
    bed.kubectl("create", "namespace", empty);
    try {
      JobProcess.Result result =
          job.exec(
              "run",
              "--kubeconfig",
              bed.kubeconfig().toString(),
              "--dns-from-service",
              bed.namespace() + "/cluster-dns",
              "--namespace",
              empty);

      assertEquals(0, result.exitCode(), result.toString());
      String log = result.stderr();
      assertTrue(log.contains("192.0.2.53:5353"), result.toString());
      assertTrue(log.contains("192.0.2.54:5353"), "no condition counts as ready: " + result);
      assertTrue(log.contains("[2001:db8::53]:5353"), result.toString());
      assertTrue(
          log.contains("not ready, left out: [192.0.2.99:5353]"),
          "not-ready endpoint skipped, and said so: " + result);
      String asked = log.lines().filter(l -> l.contains("DNS servers of")).findFirst().orElse("");
      assertFalse(asked.contains("192.0.2.99"), "not-ready endpoint asked: " + result);
      assertFalse(log.contains(":9153"), "the metrics port is not DNS: " + result);
      assertTrue(log.contains("queries=0"), result.toString());
    } finally {
      bed.kubectl("delete", "namespace", empty, "--wait=false");
    }
  }

  @Test
  void loopReadsTheDnsServiceEndpointsAgainBeforeEveryRun() throws Exception {
    String slice =
        """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: moving-dns-1
          labels: {kubernetes.io/service-name: moving-dns}
        addressType: IPv4
        ports: [{name: dns, protocol: UDP, port: 53}]
        endpoints: [{addresses: [%s], conditions: {ready: true}}]
        """;
    bed.kubectlApply(slice.formatted("192.0.2.61"));
    String empty = bed.namespace() + "-moving";
    bed.kubectl("create", "namespace", empty);
    Path log = Files.createTempFile("fqdn-job-moving", ".log");
    Process process =
        job.start(
            log,
            "run",
            "--kubeconfig",
            bed.kubeconfig().toString(),
            "--dns-from-service",
            bed.namespace() + "/moving-dns",
            "--namespace",
            empty,
            "--loop",
            "--max-interval",
            "1s");
    try {
      JobProcess.awaitOutput(log, "192.0.2.61:53");
      // A DNS pod was replaced: the next run asks the new one.
      bed.kubectlApply(slice.formatted("192.0.2.62"));
      JobProcess.awaitOutput(log, "192.0.2.62:53");
      process.destroy();
      assertTrue(process.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, process.exitValue(), Files.readString(log));
    } finally {
      process.destroyForcibly();
      Files.deleteIfExists(log);
      bed.kubectl("delete", "namespace", empty, "--wait=false");
    }
  }

  @Test
  void whenNoReplicaIsReadyEveryOneIsAskedAndWhenNoneIsLeftTheRunFailsWritingNothing() {
    String empty = bed.namespace() + "-down";
    bed.kubectl("create", "namespace", empty);
    String slice =
        """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: failing-dns-1
          labels: {kubernetes.io/service-name: failing-dns}
        addressType: IPv4
        ports: [{name: dns, protocol: UDP, port: 53}]
        endpoints: %s
        """;
    String[] args = {
      "run",
      "--kubeconfig",
      bed.kubeconfig().toString(),
      "--dns-from-service",
      bed.namespace() + "/failing-dns",
      "--namespace",
      empty
    };
    try {
      bed.kubectlApply(
          slice.formatted(
              "[{addresses: [192.0.2.71], conditions: {ready: false}},"
                  + " {addresses: [192.0.2.72], conditions: {ready: false}}]"));
      JobProcess.Result allNotReady = job.exec(args);
      assertEquals(0, allNotReady.exitCode(), allNotReady.toString());
      assertTrue(
          allNotReady.stderr().contains("no endpoint of " + bed.namespace() + "/failing-dns"),
          allNotReady.toString());
      assertTrue(
          allNotReady.stderr().contains("[192.0.2.71:53, 192.0.2.72:53]"), allNotReady.toString());

      // Every replica gone (a Deployment scaled to zero): an outage, not a configuration error.
      bed.kubectlApply(slice.formatted("[]"));
      JobProcess.Result gone = job.exec(args);
      assertEquals(10, gone.exitCode(), gone.toString());
      assertTrue(gone.stderr().contains("list no endpoint"), gone.toString());
    } finally {
      bed.kubectl("delete", "namespace", empty, "--wait=false");
    }
  }

  @Test
  void serviceWithoutReadyEndpointsIsAConfigurationError() {
    bed.kubectlApply(
        """
        apiVersion: v1
        kind: Service
        metadata: {name: empty-dns}
        spec:
          ports: [{name: dns, protocol: UDP, port: 53}]
        """);
    JobProcess.Result result =
        job.exec(
            "run",
            "--kubeconfig",
            bed.kubeconfig().toString(),
            "--dns-from-service",
            bed.namespace() + "/empty-dns",
            "--all-namespaces");
    assertEquals(2, result.exitCode(), result.toString());
    assertTrue(result.stderr().contains("no ready endpoint"), result.toString());
  }

  @Test
  void jsonLogsAreOneObjectPerLineEndingWithTheSummary() {
    JobProcess.Result result =
        job.run("--namespace", bed.namespace(), "--log-format", "json", "--force");
    assertEquals(0, result.exitCode(), result.toString());
    List<JsonObject> lines = new ArrayList<>();
    for (String line : result.stderr().strip().split("\n")) {
      JsonElement parsed = JsonParser.parseString(line);
      assertTrue(parsed.isJsonObject(), line);
      lines.add(parsed.getAsJsonObject());
    }
    JsonObject last = lines.get(lines.size() - 1);
    assertEquals("INFO", last.get("level").getAsString());
    assertTrue(
        last.get("message").getAsString().startsWith("run finished: listed="), last.toString());
    assertTrue(last.get("time").getAsString().endsWith("Z"), last.toString());
  }

  @Test
  void runsPushTheirMetricsAndAFailedRunKeepsTheLastSuccessTime(@TempDir Path dir)
      throws Exception {
    String ns = bed.namespace() + "-metrics";
    bed.kubectl("create", "namespace", ns);
    try {
      String name = bed.zone().uniqueName("metrics");
      bed.zone().setA(name, "198.51.100.66");
      create(ns, "measured", "", name, null);
      JobProcess.Result ok =
          job.run("--namespace", ns, "--pushgateway", bed.pushgatewayUrl(), "--shard-count", "1");
      assertEquals(0, ok.exitCode(), ok.toString());
      String afterSuccess = pushgatewayMetrics();
      double lastSuccess = value(afterSuccess, "fqdn_job_last_success_timestamp_seconds");
      assertTrue(lastSuccess > 0, afterSuccess);
      assertEquals(0, value(afterSuccess, "fqdn_job_last_run_failed"));
      assertEquals(1, value(afterSuccess, "fqdn_job_resources", "outcome=\"applied\""));
      assertEquals(1, value(afterSuccess, "fqdn_job_lookups", "reason=\"SUCCESS\""));

      // The same credentials against a port where no API server listens: the run cannot list.
      String kubeconfig = Files.readString(bed.kubeconfig());
      String dead = kubeconfig.replaceAll("server: https://\\S+", "server: https://127.0.0.1:9");
      Path deadConfig = dir.resolve("dead.kubeconfig");
      Files.writeString(deadConfig, dead);
      JobProcess.Result failed =
          job.exec(
              "run",
              "--kubeconfig",
              deadConfig.toString(),
              "--dns-server",
              bed.dnsServer(),
              "--api-timeout",
              "2s",
              "--pushgateway",
              bed.pushgatewayUrl(),
              "-A");
      assertEquals(10, failed.exitCode(), failed.toString());
      String afterFailure = pushgatewayMetrics();
      assertEquals(1, value(afterFailure, "fqdn_job_last_run_failed"), afterFailure);
      assertEquals(
          lastSuccess,
          value(afterFailure, "fqdn_job_last_success_timestamp_seconds"),
          afterFailure);
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  private static String pushgatewayMetrics() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(bed.pushgatewayUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    return response.body();
  }

  /** Returns the value of the series {@code name} of job fqdn-job with the given extra label. */
  private static double value(String metrics, String name, String... labels) {
    for (String line : metrics.split("\n")) {
      if (!line.startsWith(name + "{") || !line.contains("job=\"fqdn-job\"")) {
        continue;
      }
      boolean all = true;
      for (String label : labels) {
        all &= line.contains(label);
      }
      if (all) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no " + name + " " + List.of(labels) + " in:\n" + metrics);
  }

  // --- helpers

  private static void awaitPeers(
      String ns, String name, List<String> expected, Duration within, Path log) throws Exception {
    Instant limit = Instant.now().plus(within);
    List<String> seen = List.of();
    while (Instant.now().isBefore(limit)) {
      seen = peers(ns, name);
      if (seen.equals(expected)) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "expected "
            + expected
            + " within "
            + within
            + ", saw "
            + seen
            + "\n"
            + Files.readString(log));
  }

  private static List<String> peers(String ns, String name) {
    String out;
    try {
      out =
          bed.kubectl(
              "get",
              "networkpolicy",
              name,
              "-n",
              ns,
              "-o",
              "jsonpath={range .spec.egress[*].to[*]}{.ipBlock.cidr} {end}");
    } catch (RuntimeException notYet) {
      return List.of();
    }
    return out.isBlank() ? List.of() : List.of(out.strip().split(" "));
  }

  private static void create(String ns, String name, String extra, String fqdn, String labels) {
    BedObjects.applyFqdn(bed, ns, name, labels, specYaml(extra, fqdn));
  }

  private static String resourceYaml(String name, String extra, String fqdn, String labels) {
    return "apiVersion: fqdn.konsole.is/v1alpha1\nkind: NetworkPolicy\nmetadata:\n  name: "
        + name
        + (labels == null ? "" : "\n  labels: {" + labels + "}")
        + "\nspec:\n"
        + specYaml(extra, fqdn).indent(2);
  }

  private static String specYaml(String extra, String fqdn) {
    return "podSelector: {}\n" + extra + "egress:\n- toFQDNS: [" + fqdn + "]\n";
  }
}
