package io.fqdnjob.install;

import static io.fqdnjob.install.InstallSupport.NAME;
import static io.fqdnjob.install.InstallSupport.SYSTEM_NAMESPACE;
import static io.fqdnjob.install.InstallSupport.condition;
import static io.fqdnjob.install.InstallSupport.container;
import static io.fqdnjob.install.InstallSupport.get;
import static io.fqdnjob.install.InstallSupport.labels;
import static io.fqdnjob.install.InstallSupport.peers;
import static io.fqdnjob.install.InstallSupport.tryGet;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.job.Shard;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedException;
import io.fqdnjob.testbed.TestBedExtension;
import io.fqdnjob.testbed.TestNode;
import io.kubernetes.client.openapi.models.V1ContainerStateTerminated;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
 * The README's install, for real, on the bed's node: the job's pods run from the product image in
 * {@code fqdn-job-system} (restricted Pod Security), with the shipped CronJob, Deployment and
 * NetworkPolicy.
 *
 * <p>Each install is a kustomization of the test's own, the way a user points an overlay at their
 * build: the overlay as its resource, an {@code images} entry for the bed's image (what {@code
 * kustomize edit set image} writes) and JSON 6902 patches that point the job at the bed's DNS
 * server, {@code --dns-server NODE_IP:PORT}, and open that address and port in the job's
 * NetworkPolicy. The bed's DNS server is no pod and listens on a port other than 53, so neither the
 * base's DNS rules nor the overlay's placeholders fit it.
 *
 * <p>The tests run in order (scheduled run, manual run, the job's NetworkPolicy, loop, shards) but
 * each installs what it needs. Before an install the previous workload goes, pods and all, so that
 * what a test sees was done by the workload it installed. {@code InstallIT} and {@code
 * NamespacedInstallIT} use and delete {@code fqdn-job-system} too; this class waits until their
 * deletion is over, and deletes its workload and the namespace after its last test. The CRD stays:
 * other classes share it.
 */
@ExtendWith(TestBedExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeInstallIT {
  /** The CronJob runs every minute; its first Job starts at the next whole minute. */
  private static final Duration SCHEDULE_WAIT = Duration.ofSeconds(150);

  private static final Duration JOB_WAIT = Duration.ofSeconds(120);
  private static final Duration POD_WAIT = Duration.ofSeconds(120);
  private static final Duration POLICY_CHANGE = Duration.ofSeconds(30);
  private static final Duration LOOP_PICKUP = Duration.ofSeconds(60);
  private static final Pattern SCHEDULED_JOB = Pattern.compile(NAME + "-\\d+");
  private static final Pattern SUMMARY = Pattern.compile("run finished: (.*)");
  private static final String WORKLOAD_PODS = "app.kubernetes.io/part-of=fqdn-job";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Gson GSON = new Gson();

  @TempDir static Path tmp;

  private static TestBed bed;
  private static TestNode node;

  /** The overlay installed last, or {@code null}. */
  private static Overlay installed;

  @BeforeAll
  static void setUp(TestBed testBed) throws Exception {
    bed = testBed;
    node = bed.node();
    InstallSupport.awaitNamespaceGone(bed, SYSTEM_NAMESPACE);
    // The CRD as the other classes install it, first: on a bed kept from an older build its
    // fields belong to the bed's field manager, and the base must find the same values there.
    bed.installCrd();
  }

  @AfterAll
  static void removeWorkloadAndNamespace() {
    if (node == null) {
      return; // No node, so nothing was installed.
    }
    try {
      deleteWorkload();
    } finally {
      bed.kubectl("delete", "namespace", SYSTEM_NAMESPACE, "--wait=false", "--ignore-not-found");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The CronJob

  @Test
  @Order(1)
  void cronJobScheduleRunsTheInstalledJobAndTheRunWritesThePolicy() {
    String ns = bed.namespace();
    String fqdn = bed.zone().uniqueName("scheduled");
    String address = "198.51.100.61";
    bed.zone().setA(fqdn, address);
    InstallSupport.createResource(bed, ns, "scheduled", fqdn, null, null);

    Instant applied = install(Overlay.CUSTOM_DNS);
    assertEquals(
        "* * * * *",
        get(bed, "cronjob", NAME, SYSTEM_NAMESPACE)
            .getAsJsonObject("spec")
            .get("schedule")
            .getAsString(),
        "the schedule as shipped");
    JsonObject job = awaitFirstScheduledJob(applied);
    Instant completed = Instant.now();
    String jobName = job.getAsJsonObject("metadata").get("name").getAsString();
    JsonObject jobStatus = job.getAsJsonObject("status");
    System.out.printf(
        "install: apply -> first scheduled Job %s complete in %d s (Job created %s, started %s,"
            + " completed %s)%n",
        jobName,
        Duration.between(applied, completed).toSeconds(),
        job.getAsJsonObject("metadata").get("creationTimestamp").getAsString(),
        jobStatus.get("startTime").getAsString(),
        jobStatus.get("completionTime").getAsString());

    JsonObject pod = onlyPod(jobName);
    JsonObject spec = pod.getAsJsonObject("spec");
    JsonObject namespaceLabels =
        get(bed, "namespace", SYSTEM_NAMESPACE, "default").getAsJsonObject("metadata");
    assertAll(
        () ->
            assertEquals(
                0, TestNode.exitCode(pod, NAME), node.describeJob(SYSTEM_NAMESPACE, jobName)),
        () ->
            assertEquals(
                TestNode.POD_USER,
                spec.getAsJsonObject("securityContext").get("runAsUser").getAsLong()),
        () ->
            assertTrue(
                container(spec)
                    .getAsJsonObject("securityContext")
                    .get("readOnlyRootFilesystem")
                    .getAsBoolean()),
        () -> assertEquals(node.image(), container(spec).get("image").getAsString()),
        () ->
            assertEquals(
                "restricted", labels(namespaceLabels).get("pod-security.kubernetes.io/enforce")));
    // The label is enforced, not only present: a pod without the restricted settings is refused.
    assertPodSecurityRefuses(SYSTEM_NAMESPACE);

    JsonObject policy = get(bed, "networkpolicy", "scheduled", ns);
    assertEquals(List.of(address + "/32"), peers(policy));
    JsonObject status = get(bed, "fqdn", "scheduled", ns).getAsJsonObject("status");
    assertEquals("True", condition(status, "Ready").get("status").getAsString(), status.toString());
    assertEquals(1, status.get("observedGeneration").getAsLong());
  }

  @Test
  @Order(2)
  void jobCreatedFromTheCronJobByHandCompletes() {
    ensureInstalled(Overlay.CUSTOM_DNS);
    String jobName = "manual-" + random();
    bed.kubectl("create", "job", jobName, "--from=cronjob/" + NAME, "-n", SYSTEM_NAMESPACE);
    node.awaitJobSucceeded(SYSTEM_NAMESPACE, jobName, JOB_WAIT);
    JsonObject pod = onlyPod(jobName);
    String podName = pod.getAsJsonObject("metadata").get("name").getAsString();
    assertEquals(0, TestNode.exitCode(pod, NAME), node.describeJob(SYSTEM_NAMESPACE, jobName));
    String summary = summary(node.logs(SYSTEM_NAMESPACE, podName));
    assertTrue(summary.contains(" failed=0 "), summary);
  }

  @Test
  @Order(3)
  void jobsOwnNetworkPolicyAllowsDnsAndTheApiServerAndNothingElse() {
    ensureInstalled(Overlay.CUSTOM_DNS);
    String server = node.startServerPod(bed.namespace(), "server", Map.of("role", "server"), 8080);
    String fqdn = bed.zone().uniqueName("own-policy");
    bed.zone().setA(fqdn, "198.51.100.62");
    String suffix = random();
    // Selected by the job's NetworkPolicy through the label it selects on; no workload selects it.
    String probe = "probe-" + suffix;
    // The same pod without that label: the control.
    String control = "control-" + suffix;
    try {
      node.startToolsPod(
          SYSTEM_NAMESPACE,
          probe,
          Map.of("app.kubernetes.io/name", NAME, "fqdn-job.test/probe", "job-labels"),
          "sleep",
          "3600");
      node.startToolsPod(
          SYSTEM_NAMESPACE, control, Map.of("fqdn-job.test/probe", "control"), "sleep", "3600");

      node.awaitConnect(SYSTEM_NAMESPACE, control, server, 8080, true, POLICY_CHANGE);
      node.awaitConnect(SYSTEM_NAMESPACE, probe, server, 8080, false, POLICY_CHANGE);
      node.awaitConnect(SYSTEM_NAMESPACE, probe, node.apiServiceIp(), 443, true, POLICY_CHANGE);
      node.awaitConnect(
          SYSTEM_NAMESPACE, probe, node.podDnsHost(), node.podDnsPort(), true, POLICY_CHANGE);
      // Through the kube-dns Service, as the pod's resolver asks.
      node.awaitResolves(SYSTEM_NAMESPACE, probe, fqdn, true, POLICY_CHANGE);
      // The control again, after the refusal: the server was up all along, so the refusal was
      // the policy's doing.
      node.awaitConnect(SYSTEM_NAMESPACE, control, server, 8080, true, POLICY_CHANGE);
    } finally {
      node.deletePod(SYSTEM_NAMESPACE, probe);
      node.deletePod(SYSTEM_NAMESPACE, control);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The loop, with custom DNS (overlay loop-custom-dns)

  @Test
  @Order(4)
  void loopOverlayKeepsThePolicyCurrentAndExitsZeroOnRestart() {
    String ns = bed.namespace();
    String fqdn = bed.zone().uniqueName("loop");
    bed.zone().setA(fqdn, "198.51.100.71");
    // A TTL above the default --due-slack (5 s): the loop then wakes once per TTL minus the slack.
    BedObjects.applyFqdn(
        bed,
        ns,
        "loop",
        null,
        "podSelector: {matchLabels: {app: web}}\nttlSeconds: 10\negress:\n- toFQDNS: [%s]\n"
            .formatted(fqdn));

    // The loop and custom-dns components together: the Deployment asks the bed's DNS server
    // through the rule custom-dns added to the job's NetworkPolicy.
    install(Overlay.LOOP_CUSTOM_DNS);
    String pod = awaitLoopPod(null);

    TestNode.ExecResult uid =
        node.exec(
            SYSTEM_NAMESPACE,
            pod,
            "sh",
            "-c",
            "while read -r key value rest; do case $key in Uid:) echo $value;; esac; done"
                + " </proc/self/status");
    assertEquals(Long.toString(TestNode.POD_USER), uid.stdout().strip(), uid.toString());
    TestNode.ExecResult root = node.exec(SYSTEM_NAMESPACE, pod, "sh", "-c", ": > /probe");
    assertNotEquals(0, root.exitCode(), "the root file system is writable: " + root);
    TestNode.ExecResult tmpWrite = node.exec(SYSTEM_NAMESPACE, pod, "sh", "-c", ": > /tmp/probe");
    assertEquals(0, tmpWrite.exitCode(), "/tmp is not writable: " + tmpWrite);

    awaitPeers(ns, "loop", List.of("198.51.100.71/32"), LOOP_PICKUP, pod);
    Instant changed = Instant.now();
    bed.zone().setA(fqdn, "198.51.100.72");
    awaitPeers(ns, "loop", List.of("198.51.100.72/32"), LOOP_PICKUP, pod);
    System.out.printf(
        "install: loop picked up a record change in %d ms%n",
        Duration.between(changed, Instant.now()).toMillis());

    V1ContainerStateTerminated terminated =
        node.awaitTermination(
            SYSTEM_NAMESPACE,
            pod,
            NAME,
            Duration.ofSeconds(60),
            () -> bed.kubectl("rollout", "restart", "deployment/" + NAME, "-n", SYSTEM_NAMESPACE));
    assertEquals(
        0,
        terminated.getExitCode(),
        "the loop's exit on SIGTERM: " + terminated.getReason() + " " + terminated.getMessage());
    String replacement = awaitLoopPod(pod);
    assertNotEquals(pod, replacement);
  }

  // ---------------------------------------------------------------------------------------------
  // The sharded overlay

  @Test
  @Order(5)
  void shardedOverlaySplitsTheResourcesAcrossThreePodsWithoutOverlap() throws Exception {
    // Nothing else may run while the resources are first handled: each resource's Created event
    // names the pod that created its NetworkPolicy.
    deleteWorkload();
    installed = null;
    String suffix = random();
    List<String> namespaces = List.of("shard-a-" + suffix, "shard-b-" + suffix);
    Map<ResourceId, String> addresses = new LinkedHashMap<>();
    try {
      for (String namespace : namespaces) {
        bed.kubectl("create", "namespace", namespace);
      }
      for (int i = 0; i < 9; i++) {
        ResourceId id = new ResourceId(namespaces.get(i < 5 ? 0 : 1), "shard-" + i);
        String fqdn = bed.zone().uniqueName("shard-" + i);
        String address = "198.51.100." + (80 + i);
        bed.zone().setA(fqdn, address);
        InstallSupport.createResource(bed, id.namespace(), id.name(), fqdn, null, null);
        addresses.put(id, address);
      }

      install(Overlay.SHARDED);
      String jobName = "sharded-" + suffix;
      bed.kubectl("create", "job", jobName, "--from=cronjob/" + NAME, "-n", SYSTEM_NAMESPACE);
      node.awaitJobSucceeded(SYSTEM_NAMESPACE, jobName, JOB_WAIT);

      // Three pods, one per index, each exiting 0. The job names itself in its events by its
      // host name: an Indexed Job's pod has the host name JOB-INDEX, not its pod name.
      Map<String, Integer> indexByHost = new HashMap<>();
      List<String> summaries = new ArrayList<>();
      for (JsonObject pod : node.jobPods(SYSTEM_NAMESPACE, jobName)) {
        String podName = pod.getAsJsonObject("metadata").get("name").getAsString();
        JsonElement hostname = pod.getAsJsonObject("spec").get("hostname");
        int index =
            Integer.parseInt(
                pod.getAsJsonObject("metadata")
                    .getAsJsonObject("annotations")
                    .get("batch.kubernetes.io/job-completion-index")
                    .getAsString());
        assertEquals(0, TestNode.exitCode(pod, NAME), node.describeJob(SYSTEM_NAMESPACE, jobName));
        indexByHost.put(hostname == null ? podName : hostname.getAsString(), index);
        String summary = summary(node.logs(SYSTEM_NAMESPACE, podName));
        assertTrue(summary.contains(" failed=0 "), podName + ": " + summary);
        summaries.add("shard " + index + " (" + podName + "): " + summary);
      }
      assertEquals(
          Set.of(0, 1, 2),
          new TreeSet<>(indexByHost.values()),
          "one pod per index: " + indexByHost);
      assertEquals(3, indexByHost.size(), "one pod per index: " + indexByHost);

      // Every resource has its NetworkPolicy and status, written by exactly one pod: the one
      // whose index owns the resource. The job logs no line per resource (only counts); its
      // Created event names the pod (reportingInstance, the pod's host name).
      Map<Integer, List<ResourceId>> handled = new TreeMap<>();
      for (Map.Entry<ResourceId, String> entry : addresses.entrySet()) {
        ResourceId id = entry.getKey();
        assertEquals(
            List.of(entry.getValue() + "/32"),
            peers(get(bed, "networkpolicy", id.name(), id.namespace())),
            id.toString());
        JsonObject status = get(bed, "fqdn", id.name(), id.namespace()).getAsJsonObject("status");
        assertEquals("True", condition(status, "Ready").get("status").getAsString(), id.toString());
        List<String> creators = createdBy(id);
        assertEquals(1, creators.size(), id + " created by " + creators);
        Integer index = indexByHost.get(creators.get(0));
        assertTrue(
            index != null,
            id + " was created by " + creators.get(0) + ", not a pod of " + indexByHost.keySet());
        assertTrue(new Shard(index, 3).owns(id), id + " handled by shard " + index);
        handled.computeIfAbsent(index, k -> new ArrayList<>()).add(id);
      }
      System.out.println("install: sharded run, resources per shard: " + handled);
      summaries.forEach(s -> System.out.println("install: " + s));
    } finally {
      for (String namespace : namespaces) {
        bed.kubectl("delete", "namespace", namespace, "--wait=false", "--ignore-not-found");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Installing

  /** An overlay and what the bed needs patched into it. */
  enum Overlay {
    /** The CronJob with {@code --dns-server} placeholders: they are replaced. */
    CUSTOM_DNS("custom-dns"),
    /**
     * The loop combined with custom DNS, both components as shipped: the Deployment's {@code
     * --dns-server} placeholders are replaced.
     */
    LOOP_CUSTOM_DNS("loop-custom-dns"),
    /**
     * The Indexed Job's CronJob: {@code --dns-server} is added, and the CronJob is suspended so
     * that only the Job the test creates from it runs.
     */
    SHARDED("sharded");

    final String directory;

    Overlay(String directory) {
      this.directory = directory;
    }
  }

  /** Installs the overlay unless it is what was installed last. */
  private static void ensureInstalled(Overlay overlay) {
    if (installed != overlay) {
      install(overlay);
    }
  }

  /**
   * Deletes the previous workload and applies {@code overlay} through a kustomization of the test's
   * own; returns the instant of the apply.
   */
  private static Instant install(Overlay overlay) {
    deleteWorkload();
    installed = null;
    Path dir = tmp.resolve(overlay.directory + "-" + random());
    try {
      Files.createDirectories(dir);
      Files.writeString(
          dir.resolve("kustomization.yaml"),
          kustomization(
              dir,
              bed.repoRoot(),
              overlay,
              node.podDnsHost(),
              node.podDnsPort(),
              node.imageName(),
              node.imageTag()));
    } catch (IOException e) {
      throw new TestBedException("could not write the kustomization in " + dir, e);
    }
    Instant applied = Instant.now();
    InstallSupport.apply(bed, dir, false);
    installed = overlay;
    return applied;
  }

  /**
   * The kustomization of an install: the overlay, the bed's image instead of the placeholder, and
   * the bed's DNS server ({@code dnsHost:dnsPort}) in the job's arguments and NetworkPolicy.
   */
  static String kustomization(
      Path dir,
      Path repoRoot,
      Overlay overlay,
      String dnsHost,
      int dnsPort,
      String imageName,
      String imageTag) {
    // Kustomize takes no absolute path for a base: the overlay is named relative to this folder.
    String base =
        dir.toAbsolutePath()
            .relativize(repoRoot.resolve("kustomize/overlays/" + overlay.directory))
            .toString();
    String dnsServer = dnsHost + ":" + dnsPort;
    Map<String, Object> dnsRule =
        Map.of(
            "to",
            List.of(Map.of("ipBlock", Map.of("cidr", dnsHost + "/32"))),
            "ports",
            List.of(
                Map.of("protocol", "UDP", "port", dnsPort),
                Map.of("protocol", "TCP", "port", dnsPort)));
    String cronArgs = "/spec/jobTemplate/spec/template/spec/containers/0/args";
    List<Map<String, Object>> workload = new ArrayList<>();
    List<Map<String, Object>> policy = new ArrayList<>();
    String workloadKind;
    switch (overlay) {
      case CUSTOM_DNS -> {
        workloadKind = "CronJob";
        // test: the placeholders are where the overlay puts them; replace: the bed's server.
        workload.add(
            op(
                "test",
                cronArgs,
                List.of(
                    "run",
                    "--all-namespaces",
                    "--deadline",
                    "40s",
                    "--dns-server",
                    "10.0.0.10",
                    "--dns-server",
                    "10.0.0.11")));
        workload.add(op("replace", cronArgs, List.of("run", "--dns-server", dnsServer)));
        policy.add(op("test", "/spec/egress/3", placeholderRule()));
        policy.add(op("replace", "/spec/egress/3", dnsRule));
      }
      case LOOP_CUSTOM_DNS -> {
        workloadKind = "Deployment";
        String args = "/spec/template/spec/containers/0/args";
        List<String> loop = List.of("run", "--all-namespaces", "--loop", "--max-interval", "30s");
        List<String> placeholders = new ArrayList<>(loop);
        placeholders.addAll(List.of("--dns-server", "10.0.0.10", "--dns-server", "10.0.0.11"));
        List<String> bed = new ArrayList<>(loop);
        bed.addAll(List.of("--dns-server", dnsServer));
        workload.add(op("test", args, placeholders));
        workload.add(op("replace", args, bed));
        policy.add(op("test", "/spec/egress/3", placeholderRule()));
        policy.add(op("replace", "/spec/egress/3", dnsRule));
      }
      case SHARDED -> {
        workloadKind = "CronJob";
        workload.add(op("add", cronArgs + "/-", "--dns-server"));
        workload.add(op("add", cronArgs + "/-", dnsServer));
        workload.add(op("add", "/spec/suspend", true));
        policy.add(op("add", "/spec/egress/-", dnsRule));
      }
      default -> throw new IllegalArgumentException(overlay.toString());
    }
    return """
    apiVersion: kustomize.config.k8s.io/v1beta1
    kind: Kustomization
    resources:
      - %s
    images:
      - name: fqdn-job.invalid/fqdn-job
        newName: %s
        newTag: %s
    patches:
      - target: {kind: %s, name: fqdn-job}
        patch: '%s'
      - target: {kind: NetworkPolicy, name: fqdn-job}
        patch: '%s'
    """
        .formatted(
            GSON.toJson(base),
            GSON.toJson(imageName),
            GSON.toJson(imageTag),
            workloadKind,
            GSON.toJson(workload),
            GSON.toJson(policy));
  }

  /** The custom-dns component's rule for its placeholder servers in the job's NetworkPolicy. */
  private static Map<String, Object> placeholderRule() {
    return Map.of(
        "to",
        List.of(
            Map.of("ipBlock", Map.of("cidr", "10.0.0.10/32")),
            Map.of("ipBlock", Map.of("cidr", "10.0.0.11/32"))),
        "ports",
        List.of(Map.of("protocol", "UDP", "port", 53), Map.of("protocol", "TCP", "port", 53)));
  }

  private static Map<String, Object> op(String op, String path, Object value) {
    return Map.of("op", op, "path", path, "value", value);
  }

  /**
   * Deletes the CronJob, the Deployment and every Job in {@code fqdn-job-system}, and waits until
   * their pods are gone: a pod still running would keep writing.
   */
  private static void deleteWorkload() {
    bed.kubectl(
        "delete",
        "cronjob/" + NAME,
        "deployment/" + NAME,
        "-n",
        SYSTEM_NAMESPACE,
        "--ignore-not-found",
        "--wait=false");
    bed.kubectl("delete", "jobs", "--all", "-n", SYSTEM_NAMESPACE, "--wait=false");
    Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
    while (true) {
      String pods =
          bed.kubectl("get", "pods", "-n", SYSTEM_NAMESPACE, "-l", WORKLOAD_PODS, "-o", "name")
              .strip();
      if (pods.isEmpty()) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        fail("the workload's pods are still there 90 s after its deletion: " + pods);
      }
      pause();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reading results

  /**
   * Waits for the first Job that the CronJob's schedule creates (owned by the CronJob, named {@code
   * fqdn-job-<minute>}) to complete; fails at once when one fails.
   */
  private static JsonObject awaitFirstScheduledJob(Instant applied) {
    Instant deadline = applied.plus(SCHEDULE_WAIT);
    while (true) {
      JsonArray jobs =
          JsonParser.parseString(bed.kubectl("get", "jobs", "-n", SYSTEM_NAMESPACE, "-o", "json"))
              .getAsJsonObject()
              .getAsJsonArray("items");
      for (JsonElement element : jobs) {
        JsonObject job = element.getAsJsonObject();
        JsonObject metadata = job.getAsJsonObject("metadata");
        String name = metadata.get("name").getAsString();
        if (!SCHEDULED_JOB.matcher(name).matches() || !ownedByCronJob(metadata)) {
          continue;
        }
        JsonObject status = job.getAsJsonObject("status");
        if (status != null && hasCondition(status, "Failed")) {
          fail("scheduled Job " + name + " failed\n" + node.describeJob(SYSTEM_NAMESPACE, name));
        }
        if (status != null && hasCondition(status, "Complete")) {
          return job;
        }
      }
      if (Instant.now().isAfter(deadline)) {
        fail(
            "no Job of the CronJob's schedule completed within "
                + SCHEDULE_WAIT.toSeconds()
                + " s of the install; CronJob status: "
                + get(bed, "cronjob", NAME, SYSTEM_NAMESPACE).get("status")
                + "\nJobs: "
                + bed.kubectl("get", "jobs", "-n", SYSTEM_NAMESPACE)
                + "\nevents:\n"
                + bed.kubectl("get", "events", "-n", SYSTEM_NAMESPACE));
      }
      pause();
    }
  }

  private static boolean ownedByCronJob(JsonObject metadata) {
    JsonElement owners = metadata.get("ownerReferences");
    if (owners == null) {
      return false;
    }
    for (JsonElement owner : owners.getAsJsonArray()) {
      JsonObject o = owner.getAsJsonObject();
      if ("CronJob".equals(o.get("kind").getAsString())
          && NAME.equals(o.get("name").getAsString())
          && o.has("controller")
          && o.get("controller").getAsBoolean()) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasCondition(JsonObject status, String type) {
    JsonElement conditions = status.get("conditions");
    if (conditions == null) {
      return false;
    }
    for (JsonElement c : conditions.getAsJsonArray()) {
      JsonObject condition = c.getAsJsonObject();
      if (type.equals(condition.get("type").getAsString())
          && "True".equals(condition.get("status").getAsString())) {
        return true;
      }
    }
    return false;
  }

  /** The Job's single pod: with exit 0 on the first try, the Job made no other. */
  private static JsonObject onlyPod(String jobName) {
    List<JsonObject> pods = node.jobPods(SYSTEM_NAMESPACE, jobName);
    assertEquals(1, pods.size(), node.describeJob(SYSTEM_NAMESPACE, jobName));
    return pods.get(0);
  }

  /** The counts of the last {@code run finished:} line of a log. */
  private static String summary(String log) {
    Matcher matcher = SUMMARY.matcher(log);
    String last = null;
    while (matcher.find()) {
      last = matcher.group(1);
    }
    assertTrue(last != null, "no 'run finished' line in the log:\n" + log);
    return " " + last + " ";
  }

  /** The {@code reportingInstance} of each {@code Created} event on the fqdn resource. */
  private static List<String> createdBy(ResourceId id) {
    JsonArray events =
        JsonParser.parseString(
                bed.kubectl(
                    "get",
                    "events",
                    "-n",
                    id.namespace(),
                    "--field-selector",
                    "involvedObject.name=" + id.name() + ",reason=Created",
                    "-o",
                    "json"))
            .getAsJsonObject()
            .getAsJsonArray("items");
    List<String> instances = new ArrayList<>();
    for (JsonElement element : events) {
      JsonObject event = element.getAsJsonObject();
      JsonObject involved = event.getAsJsonObject("involvedObject");
      if (involved.get("apiVersion").getAsString().startsWith(InstallSupport.GROUP + "/")) {
        JsonElement instance = event.get("reportingInstance");
        instances.add(instance == null ? "(no reportingInstance)" : instance.getAsString());
      }
    }
    return instances;
  }

  /**
   * Waits until the loop Deployment has one pod, other than {@code previous}, that is Running and
   * Ready, and returns its name.
   */
  private static String awaitLoopPod(String previous) {
    Instant deadline = Instant.now().plus(POD_WAIT);
    while (true) {
      JsonArray pods =
          JsonParser.parseString(
                  bed.kubectl(
                      "get",
                      "pods",
                      "-n",
                      SYSTEM_NAMESPACE,
                      "-l",
                      "app.kubernetes.io/name=fqdn-job,app.kubernetes.io/component=loop",
                      "-o",
                      "json"))
              .getAsJsonObject()
              .getAsJsonArray("items");
      for (JsonElement element : pods) {
        JsonObject metadata = element.getAsJsonObject().getAsJsonObject("metadata");
        String name = metadata.get("name").getAsString();
        if (!name.equals(previous) && !metadata.has("deletionTimestamp")) {
          node.awaitPodReady(SYSTEM_NAMESPACE, name, Duration.between(Instant.now(), deadline));
          return name;
        }
      }
      if (Instant.now().isAfter(deadline)) {
        fail(
            "the loop Deployment has no new pod after "
                + POD_WAIT.toSeconds()
                + " s; events:\n"
                + bed.kubectl("get", "events", "-n", SYSTEM_NAMESPACE));
      }
      pause();
    }
  }

  /** Waits until the resource's NetworkPolicy allows exactly {@code expected}. */
  private static void awaitPeers(
      String namespace, String resource, List<String> expected, Duration timeout, String loopPod) {
    Instant deadline = Instant.now().plus(timeout);
    List<String> seen = null;
    while (true) {
      JsonObject policy = tryGet(bed, "networkpolicy", resource, namespace);
      seen = policy == null ? null : peers(policy);
      if (expected.equals(seen)) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        fail(
            "NetworkPolicy "
                + namespace
                + "/"
                + resource
                + " allows "
                + seen
                + ", not "
                + expected
                + ", "
                + timeout.toSeconds()
                + " s on; the loop's log:\n"
                + node.logs(SYSTEM_NAMESPACE, loopPod));
      }
      pause();
    }
  }

  /** A pod without the restricted settings is refused by the namespace's Pod Security admission. */
  private static void assertPodSecurityRefuses(String namespace) {
    String pod =
        GSON.toJson(
            Map.of(
                "apiVersion",
                "v1",
                "kind",
                "Pod",
                "metadata",
                Map.of("name", "not-restricted-" + random()),
                "spec",
                Map.of(
                    "containers",
                    List.of(
                        Map.of(
                            "name",
                            "c",
                            "image",
                            node.toolsImage(),
                            "command",
                            List.of("true"))))));
    try {
      bed.kubectlWithInput(pod, "create", "--dry-run=server", "-n", namespace, "-f", "-");
    } catch (TestBedException e) {
      assertTrue(e.getMessage().contains("violates PodSecurity \"restricted"), e.getMessage());
      return;
    }
    fail("a pod without the restricted settings was admitted in " + namespace);
  }

  private static String random() {
    return Integer.toString(RANDOM.nextInt(36 * 36 * 36 * 36), 36);
  }

  private static void pause() {
    try {
      Thread.sleep(250);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestBedException("interrupted", e);
    }
  }
}
