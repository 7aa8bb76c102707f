package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.JobProcess;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import io.fqdnjob.testbed.TokenKubeconfig;
import io.fqdnjob.testbed.Toxiproxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run's lifecycle as the packaged job lives it, against the real API server behind the bed's
 * Toxiproxy: a stop in any phase writes the summary and leaves unfinished resources as they were, a
 * second signal ends the process at once, a stalled API server ends a run after one timeout, and
 * the DNS Service of --dns-from-service is read inside the run.
 */
@ExtendWith(TestBedExtension.class)
class LifecycleIT {
  private static TestBed bed;
  private static JobProcess job;

  @BeforeAll
  static void setUp(TestBed testBed) {
    bed = testBed;
    bed.installCrd();
    job = new JobProcess(bed);
  }

  @Test
  void aStopDuringTheFirstPageCancelsTheReadAndStillWritesTheSummary(@TempDir Path dir)
      throws Exception {
    String ns = namespace("stop-list");
    create(ns, "untouched", bed.zone().uniqueName("stop-list"));
    Path log = dir.resolve("job.log");
    try (Toxiproxy.Proxy proxy = bed.toxiproxy().inFrontOfApiServer(bed, "life-stop-list")) {
      proxy.stall();
      Process process = startThrough(proxy, ns, log, "--api-timeout", "120s");
      try {
        JobProcess.awaitOutput(log, "first API request: GET");
        Instant signalled = Instant.now();
        process.destroy(); // SIGTERM
        // The read in flight would hold the run 120 s; the stop cancels it.
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
        Duration took = Duration.between(signalled, Instant.now());
        String output = Files.readString(log);
        assertEquals(11, process.exitValue(), output);
        assertTrue(output.contains("run finished: listed=0"), output);
        assertTrue(output.contains("list=cut-short exit=11"), output);
        assertTrue(output.contains("the run was stopped (SIGTERM)"), output);
        assertFalse(get(ns, "untouched").has("status"), "left exactly as it was");
        System.out.println("SIGTERM to exit while listing a stalled API server: " + took);
      } finally {
        process.destroyForcibly();
      }
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  @Test
  void aStalledApiServerEndsARunWithoutDeadlineAfterOneTimeoutNotFive() throws Exception {
    String ns = namespace("stalled");
    create(ns, "untouched", bed.zone().uniqueName("stalled"));
    try (Toxiproxy.Proxy proxy = bed.toxiproxy().inFrontOfApiServer(bed, "life-stalled")) {
      proxy.stall();
      JobProcess.Result result =
          job.runWith(proxy.kubeconfig(), "--namespace", ns, "-v", "--api-timeout", "3s");
      assertEquals(10, result.exitCode(), result.toString());
      assertTrue(result.stderr().contains("api=stalled exit=10"), result.toString());
      assertTrue(
          result.stderr().contains("no answer within --api-timeout; no new request is started"),
          result.toString());
      assertFalse(result.stderr().contains("retrying in"), "a timeout is not retried: " + result);
      assertFalse(get(ns, "untouched").has("status"));
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  @Test
  void aStopWhileWritingEndsAfterTheWriteInFlightAndLeavesTheRestAsItWas(@TempDir Path dir)
      throws Exception {
    String ns = namespace("stop-writes");
    List<String> names = createMany(ns, 8);
    Path log = dir.resolve("job.log");
    try (Toxiproxy.Proxy proxy = bed.toxiproxy().inFrontOfApiServer(bed, "life-stop-writes")) {
      proxy.latency(Duration.ofMillis(1500));
      Process process = startWriting(proxy, ns, log);
      try {
        awaitFirstPolicy(ns, log);
        process.destroy(); // SIGTERM
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
        String output = Files.readString(log);
        assertEquals(11, process.exitValue(), output);
        assertTrue(output.contains("run finished: listed=8 due=8"), output);
        assertTrue(output.contains("run stopped by SIGTERM"), output);
        int withPolicy = 0;
        for (String name : names) {
          boolean policy = BedObjects.tryGet(bed, ns, "networkpolicy", name) != null;
          JsonObject resource = get(ns, name);
          withPolicy += policy ? 1 : 0;
          if (!policy) {
            assertFalse(resource.has("status"), name + " was left exactly as it was: " + output);
          }
        }
        assertTrue(withPolicy < names.size(), "the stop left work: " + output);
      } finally {
        process.destroyForcibly();
      }
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  @Test
  void aSecondSigtermEndsTheProcessAtOnceWith143(@TempDir Path dir) throws Exception {
    String ns = namespace("second-term");
    createMany(ns, 8);
    Path log = dir.resolve("job.log");
    try (Toxiproxy.Proxy proxy = bed.toxiproxy().inFrontOfApiServer(bed, "life-second-term")) {
      proxy.latency(Duration.ofSeconds(5));
      Process process = startWriting(proxy, ns, log);
      try {
        awaitFirstPolicy(ns, log);
        process.destroy(); // SIGTERM: the run waits for the write in flight, 5 s of latency
        JobProcess.awaitOutput(log, "SIGTERM: stopping"); // the handler ran; the write goes on
        process.destroy(); // the second SIGTERM: at once
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
        assertEquals(143, process.exitValue(), Files.readString(log));
      } finally {
        process.destroyForcibly();
      }
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  @Test
  void theDnsServiceIsReadWithinTheRunsDeadline() throws Exception {
    String ns = namespace("dns-deadline");
    try (Toxiproxy.Proxy proxy = bed.toxiproxy().inFrontOfApiServer(bed, "life-dns-deadline")) {
      proxy.stall();
      Instant start = Instant.now();
      JobProcess.Result result =
          job.runWith(
              proxy.kubeconfig(),
              "--namespace",
              ns,
              "--dns-from-service",
              ns + "/cluster-dns",
              "--deadline",
              "5s",
              "--api-timeout",
              "120s");
      Duration took = Duration.between(start, Instant.now());
      assertEquals(11, result.exitCode(), result.toString());
      assertTrue(
          result.stderr().contains("list endpointslices of " + ns + "/cluster-dns"),
          result.toString());
      assertTrue(result.stderr().contains("run finished: listed=0"), result.toString());
      assertTrue(result.stderr().contains("list=cut-short exit=11"), result.toString());
      // Generous for a 5 s deadline; the read alone would take 120 s.
      assertTrue(took.toSeconds() < 60, "took " + took + "\n" + result);
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  @Test
  void aPassingFailureToReadTheDnsServiceFailsTheRunWithASummary() throws Exception {
    String ns = namespace("dns-reset");
    try (Toxiproxy.Proxy proxy = bed.toxiproxy().inFrontOfApiServer(bed, "life-dns-reset")) {
      proxy.resetPeer();
      JobProcess.Result result =
          job.runWith(
              proxy.kubeconfig(), "--namespace", ns, "--dns-from-service", ns + "/cluster-dns");
      assertEquals(10, result.exitCode(), result.toString());
      assertTrue(
          result.stderr().contains("could not read its EndpointSlices, nothing is looked up"),
          result.toString());
      assertTrue(result.stderr().contains("dns-service=failed exit=10"), result.toString());
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  @Test
  void aMissingDnsServiceOrAMissingRightToReadItIsAConfigurationError(@TempDir Path dir) {
    String ns = namespace("dns-config");
    try {
      JobProcess.Result missing =
          job.run("--namespace", ns, "--dns-from-service", ns + "/no-such-service");
      assertEquals(2, missing.exitCode(), missing.toString());
      assertTrue(
          missing.stderr().contains("--dns-from-service " + ns + "/no-such-service"),
          missing.toString());
      assertFalse(missing.stderr().contains("run finished"), "no run: " + missing);

      bed.kubectl("create", "serviceaccount", "no-rights", "-n", ns);
      Path kubeconfig =
          TokenKubeconfig.write(bed, bed.mintToken(ns, "no-rights"), dir.resolve("token.yaml"));
      JobProcess.Result forbidden =
          job.runWith(kubeconfig, "--namespace", ns, "--dns-from-service", ns + "/cluster-dns");
      assertEquals(2, forbidden.exitCode(), forbidden.toString());
      assertTrue(
          forbidden
              .stderr()
              .contains("the credentials may not list endpointslices.discovery.k8s.io in " + ns),
          forbidden.toString());
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  // --- helpers

  private static String namespace(String suffix) {
    String ns = bed.namespace() + "-" + suffix;
    bed.kubectl("create", "namespace", ns);
    return ns;
  }

  private static void create(String ns, String name, String fqdn) {
    BedObjects.applyFqdn(
        bed, ns, name, null, "podSelector: {}\negress:\n- toFQDNS: [" + fqdn + "]\n");
  }

  private static List<String> createMany(String ns, int count) {
    String fqdn = bed.zone().uniqueName("many");
    bed.zone().setA(fqdn, "198.51.100.81");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      names.add("r" + i);
      create(ns, "r" + i, fqdn);
    }
    return names;
  }

  /** Starts a run over {@code ns} through {@code proxy}, one write at a time, with debug logs. */
  private static Process startWriting(Toxiproxy.Proxy proxy, String ns, Path log) throws Exception {
    return startThrough(proxy, ns, log, "--api-concurrency", "1", "--api-timeout", "60s");
  }

  /** Starts a run over {@code ns} through {@code proxy} with debug logs and {@code more}. */
  private static Process startThrough(Toxiproxy.Proxy proxy, String ns, Path log, String... more)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "--kubeconfig",
                proxy.kubeconfig().toString(),
                "--dns-server",
                bed.dnsServer(),
                "--namespace",
                ns,
                "-v"));
    args.addAll(List.of(more));
    return job.start(log, args.toArray(String[]::new));
  }

  /** Waits until the run has written its first NetworkPolicy (read past the proxy). */
  private static void awaitFirstPolicy(String ns, Path log) throws Exception {
    Instant limit = Instant.now().plus(Duration.ofSeconds(90));
    while (Instant.now().isBefore(limit)) {
      String policies = bed.kubectl("get", "networkpolicy", "-n", ns, "-o", "name");
      if (!policies.isBlank()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no NetworkPolicy written:\n" + Files.readString(log));
  }

  private static JsonObject get(String ns, String name) {
    return BedObjects.get(bed, ns, "fqdn", name);
  }
}
