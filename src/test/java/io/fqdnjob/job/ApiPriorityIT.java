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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * 429 Too Many Requests from the API server's own API Priority and Fairness. The job runs as a
 * ServiceAccount whose requests a FlowSchema sends to a priority level of one seat that rejects
 * instead of queuing. The test holds that seat with a request of the same ServiceAccount that waits
 * on a stalled admission webhook (a Toxiproxy stall), so every request of the job is rejected for
 * as long as the test wants, and released when it clears the stall.
 */
@ExtendWith(TestBedExtension.class)
class ApiPriorityIT {
  private static final String LEVEL = "fqdn-job-it-one-seat";
  private static final String ACCOUNT = "throttled";
  private static final AtomicInteger HOLDS = new AtomicInteger();

  private static TestBed bed;
  private static JobProcess job;
  private static Toxiproxy.Proxy webhook;
  private static HttpClient http;

  @BeforeAll
  static void setUp(TestBed testBed) throws Exception {
    bed = testBed;
    bed.installCrd();
    job = new JobProcess(bed);
    String ns = bed.namespace();
    bed.kubectl("create", "serviceaccount", ACCOUNT, "-n", ns);
    bed.kubectl(
        "create",
        "rolebinding",
        ACCOUNT,
        "-n",
        ns,
        "--clusterrole=cluster-admin",
        "--serviceaccount=" + ns + ":" + ACCOUNT);
    // The webhook's address: a proxy to the API server (which is no webhook: once the stall is
    // cleared the call fails, and failurePolicy Ignore lets the held request finish).
    webhook = bed.toxiproxy().inFrontOfApiServer(bed, "apf-webhook");
    webhook.stall();
    String ca = Base64.getEncoder().encodeToString(Files.readAllBytes(bed.caCertificate()));
    bed.kubectlApply(
        """
        apiVersion: flowcontrol.apiserver.k8s.io/v1
        kind: PriorityLevelConfiguration
        metadata: {name: %1$s}
        spec:
          type: Limited
          limited:
            # No shares, nothing lent or borrowed: the smallest limit, one request at a time.
            nominalConcurrencyShares: 0
            lendablePercent: 0
            borrowingLimitPercent: 0
            limitResponse: {type: Reject}
        ---
        apiVersion: flowcontrol.apiserver.k8s.io/v1
        kind: FlowSchema
        metadata: {name: %1$s}
        spec:
          priorityLevelConfiguration: {name: %1$s}
          matchingPrecedence: 500
          distinguisherMethod: {type: ByUser}
          rules:
          - subjects:
            - kind: ServiceAccount
              serviceAccount: {name: %2$s, namespace: %3$s}
            resourceRules:
            - verbs: ["*"]
              apiGroups: ["*"]
              resources: ["*"]
              namespaces: ["*"]
              clusterScope: true
            nonResourceRules:
            - verbs: ["*"]
              nonResourceURLs: ["*"]
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingWebhookConfiguration
        metadata: {name: %1$s}
        webhooks:
        - name: hold.fqdn-job.test
          clientConfig:
            url: https://%4$s/hold
            caBundle: %5$s
          rules:
          - apiGroups: [""]
            apiVersions: [v1]
            operations: [CREATE]
            resources: [configmaps]
          namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: %3$s}
          objectSelector:
            matchLabels: {hold-seat: "yes"}
          failurePolicy: Ignore
          sideEffects: None
          admissionReviewVersions: [v1]
          timeoutSeconds: 30
        """
            .formatted(LEVEL, ACCOUNT, ns, webhook.address(), ca));
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (var in = Files.newInputStream(bed.caCertificate())) {
      trust.setCertificateEntry(
          "bed", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    http = HttpClient.newBuilder().sslContext(tls).build();
  }

  @AfterAll
  static void tearDown() {
    webhook.close();
    bed.kubectl(
        "delete",
        "flowschema,prioritylevelconfiguration,validatingwebhookconfiguration",
        LEVEL,
        "--ignore-not-found");
  }

  @Test
  void throttledRequestsAreRetriedAfterRetryAfterAndTheRunEndsClean(@TempDir Path dir)
      throws Exception {
    String name = bed.zone().uniqueName("apf");
    bed.zone().setA(name, "198.51.100.41");
    create("throttled-a", name);
    create("throttled-b", name);
    String token = bed.mintToken(bed.namespace(), ACCOUNT);
    Path kubeconfig = TokenKubeconfig.write(bed, token, dir.resolve("throttled.kubeconfig"));

    CompletableFuture<HttpResponse<String>> hold = holdTheSeat(token);
    Path log = Files.createTempFile("fqdn-job-apf", ".log");
    Process process =
        job.start(
            log,
            "run",
            "--kubeconfig",
            kubeconfig.toString(),
            "--dns-server",
            bed.dnsServer(),
            "--namespace",
            bed.namespace(),
            "--verbose");
    try {
      JobProcess.awaitOutput(log, "HTTP 429");
      webhook.clearToxics(); // the held request ends; the seat is free again
      assertEquals(201, hold.get(40, TimeUnit.SECONDS).statusCode());
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
      String output = Files.readString(log);
      assertEquals(0, process.exitValue(), output);
      assertTrue(output.contains("retrying in"), output);
      assertTrue(output.contains("applied=2"), output);
    } finally {
      process.destroyForcibly();
      webhook.stall();
      Files.deleteIfExists(log);
    }
    assertReady("throttled-a");
    assertReady("throttled-b");
  }

  @Test
  void aThrottleThatNeverLetsUpFailsTheListWithASummary(@TempDir Path dir) throws Exception {
    String name = bed.zone().uniqueName("apf-never");
    bed.zone().setA(name, "198.51.100.42");
    create("never", name);
    String token = bed.mintToken(bed.namespace(), ACCOUNT);
    Path kubeconfig = TokenKubeconfig.write(bed, token, dir.resolve("never.kubeconfig"));

    CompletableFuture<HttpResponse<String>> hold = holdTheSeat(token);
    try {
      JobProcess.Result result =
          job.runWith(kubeconfig, "--policy", bed.namespace() + "/never", "--deadline", "20s");
      assertEquals(10, result.exitCode(), result.toString());
      assertTrue(result.stderr().contains("HTTP 429"), result.toString());
      assertTrue(result.stderr().contains("list=failed exit=10"), result.toString());
      assertFalse(BedObjects.get(bed, bed.namespace(), "fqdn", "never").has("status"));
    } finally {
      webhook.clearToxics();
      hold.get(40, TimeUnit.SECONDS);
      webhook.stall();
    }
  }

  // --- helpers

  /**
   * Creates a ConfigMap as the throttled ServiceAccount; the stalled webhook keeps that request,
   * and with it the priority level's only seat, until the test clears the stall. Returns once the
   * API server reports the seat taken.
   */
  private static CompletableFuture<HttpResponse<String>> holdTheSeat(String token)
      throws Exception {
    String body =
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"hold-"
            + HOLDS.incrementAndGet()
            + "\",\"labels\":{\"hold-seat\":\"yes\"}}}";
    Instant limit = Instant.now().plus(Duration.ofSeconds(30));
    while (Instant.now().isBefore(limit)) {
      CompletableFuture<HttpResponse<String>> hold =
          http.sendAsync(
              HttpRequest.newBuilder(
                      URI.create(
                          bed.apiServerUrl()
                              + "/api/v1/namespaces/"
                              + bed.namespace()
                              + "/configmaps"))
                  .header("Authorization", "Bearer " + token)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      while (!hold.isDone()) {
        if (executing() == 1) {
          return hold;
        }
        Thread.sleep(100);
      }
      // Finished at once: the API server had not loaded the webhook yet. Try again.
      body = body.replaceFirst("hold-\\d+", "hold-" + HOLDS.incrementAndGet());
    }
    throw new AssertionError("could not hold the seat of priority level " + LEVEL);
  }

  /** Returns the requests executing at the priority level, from the API server's APF dump. */
  private static int executing() {
    String dump =
        bed.kubectl("get", "--raw", "/debug/api_priority_and_fairness/dump_priority_levels");
    for (String line : dump.split("\n")) {
      String[] columns = line.split(",");
      if (columns[0].strip().equals(LEVEL)) {
        return Integer.parseInt(columns[5].strip());
      }
    }
    return -1;
  }

  private static void create(String resource, String fqdn) {
    BedObjects.applyFqdn(
        bed,
        bed.namespace(),
        resource,
        null,
        "podSelector: {}\negress:\n- toFQDNS: [" + fqdn + "]\n");
  }

  private static void assertReady(String resource) {
    JsonObject object = BedObjects.get(bed, bed.namespace(), "fqdn", resource);
    assertTrue(object.has("status"), object.toString());
    assertEquals(
        "True",
        BedObjects.condition(object.getAsJsonObject("status"), "Ready").get("status").getAsString(),
        object.toString());
  }
}
