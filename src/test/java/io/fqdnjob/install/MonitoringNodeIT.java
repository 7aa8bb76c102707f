package io.fqdnjob.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedException;
import io.fqdnjob.testbed.TestBedExtension;
import io.fqdnjob.testbed.TestNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring component on the bed's node: the job's pods push their metrics to a Pushgateway
 * that runs as a pod, through the job's enforced NetworkPolicy.
 *
 * <p>Each install is a kustomization of the test's own over {@code kustomize/base} (or the loop
 * overlay) with {@code kustomize/components/monitoring}, in a namespace of this class (the
 * kustomization's {@code namespace}, and a name prefix that keeps its ClusterRole and binding apart
 * from other installs on the bed). The test's patches only do what a user's overlay does: the bed's
 * image, the gateway's address in the component's ConfigMap, the gateway's namespace in the
 * component's NetworkPolicy rule; besides, {@code --namespace} keeps the runs to this class's
 * namespace (the bed is shared), and the CronJob is suspended so that only the Jobs the test
 * creates from it run.
 *
 * <p>The gateway is the bed's Pushgateway binary in the image {@value #GATEWAY_IMAGE}
 * (scripts/lib/testbed-node.sh), labelled as the prometheus-community chart labels it, which is
 * what the component's rule selects.
 */
@ExtendWith(TestBedExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MonitoringNodeIT {
  static final String GATEWAY_IMAGE = "fqdn-job.local/pushgateway:bed";
  private static final int GATEWAY_PORT = 9091;
  private static final String GATEWAY = "pushgateway";
  private static final String GATEWAY_LABEL = "prometheus-pushgateway";
  private static final String NAME_LABEL = "app.kubernetes.io/name";
  private static final Duration POD_WAIT = Duration.ofSeconds(120);
  private static final Duration JOB_WAIT = Duration.ofSeconds(120);
  private static final Duration POLICY_CHANGE = Duration.ofSeconds(30);
  private static final Duration LOOP_PUSHES = Duration.ofSeconds(90);
  private static final Gson GSON = new Gson();
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir static Path tmp;

  private static TestBed bed;
  private static TestNode node;
  private static String ns;
  private static String prefix;
  private static String gatewayIp;

  /** A pod with the job's label, so under the job's NetworkPolicy: it tells when a change holds. */
  private static String probe;

  @BeforeAll
  static void setUp(TestBed testBed) {
    bed = testBed;
    node = bed.node();
    ns = "fqdn-mon-" + HexFormat.of().formatHex(RANDOM.generateSeed(3));
    prefix = ns + "-";
    // The base's namespace (restricted Pod Security) under this class's name, with the
    // CronJob; the gateway and the probe run beside the job, as restricted pods.
    install(Variant.CRONJOB_OPEN);
    JsonObject gateway =
        node.toolsPod(
            GATEWAY,
            Map.of(NAME_LABEL, GATEWAY_LABEL),
            List.of("/pushgateway", "--web.listen-address=:" + GATEWAY_PORT));
    JsonObject container =
        gateway.getAsJsonObject("spec").getAsJsonArray("containers").get(0).getAsJsonObject();
    container.addProperty("image", GATEWAY_IMAGE);
    container.add(
        "readinessProbe",
        GSON.toJsonTree(
            Map.of(
                "httpGet", Map.of("path", "/-/ready", "port", GATEWAY_PORT), "periodSeconds", 1)));
    node.createPod(ns, gateway);
    try {
      node.awaitPodReady(ns, GATEWAY, POD_WAIT);
      gatewayIp = node.podIp(ns, GATEWAY);
    } catch (AssertionError e) {
      throw new AssertionError(
          "the Pushgateway pod did not start; a bed whose node was set up before"
              + " scripts/lib/testbed-node.sh built "
              + GATEWAY_IMAGE
              + " lacks the image (scripts/testbed.sh down, then up --node): "
              + e.getMessage(),
          e);
    }
    bed.kubectlWithInput(
        GSON.toJson(
            Map.of(
                "apiVersion",
                "v1",
                "kind",
                "Service",
                "metadata",
                Map.of("name", GATEWAY, "namespace", ns),
                "spec",
                Map.of(
                    "selector",
                    Map.of(NAME_LABEL, GATEWAY_LABEL),
                    "ports",
                    List.of(Map.of("port", GATEWAY_PORT, "targetPort", GATEWAY_PORT))))),
        "apply",
        "-f",
        "-");
    probe = "probe";
    node.startToolsPod(
        ns,
        probe,
        Map.of(NAME_LABEL, "fqdn-job", "app.kubernetes.io/component", "probe"),
        "sleep",
        "3600");
  }

  @AfterAll
  static void tearDown() {
    if (ns == null) {
      return;
    }
    bed.kubectl("delete", "namespace", ns, "--wait=false", "--ignore-not-found");
    // The install's cluster-scoped objects (ClusterRoles, their binding), by the name prefix.
    List<String> clusterScoped =
        bed.kubectl("get", "clusterroles,clusterrolebindings", "-o", "name")
            .lines()
            .filter(n -> n.substring(n.indexOf('/') + 1).startsWith(prefix))
            .toList();
    if (!clusterScoped.isEmpty()) {
      List<String> args = new ArrayList<>(List.of("delete", "--ignore-not-found", "--wait=false"));
      args.addAll(clusterScoped);
      bed.kubectl(args.toArray(String[]::new));
    }
  }

  @Test
  @Order(1)
  void aCronJobPodPushesItsMetricsUnderItsNamespaceThroughTheOpenedPolicy() throws Exception {
    install(Variant.CRONJOB_OPEN);
    node.awaitConnect(ns, probe, gatewayIp, GATEWAY_PORT, true, POLICY_CHANGE);
    deleteGroup();

    String job = runJobFromCronJob("pushed");
    String log = node.logs(ns, onlyPodName(job));
    assertFalse(log.contains("could not push metrics"), log);
    String metrics = gatewayMetrics();
    String group = "{instance=\"\",job=\"fqdn-job\",namespace=\"" + ns + "\"}";
    assertAll(
        metrics,
        "fqdn_job_last_run_failed" + group + " 0",
        "fqdn_job_last_run_exit_code" + group + " 0",
        "fqdn_job_last_success_timestamp_seconds" + group + " ",
        "push_time_seconds" + group + " ");
    // One run, no shards: no shard label anywhere in the group.
    assertFalse(metrics.contains("shard="), metrics);
  }

  @Test
  @Order(2)
  void withoutTheComponentsRuleThePolicyBlocksThePush() throws Exception {
    install(Variant.CRONJOB_CLOSED);
    node.awaitConnect(ns, probe, gatewayIp, GATEWAY_PORT, false, POLICY_CHANGE);
    deleteGroup();

    String job = runJobFromCronJob("blocked");
    String pod = onlyPodName(job);
    String log = node.logs(ns, pod);
    // A failed push is logged and does not fail the run (the Job succeeded).
    assertTrue(log.contains("could not push metrics"), log);
    String metrics = gatewayMetrics();
    assertFalse(metrics.contains("namespace=\"" + ns + "\""), metrics);
  }

  @Test
  @Order(3)
  void theLoopDeploymentPushesAfterEachRound() throws Exception {
    bed.kubectl("delete", "cronjob/" + prefix + "fqdn-job", "-n", ns, "--ignore-not-found");
    bed.kubectl("delete", "jobs", "--all", "-n", ns, "--wait=false");
    install(Variant.LOOP);
    node.awaitConnect(ns, probe, gatewayIp, GATEWAY_PORT, true, POLICY_CHANGE);
    String group = "{instance=\"\",job=\"fqdn-job\",namespace=\"" + ns + "\"}";
    Pattern pushTime = Pattern.compile(Pattern.quote("push_time_seconds" + group) + " (\\S+)");
    // The loop runs at least every 5 s (--max-interval): two pushes with different times show
    // that a push follows every round, not the first only.
    Instant deadline = Instant.now().plus(LOOP_PUSHES);
    List<String> seen = new ArrayList<>();
    String metrics = "";
    while (Instant.now().isBefore(deadline)) {
      metrics = gatewayMetrics();
      Matcher m = pushTime.matcher(metrics);
      if (m.find() && !seen.contains(m.group(1))) {
        seen.add(m.group(1));
        if (seen.size() >= 2) {
          break;
        }
      }
      TestNode.pause();
    }
    assertTrue(seen.size() >= 2, "push times seen " + seen + "; last metrics:\n" + metrics);
    assertTrue(metrics.contains("fqdn_job_last_run_failed" + group + " 0"), metrics);
    String pods =
        bed.kubectl(
            "get", "pods", "-n", ns, "-l", "app.kubernetes.io/component=loop", "-o", "name");
    assertNotEquals("", pods.strip(), "the loop's pod");
  }

  // ---------------------------------------------------------------------------------------------

  /** What the test installs. */
  enum Variant {
    /** The CronJob with the component. */
    CRONJOB_OPEN,
    /** The CronJob with the component, less the component's NetworkPolicy rule. */
    CRONJOB_CLOSED,
    /** The loop's Deployment with the component. */
    LOOP
  }

  /**
   * Writes the kustomization of {@code variant}, renders it once to find where the component put
   * its arguments and its policy rule, adds the test's patches there, and applies it.
   */
  private static void install(Variant variant) {
    Path dir =
        tmp.resolve(
            variant.name().toLowerCase() + "-" + HexFormat.of().formatHex(RANDOM.generateSeed(3)));
    String workload = variant == Variant.LOOP ? "Deployment" : "CronJob";
    String base = variant == Variant.LOOP ? "kustomize/overlays/loop" : "kustomize/base";
    List<Map<String, Object>> patches = new ArrayList<>();
    // The bed has the CRD already, installed by the bed; the test leaves it alone.
    patches.add(
        Map.of(
            "patch",
            GSON.toJson(
                Map.of(
                    "$patch",
                    "delete",
                    "apiVersion",
                    "apiextensions.k8s.io/v1",
                    "kind",
                    "CustomResourceDefinition",
                    "metadata",
                    Map.of("name", "fqdnnetworkpolicies.fqdn.konsole.is")))));
    // The gateway's address, in the one place the component reads it from.
    patches.add(
        Map.of(
            "target",
            Map.of("kind", "ConfigMap", "name", "fqdn-job-monitoring"),
            "patch",
            GSON.toJson(
                List.of(
                    op(
                        "replace",
                        "/data/pushgateway",
                        "http://" + GATEWAY + "." + ns + ".svc:" + GATEWAY_PORT)))));
    write(dir, base, patches);
    List<JsonObject> rendered = InstallSupport.render(bed, dir);

    JsonObject object = InstallSupport.only(rendered, workload, prefix + "fqdn-job");
    JsonObject podSpec =
        variant == Variant.LOOP
            ? object.getAsJsonObject("spec").getAsJsonObject("template").getAsJsonObject("spec")
            : object
                .getAsJsonObject("spec")
                .getAsJsonObject("jobTemplate")
                .getAsJsonObject("spec")
                .getAsJsonObject("template")
                .getAsJsonObject("spec");
    List<String> args = new ArrayList<>(InstallSupport.args(podSpec));
    int flag = args.indexOf("--pushgateway");
    assertTrue(flag >= 0, "the component's --pushgateway in " + args);
    assertEquals("$(FQDN_JOB_PUSHGATEWAY)", args.get(flag + 1), args.toString());
    // Only this test's namespace: the base's --all-namespaces gives way to --namespace.
    assertTrue(args.remove("--all-namespaces"), args.toString());
    args.addAll(List.of("--namespace", ns));
    List<Map<String, Object>> workloadOps = new ArrayList<>();
    if (variant == Variant.LOOP) {
      int interval = args.indexOf("--max-interval");
      assertTrue(interval >= 0, args.toString());
      args.set(interval + 1, "5s");
      workloadOps.add(op("replace", "/spec/template/spec/containers/0/args", args));
    } else {
      workloadOps.add(
          op("replace", "/spec/jobTemplate/spec/template/spec/containers/0/args", args));
      workloadOps.add(op("add", "/spec/suspend", true));
    }
    patches.add(Map.of("target", Map.of("kind", workload), "patch", GSON.toJson(workloadOps)));

    JsonObject policy = InstallSupport.only(rendered, "NetworkPolicy", prefix + "fqdn-job");
    JsonArray egress = policy.getAsJsonObject("spec").getAsJsonArray("egress");
    int rule = -1;
    for (int i = 0; i < egress.size(); i++) {
      if (egress.get(i).toString().contains(GATEWAY_LABEL)) {
        rule = i;
      }
    }
    assertTrue(rule >= 0, "the component's rule in " + egress);
    String to = "/spec/egress/" + rule + "/to/0";
    List<Map<String, Object>> policyOps = new ArrayList<>();
    policyOps.add(op("test", to + "/podSelector/matchLabels", Map.of(NAME_LABEL, GATEWAY_LABEL)));
    if (variant == Variant.CRONJOB_CLOSED) {
      policyOps.add(op("remove", "/spec/egress/" + rule, null));
    } else {
      // The one thing a user adapts here: the gateway's namespace.
      policyOps.add(
          op("replace", to + "/namespaceSelector/matchLabels/kubernetes.io~1metadata.name", ns));
    }
    patches.add(Map.of("target", Map.of("kind", "NetworkPolicy"), "patch", GSON.toJson(policyOps)));
    write(dir, base, patches);
    bed.kubectl(
        "apply", "--server-side", "--field-manager=fqdn-monitoring-test", "-k", dir.toString());
  }

  private static void write(Path dir, String base, List<Map<String, Object>> patches) {
    Path abs = dir.toAbsolutePath();
    Map<String, Object> kustomization = new LinkedHashMap<>();
    kustomization.put("apiVersion", "kustomize.config.k8s.io/v1beta1");
    kustomization.put("kind", "Kustomization");
    kustomization.put("namespace", ns);
    kustomization.put("namePrefix", prefix);
    kustomization.put(
        "resources", List.of(abs.relativize(bed.repoRoot().resolve(base)).toString()));
    kustomization.put(
        "components",
        List.of(
            abs.relativize(bed.repoRoot().resolve("kustomize/components/monitoring")).toString()));
    // Both spellings of the image placeholder, the old and the new one; kustomize ignores the
    // entry that matches nothing.
    kustomization.put(
        "images",
        List.of(
            Map.of(
                "name",
                "ghcr.io/fqdn-job/fqdn-job",
                "newName",
                node.imageName(),
                "newTag",
                node.imageTag()),
            Map.of(
                "name",
                "fqdn-job.invalid/fqdn-job",
                "newName",
                node.imageName(),
                "newTag",
                node.imageTag())));
    kustomization.put("patches", patches);
    try {
      Files.createDirectories(dir);
      // JSON is YAML.
      Files.writeString(dir.resolve("kustomization.yaml"), GSON.toJson(kustomization));
    } catch (IOException e) {
      throw new TestBedException("could not write the kustomization in " + dir, e);
    }
  }

  private static Map<String, Object> op(String op, String path, Object value) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("op", op);
    o.put("path", path);
    if (value != null) {
      o.put("value", value);
    }
    return o;
  }

  /** Creates a Job from the CronJob, waits until it succeeds and returns its name. */
  private static String runJobFromCronJob(String name) {
    String job = name + "-" + HexFormat.of().formatHex(RANDOM.generateSeed(3));
    bed.kubectl("create", "job", job, "--from=cronjob/" + prefix + "fqdn-job", "-n", ns);
    try {
      node.awaitJobSucceeded(ns, job, JOB_WAIT);
    } catch (AssertionError e) {
      throw new AssertionError(node.describeJob(ns, job), e);
    }
    return job;
  }

  private static String onlyPodName(String job) {
    List<JsonObject> pods = node.jobPods(ns, job);
    assertEquals(1, pods.size(), node.describeJob(ns, job));
    return pods.get(0).getAsJsonObject("metadata").get("name").getAsString();
  }

  /** Removes this namespace's group from the gateway, so that what follows was pushed anew. */
  private static void deleteGroup() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://"
                                + gatewayIp
                                + ":"
                                + GATEWAY_PORT
                                + "/metrics/job/fqdn-job/namespace/"
                                + ns))
                    .DELETE()
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(202, response.statusCode(), response.body());
    // The gateway takes the deletion and carries it out a moment later.
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    while (gatewayMetrics().contains("namespace=\"" + ns + "\"")) {
      assertTrue(Instant.now().isBefore(deadline), "the group of " + ns + " is still there");
      TestNode.pause();
    }
  }

  /** The gateway's /metrics, read from the node's host (no policy selects the gateway's pod). */
  private static String gatewayMetrics() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://" + gatewayIp + ":" + GATEWAY_PORT + "/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    return response.body();
  }

  private static void assertAll(String metrics, String... prefixes) {
    for (String p : prefixes) {
      assertTrue(
          metrics.lines().anyMatch(l -> l.startsWith(p)),
          "a line starting with " + p + " in:\n" + metrics);
    }
  }
}
