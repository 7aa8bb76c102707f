package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.JobProcess;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import io.fqdnjob.testbed.Toxiproxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The job against an API server that misbehaves at the TCP level, through the bed's Toxiproxy: one
 * that never answers (the run's --deadline cuts it short, with a summary, metrics and exit code
 * 11), one that resets connections, and one that is slow.
 */
@ExtendWith(TestBedExtension.class)
class ApiBoundsIT {
  private static TestBed bed;
  private static JobProcess job;

  @BeforeAll
  static void setUp(TestBed testBed) {
    bed = testBed;
    bed.installCrd();
    job = new JobProcess(bed);
  }

  @Test
  void stalledApiServerCutsTheRunShortAtTheDeadlineAndTheNextRunWritesEverything()
      throws Exception {
    String ns = namespace("stall");
    String name = bed.zone().uniqueName("stall");
    bed.zone().setA(name, "198.51.100.31");
    create(ns, "untouched", name, "");
    try (Toxiproxy.Proxy proxy = bed.toxiproxy().inFrontOfApiServer(bed, "api-stall")) {
      proxy.stall();
      Instant start = Instant.now();
      JobProcess.Result cut =
          job.runWith(
              proxy.kubeconfig(),
              "--namespace",
              ns,
              "--deadline",
              "10s",
              // Longer than the bound below: only the deadline can end the stalled list in time.
              "--api-timeout",
              "60s",
              "--pushgateway",
              bed.pushgatewayUrl());
      Duration took = Duration.between(start, Instant.now());

      assertEquals(11, cut.exitCode(), cut.toString());
      // Generous for a 10 s deadline, and below 32 s: the API server itself drops a connection
      // that sent no request for 32 s, which would end the stalled list without the deadline.
      // (The CronJob's pod is killed at 55 s; without a deadline a run took about 155 s.)
      assertTrue(took.toSeconds() < 28, "took " + took + "\n" + cut);
      assertTrue(cut.stderr().contains("run finished: listed=0"), cut.toString());
      assertTrue(cut.stderr().contains("list=cut-short exit=11"), cut.toString());
      assertTrue(
          cut.stderr()
              .contains(
                  "GET /apis/networking.k8s.io/v1/namespaces/"
                      + ns
                      + "/networkpolicies on API server "
                      + proxy.address()),
          "the log names the request and the API server:\n" + cut);
      assertEquals(11, pushed("fqdn_job_last_run_exit_code"), cut.toString());
      assertEquals(1, pushed("fqdn_job_last_run_failed"));
      assertFalse(get(ns, "untouched").has("status"));

      proxy.clearToxics();
      JobProcess.Result clean = job.runWith(proxy.kubeconfig(), "--namespace", ns);
      assertEquals(0, clean.exitCode(), clean.toString());
      assertReady(ns, "untouched");
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  @Test
  void writesStalledPastTheDeadlineAreLeftForTheNextRun() throws Exception {
    String ns = namespace("writes");
    String name = bed.zone().uniqueName("writes");
    bed.zone().setA(name, "198.51.100.32");
    create(ns, "resolved", name, "resolveTimeoutSeconds: 5\n");
    // A name whose server never answers keeps the run in its lookups for --lookup-deadline: the
    // window in which the test stalls the API server after the list and before the writes.
    create(ns, "waiting", bed.zone().timeoutName(), "resolveTimeoutSeconds: 30\n");
    try (Toxiproxy.Proxy proxy = bed.toxiproxy().inFrontOfApiServer(bed, "api-writes")) {
      Path log = Files.createTempFile("fqdn-job-writes", ".log");
      Process process =
          job.start(
              log,
              "run",
              "--kubeconfig",
              proxy.kubeconfig().toString(),
              "--dns-server",
              bed.dnsServer(),
              "--namespace",
              ns,
              "--lookup-deadline",
              "4s",
              "--deadline",
              "12s");
      try {
        JobProcess.awaitOutput(log, "resources listed");
        proxy.stall();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
        String output = Files.readString(log);
        assertEquals(11, process.exitValue(), output);
        assertTrue(output.contains("cutShort=1"), output);
        assertTrue(output.contains("abandoned=1"), output);
        assertTrue(
            output.contains(
                "PATCH /apis/networking.k8s.io/v1/namespaces/"
                    + ns
                    + "/networkpolicies/resolved on API server "
                    + proxy.address()),
            output);
      } finally {
        process.destroyForcibly();
        Files.deleteIfExists(log);
      }
      assertFalse(get(ns, "resolved").has("status"), "left as it was");
      assertNull(BedObjects.tryGet(bed, ns, "networkpolicy", "resolved"));

      proxy.clearToxics();
      JobProcess.Result clean =
          job.runWith(proxy.kubeconfig(), "--namespace", ns, "--lookup-deadline", "4s");
      assertEquals(0, clean.exitCode(), clean.toString());
      assertReady(ns, "resolved");
      assertNotNull(BedObjects.tryGet(bed, ns, "networkpolicy", "resolved"));
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  @Test
  void resetConnectionsAreRetriedAndTheRunEndsClean() throws Exception {
    String ns = namespace("reset");
    String name = bed.zone().uniqueName("reset");
    bed.zone().setA(name, "198.51.100.33");
    create(ns, "a", name, "");
    create(ns, "b", name, "");
    try (Toxiproxy.Proxy proxy = bed.toxiproxy().inFrontOfApiServer(bed, "api-reset")) {
      proxy.resetPeer();
      Path log = Files.createTempFile("fqdn-job-reset", ".log");
      Process process =
          job.start(
              log,
              "run",
              "--kubeconfig",
              proxy.kubeconfig().toString(),
              "--dns-server",
              bed.dnsServer(),
              "--namespace",
              ns,
              "--verbose");
      try {
        // The first attempts meet resets; once the job says it retries, the resets stop.
        JobProcess.awaitOutput(log, "retrying in");
        proxy.clearToxics();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
        String output = Files.readString(log);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("on API server " + proxy.address()), output);
        assertTrue(output.contains("applied=2"), output);
      } finally {
        process.destroyForcibly();
        Files.deleteIfExists(log);
      }
      assertReady(ns, "a");
      assertReady(ns, "b");
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  @Test
  void latencyBelowTheTimeoutOnlySlowsTheRun() throws Exception {
    String ns = namespace("latency");
    String name = bed.zone().uniqueName("latency");
    bed.zone().setA(name, "198.51.100.34");
    create(ns, "slow", name, "");
    try (Toxiproxy.Proxy proxy = bed.toxiproxy().inFrontOfApiServer(bed, "api-latency")) {
      proxy.latency(Duration.ofMillis(400));
      JobProcess.Result result =
          job.runWith(proxy.kubeconfig(), "--namespace", ns, "--api-timeout", "10s", "--verbose");
      assertEquals(0, result.exitCode(), result.toString());
      assertTrue(result.stderr().contains("applied=1"), result.toString());
      assertReady(ns, "slow");
      // --verbose times each page: the list's answer came through the 400 ms of latency.
      Matcher page = Pattern.compile("page 1 listed in (\\d+) ms").matcher(result.stderr());
      assertTrue(page.find(), result.toString());
      assertTrue(Long.parseLong(page.group(1)) >= 400, page.group());
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  @Test
  void inLoopModeTheDeadlineCountsFromTheStartOfEachRun() throws Exception {
    String ns = namespace("loop");
    String name = bed.zone().uniqueName("loop-deadline");
    bed.zone().setA(name, "198.51.100.35");
    create(ns, "looped", name, "");
    Path log = Files.createTempFile("fqdn-job-loop-deadline", ".log");
    // The second run starts after --max-interval, past --deadline counted from the process start.
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
            "--deadline",
            "8s",
            "--max-interval",
            "10s");
    try {
      Instant limit = Instant.now().plus(Duration.ofSeconds(60));
      while (Files.readString(log).split("run finished:", -1).length < 3
          && Instant.now().isBefore(limit)) {
        assertTrue(process.isAlive(), Files.readString(log));
        Thread.sleep(200);
      }
      String output = Files.readString(log);
      String[] runs = output.split("run finished:", -1);
      assertTrue(runs.length >= 3, "two runs finished:\n" + output);
      assertTrue(runs[1].lines().findFirst().orElse("").endsWith("exit=0"), output);
      assertTrue(runs[2].lines().findFirst().orElse("").endsWith("exit=0"), output);
      process.destroy(); // SIGTERM
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), output);
      assertEquals(0, process.exitValue(), output);
    } finally {
      process.destroyForcibly();
      Files.deleteIfExists(log);
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  // --- helpers

  private static String namespace(String suffix) {
    String ns = bed.namespace() + "-" + suffix;
    bed.kubectl("create", "namespace", ns);
    return ns;
  }

  private static void create(String ns, String name, String fqdn, String extra) {
    BedObjects.applyFqdn(
        bed, ns, name, null, "podSelector: {}\n" + extra + "egress:\n- toFQDNS: [" + fqdn + "]\n");
  }

  private static JsonObject get(String ns, String name) {
    return BedObjects.get(bed, ns, "fqdn", name);
  }

  private static void assertReady(String ns, String name) {
    JsonObject resource = get(ns, name);
    assertTrue(resource.has("status"), resource.toString());
    assertEquals(
        "True",
        BedObjects.condition(resource.getAsJsonObject("status"), "Ready")
            .get("status")
            .getAsString(),
        resource.toString());
  }

  /** Returns the pushed value of {@code name} for job fqdn-job without a shard label. */
  private static double pushed(String name) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(bed.pushgatewayUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    for (String line : response.body().split("\n")) {
      if (line.startsWith(name + "{")
          && line.contains("job=\"fqdn-job\"")
          && !line.contains("shard=")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no " + name + " pushed:\n" + response.body());
  }
}
