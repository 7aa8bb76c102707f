package io.fqdnjob.install;

import static io.fqdnjob.install.InstallSupport.COMMON_LABELS;
import static io.fqdnjob.install.InstallSupport.GROUP;
import static io.fqdnjob.install.InstallSupport.NAME;
import static io.fqdnjob.install.InstallSupport.PLURAL;
import static io.fqdnjob.install.InstallSupport.SYSTEM_NAMESPACE;
import static io.fqdnjob.install.InstallSupport.VERSION;
import static io.fqdnjob.install.InstallSupport.allowed;
import static io.fqdnjob.install.InstallSupport.args;
import static io.fqdnjob.install.InstallSupport.assertForbidden;
import static io.fqdnjob.install.InstallSupport.condition;
import static io.fqdnjob.install.InstallSupport.container;
import static io.fqdnjob.install.InstallSupport.events;
import static io.fqdnjob.install.InstallSupport.get;
import static io.fqdnjob.install.InstallSupport.kinds;
import static io.fqdnjob.install.InstallSupport.labels;
import static io.fqdnjob.install.InstallSupport.only;
import static io.fqdnjob.install.InstallSupport.peers;
import static io.fqdnjob.install.InstallSupport.render;
import static io.fqdnjob.install.InstallSupport.repoPath;
import static io.fqdnjob.install.InstallSupport.tryGet;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.testbed.JobProcess;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedException;
import io.fqdnjob.testbed.TestBedExtension;
import io.fqdnjob.testbed.TokenKubeconfig;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import io.kubernetes.client.openapi.apis.NetworkingV1Api;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.util.PatchUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Installs {@code kustomize/base} on the test bed for real, checks that the API server accepts each
 * overlay (server-side dry run), and runs the packaged job with nothing but the base's
 * ServiceAccount token: the run must succeed with the ClusterRole's rules, and the same token must
 * be refused everything the job must not do.
 *
 * <p>The base's CronJob is suspended right after the install (it names the placeholder image, which
 * the bed's node cannot pull; {@code NodeInstallIT} runs the real image) and the {@code
 * fqdn-job-system} namespace is deleted after the class. The CRD, ClusterRole and
 * ClusterRoleBinding stay: other classes share the CRD, and the RBAC objects grant nothing to
 * anyone else. The aggregated ClusterRoles stay too: they add read (view) and write (edit, admin)
 * rights on fqdn resources to the built-in roles, which only the bindings of those roles use.
 *
 * <p>Every combination under {@code kustomize/overlays} is rendered and checked against what its
 * components promise, and components in an order that would lose a change must fail the build.
 */
@ExtendWith(TestBedExtension.class)
class InstallIT {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Gson GSON = new Gson();
  private static final String TEST_LABEL = "fqdn-job.test/install";
  private static final String PLACEHOLDER = "fqdn-job.invalid/fqdn-job:set-the-image";
  private static final String VIEW_ROLE = "fqdn-job-view";
  private static final String EDIT_ROLE = "fqdn-job-edit";

  @TempDir static Path tmp;

  private static TestBed bed;
  private static JobProcess job;
  private static String token;
  private static Path kubeconfig;
  private static ApiClient asJob;

  @BeforeAll
  static void installBase(TestBed testBed) throws Exception {
    bed = testBed;
    job = new JobProcess(bed);
    InstallSupport.awaitNamespaceGone(bed, SYSTEM_NAMESPACE);
    // The CRD as the other classes install it, first: on a bed kept from an older build its
    // fields belong to the bed's field manager, and the base must find the same values there.
    bed.installCrd();
    InstallSupport.apply(bed, repoPath(bed, "kustomize/base"), false);
    bed.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/" + TestBed.CRD_NAME);
    bed.kubectl(
        "patch",
        "cronjob",
        NAME,
        "-n",
        SYSTEM_NAMESPACE,
        "--type=merge",
        "-p",
        "{\"spec\":{\"suspend\":true}}");
    token = bed.mintToken(SYSTEM_NAMESPACE, NAME);
    kubeconfig = TokenKubeconfig.write(bed, token, tmp.resolve("fqdn-job.kubeconfig"));
    asJob = bed.clientWithToken(token);
    InstallSupport.awaitBindingInEffect(asJob, null);
  }

  @AfterAll
  static void removeSystemNamespace() {
    if (bed != null) {
      bed.kubectl("delete", "namespace", SYSTEM_NAMESPACE, "--wait=false", "--ignore-not-found");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The manifests

  @Test
  void baseInstallsEveryObjectWithTheCommonLabels() {
    List<JsonObject> objects = render(bed, repoPath(bed, "kustomize/base"));
    assertEquals(
        Set.of(
            "CustomResourceDefinition/" + TestBed.CRD_NAME,
            "Namespace/" + SYSTEM_NAMESPACE,
            "ServiceAccount/" + NAME,
            "ClusterRole/" + NAME,
            "ClusterRole/" + VIEW_ROLE,
            "ClusterRole/" + EDIT_ROLE,
            "ClusterRoleBinding/" + NAME,
            "CronJob/" + NAME,
            "NetworkPolicy/" + NAME),
        new HashSet<>(kinds(objects)));
    for (JsonObject object : objects) {
      String kind = object.get("kind").getAsString();
      JsonObject metadata = object.getAsJsonObject("metadata");
      String name = metadata.get("name").getAsString();
      assertTrue(
          labels(metadata).entrySet().containsAll(COMMON_LABELS.entrySet()),
          kind + " " + name + " lacks the common labels: " + labels(metadata));
      // Each object is on the server now, as applied.
      String namespace = metadata.has("namespace") ? metadata.get("namespace").getAsString() : "";
      JsonObject live =
          namespace.isEmpty()
              ? JsonParser.parseString(bed.kubectl("get", kind, name, "-o", "json"))
                  .getAsJsonObject()
              : get(bed, kind, name, namespace);
      assertEquals(
          labels(metadata),
          filterKnown(labels(live.getAsJsonObject("metadata")), labels(metadata)),
          kind + " " + name);
    }
    JsonObject cronJob = only(objects, "CronJob", NAME);
    JsonObject jobTemplate = cronJob.getAsJsonObject("spec").getAsJsonObject("jobTemplate");
    JsonObject podTemplate = jobTemplate.getAsJsonObject("spec").getAsJsonObject("template");
    assertTrue(
        labels(podTemplate.getAsJsonObject("metadata"))
            .entrySet()
            .containsAll(COMMON_LABELS.entrySet()),
        "pod template labels: " + podTemplate.getAsJsonObject("metadata"));
    JsonObject namespace = only(objects, "Namespace", SYSTEM_NAMESPACE);
    assertEquals(
        "restricted",
        labels(namespace.getAsJsonObject("metadata")).get("pod-security.kubernetes.io/enforce"));
  }

  @Test
  void liveCronJobRunsOncePerMinuteAndNeverOverlaps() {
    JsonObject spec = get(bed, "cronjob", NAME, SYSTEM_NAMESPACE).getAsJsonObject("spec");
    JsonObject jobSpec = spec.getAsJsonObject("jobTemplate").getAsJsonObject("spec");
    JsonObject podSpec = jobSpec.getAsJsonObject("template").getAsJsonObject("spec");
    JsonObject container = container(podSpec);
    // The first rule that matches decides: a drained pod exits 11 after its SIGTERM, and must be
    // replaced (Ignore) rather than fail the Job.
    JsonArray rules = jobSpec.getAsJsonObject("podFailurePolicy").getAsJsonArray("rules");
    JsonObject disruption = rules.get(0).getAsJsonObject();
    JsonObject rule = rules.get(1).getAsJsonObject();
    assertAll(
        () -> assertEquals("Ignore", disruption.get("action").getAsString()),
        () ->
            assertEquals(
                "DisruptionTarget",
                disruption
                    .getAsJsonArray("onPodConditions")
                    .get(0)
                    .getAsJsonObject()
                    .get("type")
                    .getAsString()),
        () -> assertEquals("* * * * *", spec.get("schedule").getAsString()),
        () -> assertEquals("Forbid", spec.get("concurrencyPolicy").getAsString()),
        () -> assertTrue(spec.get("startingDeadlineSeconds").getAsInt() < 60),
        () -> assertTrue(jobSpec.get("activeDeadlineSeconds").getAsInt() < 60),
        () -> assertTrue(spec.has("successfulJobsHistoryLimit")),
        () -> assertTrue(spec.has("failedJobsHistoryLimit")),
        () -> assertTrue(jobSpec.has("ttlSecondsAfterFinished")),
        () -> assertTrue(jobSpec.has("backoffLimit")),
        () -> assertEquals("FailJob", rule.get("action").getAsString()),
        () -> assertEquals("[2,11]", rule.getAsJsonObject("onExitCodes").get("values").toString()),
        () -> assertEquals("Never", podSpec.get("restartPolicy").getAsString()),
        () -> assertEquals(NAME, podSpec.get("serviceAccountName").getAsString()),
        () -> assertTrue(podSpec.get("automountServiceAccountToken").getAsBoolean()),
        () -> assertEquals(List.of("run", "--all-namespaces", "--deadline", "40s"), args(podSpec)),
        () -> assertEquals(PLACEHOLDER, container.get("image").getAsString()),
        () ->
            assertTrue(
                container.toString().contains("FQDN_JOB_JAVA_OPTS")
                    && container.toString().contains("-XX:MaxRAMPercentage=75")),
        () ->
            assertEquals(
                "512Mi",
                container
                    .getAsJsonObject("resources")
                    .getAsJsonObject("limits")
                    .get("memory")
                    .getAsString()));
  }

  @Test
  void cronJobPodIsAdmittedUnderTheRestrictedProfile() throws Exception {
    String jobName = "install-it-" + Integer.toString(RANDOM.nextInt(36 * 36 * 36), 36);
    try {
      JsonObject pod = InstallSupport.podFromCronJob(bed, SYSTEM_NAMESPACE, jobName);
      JsonObject spec = pod.getAsJsonObject("spec");
      JsonObject podSecurity = spec.getAsJsonObject("securityContext");
      JsonObject security = container(spec).getAsJsonObject("securityContext");
      assertAll(
          () -> assertTrue(podSecurity.get("runAsNonRoot").getAsBoolean()),
          () -> assertTrue(podSecurity.get("runAsUser").getAsLong() > 0),
          () ->
              assertEquals(
                  "RuntimeDefault",
                  podSecurity.getAsJsonObject("seccompProfile").get("type").getAsString()),
          () -> assertFalse(security.get("allowPrivilegeEscalation").getAsBoolean()),
          () -> assertTrue(security.get("readOnlyRootFilesystem").getAsBoolean()),
          () ->
              assertEquals(
                  "[\"ALL\"]", security.getAsJsonObject("capabilities").get("drop").toString()),
          () ->
              assertTrue(
                  container(spec).get("volumeMounts").toString().contains("/tmp"),
                  "emptyDir at /tmp"),
          // The ServiceAccount admission mounted the token the job authenticates with.
          () ->
              assertTrue(
                  container(spec)
                      .get("volumeMounts")
                      .toString()
                      .contains("/var/run/secrets/kubernetes.io/serviceaccount")),
          () ->
              assertTrue(
                  labels(pod.getAsJsonObject("metadata"))
                      .entrySet()
                      .containsAll(COMMON_LABELS.entrySet())));
    } finally {
      InstallSupport.deleteJob(bed, SYSTEM_NAMESPACE, jobName);
    }
  }

  @Test
  void ownNetworkPolicyDeniesIngressAndAllowsOnlyDnsAndTheApiServer() {
    JsonObject spec = get(bed, "networkpolicy", NAME, SYSTEM_NAMESPACE).getAsJsonObject("spec");
    assertEquals("[\"Ingress\",\"Egress\"]", spec.get("policyTypes").toString());
    JsonElement ingress = spec.get("ingress");
    assertTrue(ingress == null || ingress.getAsJsonArray().isEmpty(), "no ingress rule: " + spec);
    assertEquals(
        "{\"app.kubernetes.io/name\":\"fqdn-job\"}",
        spec.getAsJsonObject("podSelector").get("matchLabels").toString());
    Set<String> ports = new HashSet<>();
    for (JsonElement rule : spec.getAsJsonArray("egress")) {
      for (JsonElement port : rule.getAsJsonObject().getAsJsonArray("ports")) {
        JsonObject p = port.getAsJsonObject();
        ports.add(p.get("protocol").getAsString() + "/" + p.get("port").getAsString());
      }
    }
    assertEquals(Set.of("UDP/53", "TCP/53", "TCP/443", "TCP/6443"), ports);
    JsonObject dns = spec.getAsJsonArray("egress").get(0).getAsJsonObject();
    assertEquals(
        "{\"k8s-app\":\"kube-dns\"}",
        dns.getAsJsonArray("to")
            .get(0)
            .getAsJsonObject()
            .getAsJsonObject("podSelector")
            .get("matchLabels")
            .toString());
  }

  // ---------------------------------------------------------------------------------------------
  // Overlays: accepted by the API server (server-side dry run; the Pod Security warnings of the
  // restricted namespace count as failures), and changing what they say they change

  @Test
  void customDnsOverlayAsksItsServersAndMayReachThem() {
    Path overlay = repoPath(bed, "kustomize/overlays/custom-dns");
    InstallSupport.apply(bed, overlay, true);
    List<JsonObject> objects = render(bed, overlay);
    JsonObject podSpec = cronJobPodSpec(only(objects, "CronJob", NAME));
    assertEquals(
        List.of(
            "run",
            "--all-namespaces",
            "--deadline",
            "40s",
            "--dns-server",
            "10.0.0.10",
            "--dns-server",
            "10.0.0.11"),
        args(podSpec));
    JsonArray egress =
        only(objects, "NetworkPolicy", NAME).getAsJsonObject("spec").getAsJsonArray("egress");
    JsonObject last = egress.get(egress.size() - 1).getAsJsonObject();
    assertEquals(
        "[{\"ipBlock\":{\"cidr\":\"10.0.0.10/32\"}},{\"ipBlock\":{\"cidr\":\"10.0.0.11/32\"}}]",
        last.get("to").toString());
    assertEquals(
        "[{\"port\":53,\"protocol\":\"UDP\"},{\"port\":53,\"protocol\":\"TCP\"}]",
        last.get("ports").toString());
  }

  @Test
  void clusterDnsOverlayReadsTheDnsEndpointsWithItsOwnNarrowRole() throws Exception {
    Path overlay = repoPath(bed, "kustomize/overlays/cluster-dns");
    InstallSupport.apply(bed, overlay, true);
    List<JsonObject> objects = render(bed, overlay);
    assertEquals(
        List.of(
            "run",
            "--all-namespaces",
            "--deadline",
            "40s",
            "--dns-from-service",
            "kube-system/kube-dns"),
        args(cronJobPodSpec(only(objects, "CronJob", NAME))));

    // A DNS Service in kube-system with documentation addresses; the run is scoped to nothing,
    // so the servers are read and reported and no query is sent.
    String service = "fqdn-job-it-dns";
    bed.kubectlWithInput(
        """
        apiVersion: v1
        kind: Service
        metadata: {name: %1$s, namespace: kube-system}
        spec:
          ports: [{name: dns, protocol: UDP, port: 53}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %1$s-1
          namespace: kube-system
          labels: {kubernetes.io/service-name: %1$s}
        addressType: IPv4
        ports: [{name: dns, protocol: UDP, port: 53}]
        endpoints: [{addresses: [192.0.2.10], conditions: {ready: true}}]
        """
            .formatted(service),
        "apply",
        "--server-side",
        "-f",
        "-");
    String[] args = {
      "--dns-from-service", "kube-system/" + service, "--selector", TEST_LABEL + "=none", "-A"
    };
    try {
      JobProcess.Result refused = job.runWith(kubeconfig, args);
      assertEquals(2, refused.exitCode(), "the base alone may not read kube-system: " + refused);
      assertTrue(refused.stderr().contains("HTTP 403"), refused.toString());

      Path component = repoPath(bed, "kustomize/components/cluster-dns");
      for (String file : List.of("role.yaml", "rolebinding.yaml")) {
        bed.kubectl("apply", "--server-side", "-f", component.resolve(file).toString());
      }
      JobProcess.Result ok = null;
      for (int attempt = 0; attempt < 20; attempt++) {
        ok = job.runWith(kubeconfig, args);
        if (ok.exitCode() == 0) {
          break;
        }
        Thread.sleep(250); // RBAC caches need a moment to see the new binding
      }
      assertEquals(0, ok.exitCode(), ok.toString());
      assertTrue(ok.stderr().contains("192.0.2.10:53"), ok.toString());
      assertTrue(ok.stderr().contains("queries=0"), ok.toString());
      // The Role is for kube-system only.
      assertTrue(allowed(asJob, "list", "discovery.k8s.io", "endpointslices", null, "kube-system"));
      assertFalse(
          allowed(asJob, "list", "discovery.k8s.io", "endpointslices", null, "default"),
          "endpointslices elsewhere");
      assertFalse(allowed(asJob, "get", "", "secrets", null, "kube-system"), "secrets");
    } finally {
      bed.kubectl(
          "delete",
          "-n",
          "kube-system",
          "service/" + service,
          "endpointslice/" + service + "-1",
          "role/fqdn-job-dns-endpoints",
          "rolebinding/fqdn-job-dns-endpoints",
          "--ignore-not-found");
    }
  }

  @Test
  void loopOverlayReplacesTheCronJobWithOneDeployment() {
    Path overlay = repoPath(bed, "kustomize/overlays/loop");
    InstallSupport.apply(bed, overlay, true);
    List<JsonObject> objects = render(bed, overlay);
    assertFalse(kinds(objects).contains("CronJob/" + NAME), kinds(objects).toString());
    JsonObject deployment = only(objects, "Deployment", NAME);
    JsonObject spec = deployment.getAsJsonObject("spec");
    JsonObject podSpec = spec.getAsJsonObject("template").getAsJsonObject("spec");
    assertAll(
        () ->
            assertEquals(
                List.of("run", "--all-namespaces", "--loop", "--max-interval", "30s"),
                args(podSpec)),
        () -> assertEquals(1, spec.get("replicas").getAsInt()),
        () -> assertEquals("Recreate", spec.getAsJsonObject("strategy").get("type").getAsString()),
        () -> assertTrue(podSpec.get("terminationGracePeriodSeconds").getAsInt() > 20),
        () -> assertEquals(NAME, podSpec.get("serviceAccountName").getAsString()),
        () ->
            assertTrue(
                labels(spec.getAsJsonObject("template").getAsJsonObject("metadata"))
                    .entrySet()
                    .containsAll(COMMON_LABELS.entrySet())),
        // The same container settings as the CronJob's, apart from the arguments, the
        // requests (a long-running JVM holds more memory than one run) and the liveness probe
        // with its heartbeat file.
        () ->
            assertEquals(
                withoutArgs(container(cronJobPodSpec(only(render(bed, base()), "CronJob", NAME)))),
                withoutLiveness(withoutArgs(container(podSpec)))),
        () ->
            assertTrue(
                container(podSpec)
                    .getAsJsonObject("livenessProbe")
                    .toString()
                    .contains(heartbeatFile(container(podSpec))),
                container(podSpec).toString()),
        () ->
            assertEquals(
                "{\"cpu\":\"100m\",\"memory\":\"256Mi\"}",
                container(podSpec).getAsJsonObject("resources").get("requests").toString()),
        () ->
            assertEquals(
                cronJobPodSpec(only(render(bed, base()), "CronJob", NAME)).get("securityContext"),
                podSpec.get("securityContext")));
  }

  @Test
  void shardedOverlayMakesEachRunAnIndexedJobOfThreePods() {
    Path overlay = repoPath(bed, "kustomize/overlays/sharded");
    InstallSupport.apply(bed, overlay, true);
    JsonObject jobSpec =
        only(render(bed, overlay), "CronJob", NAME)
            .getAsJsonObject("spec")
            .getAsJsonObject("jobTemplate")
            .getAsJsonObject("spec");
    assertAll(
        () -> assertEquals("Indexed", jobSpec.get("completionMode").getAsString()),
        () -> assertEquals(3, jobSpec.get("completions").getAsInt()),
        () -> assertEquals(3, jobSpec.get("parallelism").getAsInt()),
        () ->
            assertEquals(
                List.of("run", "--all-namespaces", "--deadline", "40s", "--shard-count", "3"),
                args(jobSpec.getAsJsonObject("template").getAsJsonObject("spec"))),
        () -> assertTrue(jobSpec.has("podFailurePolicy")));
  }

  // ---------------------------------------------------------------------------------------------
  // Every combination under kustomize/overlays: what its components promise, as rendered

  /** The components each ready-made combination is made of; a new overlay must be added here. */
  private static final Map<String, Set<String>> COMBINATIONS =
      Map.ofEntries(
          Map.entry("custom-dns", Set.of("custom-dns")),
          Map.entry("cluster-dns", Set.of("cluster-dns")),
          Map.entry("loop", Set.of("loop")),
          Map.entry("sharded", Set.of("sharded")),
          Map.entry("namespaced", Set.of("namespaced")),
          Map.entry("loop-custom-dns", Set.of("loop", "custom-dns")),
          Map.entry("loop-cluster-dns", Set.of("loop", "cluster-dns")),
          Map.entry("namespaced-loop", Set.of("namespaced", "loop")),
          Map.entry("namespaced-cluster-dns", Set.of("namespaced", "cluster-dns")),
          Map.entry("sharded-custom-dns", Set.of("sharded", "custom-dns")));

  private static final Set<String> KNOWN_COMPONENTS =
      Set.of("loop", "custom-dns", "cluster-dns", "sharded", "namespaced");

  private static final Set<String> CLUSTER_SCOPED =
      Set.of("CustomResourceDefinition", "Namespace", "ClusterRole", "ClusterRoleBinding");

  @Test
  void everyCombinationRendersWhatItsComponentsPromise() throws Exception {
    Set<String> directories = new TreeSet<>();
    try (var list = Files.list(repoPath(bed, "kustomize/overlays"))) {
      list.filter(d -> Files.exists(d.resolve("kustomization.yaml")))
          .forEach(d -> directories.add(d.getFileName().toString()));
    }
    assertEquals(new TreeSet<>(COMBINATIONS.keySet()), directories, "every overlay is checked");
    List<String> wrong = new ArrayList<>();
    checkCombination("base", Set.of(), render(bed, base()), wrong);
    for (String name : directories) {
      checkCombination(
          name,
          COMBINATIONS.get(name),
          render(bed, repoPath(bed, "kustomize/overlays/" + name)),
          wrong);
    }
    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
  }

  /** Adds to {@code wrong} each way the rendered objects differ from what the components say. */
  private static void checkCombination(
      String name, Set<String> components, List<JsonObject> objects, List<String> wrong) {
    List<String> kinds = kinds(objects);
    boolean loop = components.contains("loop");
    boolean namespaced = components.contains("namespaced");
    JsonObject workload = only(objects, loop ? "Deployment" : "CronJob", NAME);
    JsonObject podSpec =
        loop
            ? workload.getAsJsonObject("spec").getAsJsonObject("template").getAsJsonObject("spec")
            : cronJobPodSpec(workload);
    List<String> args = args(podSpec);
    JsonObject policy = only(objects, "NetworkPolicy", NAME);
    String text = objects.toString();
    Consumer<String> fail = what -> wrong.add(name + ": " + what);

    // One workload: loop replaces the CronJob, it does not add to it.
    if (kinds.contains("CronJob/" + NAME) == kinds.contains("Deployment/" + NAME)) {
      fail.accept("not exactly one of CronJob and Deployment: " + kinds);
    }
    // The image: the placeholder, and no real registry anywhere.
    if (!PLACEHOLDER.equals(container(podSpec).get("image").getAsString())) {
      fail.accept("image " + container(podSpec).get("image"));
    }
    if (text.contains("ghcr.io") || text.contains("docker.io") || text.contains("quay.io")) {
      fail.accept("names a real registry");
    }
    List<String> own =
        new ArrayList<>(
            loop
                ? List.of("run", "--loop", "--max-interval", "30s")
                : List.of("run", "--deadline", "40s"));
    // Every namespace the ServiceAccount may read, said in the arguments; the namespaced
    // component turns it into --namespace $(POD_NAMESPACE).
    if (!namespaced) {
      own.add(1, "--all-namespaces");
    }
    // Each component's arguments, as one group.
    List<List<String>> expectedArgs = new ArrayList<>();
    if (components.contains("sharded")) {
      expectedArgs.add(List.of("--shard-count", "3"));
      JsonObject jobSpec =
          workload.getAsJsonObject("spec").getAsJsonObject("jobTemplate").getAsJsonObject("spec");
      if (!"Indexed".equals(String.valueOf(jobSpec.get("completionMode")).replace("\"", ""))
          || jobSpec.get("completions").getAsInt() != 3
          || jobSpec.get("parallelism").getAsInt() != 3) {
        fail.accept("not an Indexed Job of 3: " + jobSpec);
      }
    }
    if (namespaced) {
      expectedArgs.add(List.of("--namespace", "$(POD_NAMESPACE)"));
      if (!container(podSpec)
          .get("env")
          .toString()
          .contains("\"fieldPath\":\"metadata.namespace\"")) {
        fail.accept("no POD_NAMESPACE from the downward API");
      }
    }
    if (components.contains("cluster-dns")) {
      expectedArgs.add(List.of("--dns-from-service", "kube-system/kube-dns"));
      JsonObject role = only(objects, "Role", "fqdn-job-dns-endpoints");
      JsonObject binding = only(objects, "RoleBinding", "fqdn-job-dns-endpoints");
      String serviceAccountNamespace =
          only(objects, "ServiceAccount", NAME)
              .getAsJsonObject("metadata")
              .get("namespace")
              .getAsString();
      if (!"kube-system".equals(role.getAsJsonObject("metadata").get("namespace").getAsString())
          || !"kube-system"
              .equals(binding.getAsJsonObject("metadata").get("namespace").getAsString())) {
        fail.accept("the EndpointSlices Role or its binding is not in kube-system");
      }
      String subject =
          binding
              .getAsJsonArray("subjects")
              .get(0)
              .getAsJsonObject()
              .get("namespace")
              .getAsString();
      if (!serviceAccountNamespace.equals(subject)) {
        fail.accept(
            "the binding's subject is in "
                + subject
                + ", the ServiceAccount in "
                + serviceAccountNamespace);
      }
    }
    if (components.contains("custom-dns")) {
      expectedArgs.add(List.of("--dns-server", "10.0.0.10", "--dns-server", "10.0.0.11"));
      JsonArray egress = policy.getAsJsonObject("spec").getAsJsonArray("egress");
      JsonObject last = egress.get(egress.size() - 1).getAsJsonObject();
      if (!last.get("to")
              .toString()
              .equals(
                  "[{\"ipBlock\":{\"cidr\":\"10.0.0.10/32\"}},{\"ipBlock\":{\"cidr\":\"10.0.0.11/32\"}}]")
          || !last.get("ports")
              .toString()
              .equals("[{\"port\":53,\"protocol\":\"UDP\"},{\"port\":53,\"protocol\":\"TCP\"}]")) {
        fail.accept(
            "the NetworkPolicy does not open port 53 to the --dns-server addresses: " + last);
      }
    }
    // The workload's own arguments first, then each component's group, whole; a component this
    // test does not know (monitoring) may add more.
    if (args.size() < own.size() || !args.subList(0, own.size()).equals(own)) {
      fail.accept("arguments " + args + " do not start with " + own);
    }
    int expectedCount = own.size();
    for (List<String> group : expectedArgs) {
      expectedCount += group.size();
      if (Collections.indexOfSubList(args, group) < 0) {
        fail.accept("arguments " + args + " lack " + group);
      }
    }
    if (components.stream().allMatch(KNOWN_COMPONENTS::contains) && args.size() != expectedCount) {
      fail.accept("arguments " + args + ": more than " + own + " and " + expectedArgs);
    }
    if (!loop) {
      String failJob =
          workload
              .getAsJsonObject("spec")
              .getAsJsonObject("jobTemplate")
              .getAsJsonObject("spec")
              .getAsJsonObject("podFailurePolicy")
              .getAsJsonArray("rules")
              .get(1)
              .getAsJsonObject()
              .getAsJsonObject("onExitCodes")
              .get("values")
              .toString();
      if (!"[2,11]".equals(failJob)) {
        fail.accept("podFailurePolicy FailJob on " + failJob);
      }
    }
    List<String> clusterScoped =
        objects.stream()
            .filter(o -> CLUSTER_SCOPED.contains(o.get("kind").getAsString()))
            .map(o ->
                o.get("kind").getAsString()
                    + "/"
                    + o.getAsJsonObject("metadata").get("name").getAsString())
            .toList();
    if (namespaced) {
      if (!clusterScoped.isEmpty()) {
        fail.accept("cluster-scoped objects in a namespaced install: " + clusterScoped);
      }
      for (JsonObject o : objects) {
        String ns = o.getAsJsonObject("metadata").get("namespace").getAsString();
        String id =
            o.get("kind").getAsString()
                + "/"
                + o.getAsJsonObject("metadata").get("name").getAsString();
        boolean dnsRight = id.endsWith("/fqdn-job-dns-endpoints");
        if (!ns.equals(dnsRight ? "kube-system" : "fqdn-tenant")) {
          fail.accept(id + " in namespace " + ns);
        }
      }
    } else {
      Set<String> expected =
          Set.of(
              "CustomResourceDefinition/" + TestBed.CRD_NAME,
              "Namespace/" + SYSTEM_NAMESPACE,
              "ClusterRole/" + NAME,
              "ClusterRole/" + VIEW_ROLE,
              "ClusterRole/" + EDIT_ROLE,
              "ClusterRoleBinding/" + NAME);
      if (!expected.equals(new HashSet<>(clusterScoped))) {
        fail.accept("cluster-scoped objects " + clusterScoped);
      }
    }
    for (JsonObject o : objects) {
      if (!labels(o.getAsJsonObject("metadata")).entrySet().containsAll(COMMON_LABELS.entrySet())) {
        fail.accept(o.get("kind").getAsString() + " without the common labels");
      }
    }
  }

  @Test
  void everyClusterWideCombinationIsAcceptedByTheApiServer() {
    for (String name : new TreeSet<>(COMBINATIONS.keySet())) {
      if (!COMBINATIONS.get(name).contains("namespaced")) {
        InstallSupport.apply(bed, repoPath(bed, "kustomize/overlays/" + name), true);
      }
    }
  }

  /**
   * Components in an order whose result would be wrong fail the build, naming the check: a
   * component before loop would patch the CronJob that loop removes, and sharded has nothing to
   * shard in a Deployment.
   */
  @Test
  void componentsInAnOrderThatWouldLoseAChangeFailTheBuild() throws Exception {
    for (List<String> order :
        List.of(
            List.of("custom-dns", "loop"),
            List.of("namespaced", "loop"),
            List.of("sharded", "loop"),
            List.of("loop", "sharded"))) {
      Path dir = withComponents(order);
      TestBedException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              TestBedException.class,
              () -> bed.kubectl("kustomize", dir.toString()),
              order.toString());
      assertTrue(e.getMessage().contains("test failed"), order + ": " + e.getMessage());
    }
    // The right order builds.
    Path good = withComponents(List.of("loop", "namespaced", "custom-dns"));
    List<JsonObject> objects = render(bed, good);
    assertEquals(
        List.of(
            "run",
            "--loop",
            "--max-interval",
            "30s",
            "--namespace",
            "$(POD_NAMESPACE)",
            "--dns-server",
            "10.0.0.10",
            "--dns-server",
            "10.0.0.11"),
        args(
            only(objects, "Deployment", NAME)
                .getAsJsonObject("spec")
                .getAsJsonObject("template")
                .getAsJsonObject("spec")));
  }

  /** Setting the image, as the README says, replaces the placeholder in every workload. */
  @Test
  void settingTheImageReplacesThePlaceholder() throws Exception {
    String digest = "sha256:" + "0123456789abcdef".repeat(4);
    for (String overlay :
        List.of("loop-custom-dns", "sharded-custom-dns", "namespaced-cluster-dns")) {
      Path dir =
          onOverlay(
              overlay,
              "images:\n  - name: fqdn-job.invalid/fqdn-job\n"
                  + "    newName: registry.example/platform/fqdn-job\n    digest: "
                  + digest
                  + "\n");
      String yaml = bed.kubectl("kustomize", dir.toString());
      assertFalse(yaml.contains("fqdn-job.invalid"), overlay + ":\n" + yaml);
      assertTrue(
          yaml.contains("image: registry.example/platform/fqdn-job@" + digest),
          overlay + ":\n" + yaml);
    }
  }

  /** A kustomization of the test's own: the base and these components, in this order. */
  private static Path withComponents(List<String> components) throws IOException {
    Path dir = ownDirectory("components");
    List<String> paths =
        components.stream()
            .map(c -> dir.relativize(repoPath(bed, "kustomize/components/" + c)).toString())
            .toList();
    return write(
        dir,
        "resources: [%s]\ncomponents: [%s]\n"
            .formatted(dir.relativize(base()), String.join(", ", paths)));
  }

  /** A kustomization of the test's own: the overlay, and {@code more} after it. */
  private static Path onOverlay(String overlay, String more) throws IOException {
    Path dir = ownDirectory(overlay);
    return write(
        dir,
        "resources: [%s]\n%s"
            .formatted(dir.relativize(repoPath(bed, "kustomize/overlays/" + overlay)), more));
  }

  /** A new folder under the build folder: kustomize takes only relative paths to a base. */
  private static Path ownDirectory(String what) throws IOException {
    Path dir =
        bed.repoRoot()
            .resolve("target")
            .resolve("install-it")
            .resolve(what + "-" + Integer.toString(RANDOM.nextInt(36 * 36 * 36 * 36), 36));
    return Files.createDirectories(dir);
  }

  private static Path write(Path dir, String body) throws IOException {
    Files.writeString(
        dir.resolve("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" + body);
    return dir;
  }

  // ---------------------------------------------------------------------------------------------
  // The aggregated ClusterRoles: the built-in view, edit and admin roles cover fqdn resources

  @Test
  void builtInViewAndEditRolesCoverFqdnResourcesThroughAggregation() throws Exception {
    String ns = bed.namespace();
    String suffix = Integer.toString(RANDOM.nextInt(36 * 36 * 36 * 36), 36);
    // The labels that aggregate the two roles, as shipped (the bed keeps roles of earlier runs).
    List<JsonObject> base = render(bed, base());
    Map<String, String> viewLabels =
        labels(only(base, "ClusterRole", VIEW_ROLE).getAsJsonObject("metadata"));
    Map<String, String> editLabels =
        labels(only(base, "ClusterRole", EDIT_ROLE).getAsJsonObject("metadata"));
    assertEquals(
        "true",
        viewLabels.get("rbac.authorization.k8s.io/aggregate-to-view"),
        viewLabels.toString());
    assertEquals(
        "true",
        editLabels.get("rbac.authorization.k8s.io/aggregate-to-edit"),
        editLabels.toString());
    assertEquals(
        "true",
        editLabels.get("rbac.authorization.k8s.io/aggregate-to-admin"),
        editLabels.toString());
    String viewer = "fqdn-viewer-" + suffix;
    String editor = "fqdn-editor-" + suffix;
    String nobody = "fqdn-nobody-" + suffix;
    bed.kubectl(
        "create", "rolebinding", viewer, "--clusterrole=view", "--user=" + viewer, "-n", ns);
    bed.kubectl(
        "create", "rolebinding", editor, "--clusterrole=edit", "--user=" + editor, "-n", ns);
    // The RBAC controller copies the rules into view and edit moments after the roles exist.
    awaitUserAllowed(viewer, "list", ns);
    awaitUserAllowed(editor, "create", ns);
    List<String> wrong = new ArrayList<>();
    for (String verb : List.of("get", "list", "watch")) {
      expect(wrong, viewer, verb, PLURAL, ns, true);
      expect(wrong, editor, verb, PLURAL, ns, true);
      expect(wrong, nobody, verb, PLURAL, ns, false);
    }
    for (String verb : List.of("create", "update", "patch", "delete")) {
      expect(wrong, viewer, verb, PLURAL, ns, false);
      expect(wrong, editor, verb, PLURAL, ns, true);
    }
    // The status stays the job's; the rights end at the namespace of the binding.
    expect(wrong, editor, "patch", PLURAL + "/status", ns, false);
    expect(wrong, editor, "list", PLURAL, "kube-system", false);
    expect(wrong, viewer, "list", PLURAL, "kube-system", false);
    assertTrue(wrong.isEmpty(), String.join("\n", wrong));

    // And for real: the editor creates a resource, the viewer reads it and may not delete it.
    String resource =
        """
        apiVersion: fqdn.konsole.is/v1alpha1
        kind: NetworkPolicy
        metadata: {name: by-editor}
        spec:
          podSelector: {matchLabels: {app: web}}
          egress: [{toFQDNS: [editor.example.org]}]
        """;
    bed.kubectlWithInput(resource, "create", "-n", ns, "--as=" + editor, "-f", "-");
    assertTrue(
        bed.kubectl("get", "fqdn", "-n", ns, "--as=" + viewer, "-o", "name").contains("by-editor"));
    TestBedException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            TestBedException.class,
            () -> bed.kubectl("delete", "fqdn", "by-editor", "-n", ns, "--as=" + viewer));
    assertTrue(refused.getMessage().contains("forbidden"), refused.getMessage());
  }

  private static void expect(
      List<String> wrong, String user, String verb, String resource, String ns, boolean allowed) {
    if (userAllowed(user, verb, resource, ns) != allowed) {
      wrong.add(
          user
              + " "
              + verb
              + " "
              + resource
              + " in "
              + ns
              + ": expected "
              + (allowed ? "allowed" : "refused"));
    }
  }

  /** The API server's answer to a SubjectAccessReview for {@code user}. */
  private static boolean userAllowed(String user, String verb, String resource, String ns) {
    String[] parts = resource.split("/", 2);
    String review =
        GSON.toJson(
            Map.of(
                "apiVersion", "authorization.k8s.io/v1",
                "kind", "SubjectAccessReview",
                "spec",
                    Map.of(
                        "user",
                        user,
                        "resourceAttributes",
                        Map.of(
                            "group", GROUP,
                            "resource", parts[0],
                            "subresource", parts.length > 1 ? parts[1] : "",
                            "verb", verb,
                            "namespace", ns))));
    return Boolean.parseBoolean(
        bed.kubectlWithInput(review, "create", "-f", "-", "-o", "jsonpath={.status.allowed}")
            .strip());
  }

  private static void awaitUserAllowed(String user, String verb, String ns)
      throws InterruptedException {
    java.time.Instant deadline = java.time.Instant.now().plusSeconds(60);
    while (!userAllowed(user, verb, PLURAL, ns)) {
      if (java.time.Instant.now().isAfter(deadline)) {
        org.junit.jupiter.api.Assertions.fail(
            user
                + " may not "
                + verb
                + " fqdn resources 60 s after the binding; view: "
                + bed.kubectl("get", "clusterrole", "view", "-o", "jsonpath={.rules}"));
      }
      Thread.sleep(250);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The job with the base's RBAC

  @Test
  void jobCompletesRunsWithTheServiceAccountTokenAlone() {
    String ns = bed.namespace();
    String fqdn = bed.zone().uniqueName("install");
    String selector = "run-" + Integer.toString(RANDOM.nextInt(36 * 36 * 36 * 36), 36);
    bed.zone().setA(fqdn, "198.51.100.110");
    InstallSupport.createResource(bed, ns, "rbac", fqdn, TEST_LABEL, selector);

    // A cluster-wide run, as the CronJob makes it (lists in every namespace); the selector keeps
    // it to this test's resource.
    JobProcess.Result first =
        job.runWith(kubeconfig, "-A", "--selector", TEST_LABEL + "=" + selector);
    assertEquals(0, first.exitCode(), first.toString());
    assertTrue(
        first.stderr().contains("listed=1 due=1 applied=1")
            && first.stderr().contains("networkPolicyWrites=1 statusWrites=1"),
        first.toString());
    JsonObject policy = get(bed, "networkpolicy", "rbac", ns);
    assertEquals(List.of("198.51.100.110/32"), peers(policy));
    JsonObject owner =
        policy
            .getAsJsonObject("metadata")
            .getAsJsonArray("ownerReferences")
            .get(0)
            .getAsJsonObject();
    assertTrue(owner.get("blockOwnerDeletion").getAsBoolean(), owner.toString());
    assertEquals(
        get(bed, "fqdn", "rbac", ns).getAsJsonObject("metadata").get("uid"), owner.get("uid"));
    JsonObject status = get(bed, "fqdn", "rbac", ns).getAsJsonObject("status");
    assertEquals("True", condition(status, "Ready").get("status").getAsString());
    assertEquals(1, status.get("observedGeneration").getAsLong());
    assertTrue(events(bed, ns, "rbac").contains("Created/fqdn-job"), events(bed, ns, "rbac"));

    // The record changes; a forced run of that one resource (get instead of list) updates the
    // policy and the status.
    bed.zone().setA(fqdn, "198.51.100.111");
    JobProcess.Result second = job.runWith(kubeconfig, "--policy", ns + "/rbac", "--force");
    assertEquals(0, second.exitCode(), second.toString());
    assertTrue(second.stderr().contains("networkPolicyWrites=1 statusWrites=1"), second.toString());
    assertEquals(List.of("198.51.100.111/32"), peers(get(bed, "networkpolicy", "rbac", ns)));
    JsonObject updated = get(bed, "fqdn", "rbac", ns).getAsJsonObject("status");
    assertEquals(
        "[\"198.51.100.111/32\"]",
        updated.getAsJsonArray("fqdns").get(0).getAsJsonObject().get("addresses").toString());
    assertTrue(events(bed, ns, "rbac").contains("Updated/fqdn-job"), events(bed, ns, "rbac"));
  }

  @Test
  void tokenIsRefusedWhatTheJobMustNotDo() throws Exception {
    String ns = bed.namespace();
    String fqdn = bed.zone().uniqueName("refused");
    bed.zone().setA(fqdn, "198.51.100.120");
    InstallSupport.createResource(bed, ns, "refused", fqdn, null, null);
    JobProcess.Result run = job.runWith(kubeconfig, "--policy", ns + "/refused");
    assertEquals(0, run.exitCode(), run.toString());
    bed.kubectl("create", "secret", "generic", "not-for-the-job", "-n", ns, "--from-literal=k=v");

    NetworkingV1Api networking = new NetworkingV1Api(asJob);
    CoreV1Api core = new CoreV1Api(asJob);
    CustomObjectsApi custom = new CustomObjectsApi(asJob);
    V1NetworkPolicy livePolicy = networking.readNamespacedNetworkPolicy("refused", ns).execute();
    Object liveResource =
        custom.getNamespacedCustomObject(GROUP, VERSION, ns, PLURAL, "refused").execute();
    String specPatch = "{\"spec\":{\"ttlSeconds\":30}}";
    String specApply =
        ("{\"apiVersion\":\"fqdn.konsole.is/v1alpha1\",\"kind\":\"NetworkPolicy\","
                + "\"metadata\":{\"name\":\"refused\",\"namespace\":\"%s\"},"
                + "\"spec\":{\"podSelector\":{},\"egress\":[{\"toFQDNS\":[\"%s\"]}]}}")
            .formatted(ns, fqdn);

    assertAll(
        () ->
            assertForbidden(
                "delete a NetworkPolicy",
                () -> networking.deleteNamespacedNetworkPolicy("refused", ns).execute()),
        () ->
            assertForbidden(
                "delete NetworkPolicies as a collection",
                () -> networking.deleteCollectionNamespacedNetworkPolicy(ns).execute()),
        () ->
            assertForbidden(
                "update (PUT) a NetworkPolicy",
                () ->
                    networking.replaceNamespacedNetworkPolicy("refused", ns, livePolicy).execute()),
        () ->
            assertForbidden(
                "get a Secret", () -> core.readNamespacedSecret("not-for-the-job", ns).execute()),
        () ->
            assertForbidden(
                "list Secrets in a namespace", () -> core.listNamespacedSecret(ns).execute()),
        () ->
            assertForbidden(
                "list Secrets cluster-wide", () -> core.listSecretForAllNamespaces().execute()),
        () ->
            assertForbidden(
                "merge-patch an fqdn resource's spec",
                () ->
                    PatchUtils.patch(
                        Object.class,
                        () ->
                            custom
                                .patchNamespacedCustomObject(
                                    GROUP, VERSION, ns, PLURAL, "refused", new V1Patch(specPatch))
                                .buildCall(null),
                        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                        asJob)),
        () ->
            assertForbidden(
                "server-side apply an fqdn resource's spec",
                () ->
                    PatchUtils.patch(
                        Object.class,
                        () ->
                            custom
                                .patchNamespacedCustomObject(
                                    GROUP, VERSION, ns, PLURAL, "refused", new V1Patch(specApply))
                                .fieldManager(NAME)
                                .force(true)
                                .buildCall(null),
                        V1Patch.PATCH_FORMAT_APPLY_YAML,
                        asJob)),
        () ->
            assertForbidden(
                "update (PUT) an fqdn resource",
                () ->
                    custom
                        .replaceNamespacedCustomObject(
                            GROUP, VERSION, ns, PLURAL, "refused", liveResource)
                        .execute()),
        () ->
            assertForbidden(
                "update (PUT) an fqdn resource's status",
                () ->
                    custom
                        .replaceNamespacedCustomObjectStatus(
                            GROUP, VERSION, ns, PLURAL, "refused", liveResource)
                        .execute()),
        () ->
            assertForbidden(
                "delete an fqdn resource",
                () ->
                    custom
                        .deleteNamespacedCustomObject(GROUP, VERSION, ns, PLURAL, "refused")
                        .execute()),
        () ->
            assertForbidden(
                "create an fqdn resource",
                () ->
                    custom
                        .createNamespacedCustomObject(
                            GROUP,
                            VERSION,
                            ns,
                            PLURAL,
                            JSON.getGson().fromJson(specApply, Object.class))
                        .execute()));

    // Nothing changed.
    assertNotNull(tryGet(bed, "networkpolicy", "refused", ns));
    JsonObject resource = get(bed, "fqdn", "refused", ns);
    assertEquals(1, resource.getAsJsonObject("metadata").get("generation").getAsLong());
  }

  /**
   * The API server's own answer, for the same token, to each right the ClusterRole grants and to a
   * list of rights it must not: an addition to the real calls above.
   */
  @Test
  void accessReviewsMatchTheClusterRole() throws Exception {
    String ns = bed.namespace();
    List<String[]> granted =
        List.of(
            new String[] {"list", GROUP, PLURAL, null, null},
            new String[] {"list", GROUP, PLURAL, null, ns},
            new String[] {"get", GROUP, PLURAL, null, ns},
            new String[] {"patch", GROUP, PLURAL, "status", ns},
            new String[] {"update", GROUP, PLURAL, "finalizers", ns},
            new String[] {"list", "networking.k8s.io", "networkpolicies", null, null},
            new String[] {"get", "networking.k8s.io", "networkpolicies", null, ns},
            new String[] {"create", "networking.k8s.io", "networkpolicies", null, ns},
            new String[] {"patch", "networking.k8s.io", "networkpolicies", null, ns},
            new String[] {"create", "", "events", null, ns});
    List<String[]> refused =
        List.of(
            new String[] {"watch", GROUP, PLURAL, null, ns},
            new String[] {"create", GROUP, PLURAL, null, ns},
            new String[] {"update", GROUP, PLURAL, null, ns},
            new String[] {"patch", GROUP, PLURAL, null, ns},
            new String[] {"delete", GROUP, PLURAL, null, ns},
            new String[] {"update", GROUP, PLURAL, "status", ns},
            new String[] {"update", "networking.k8s.io", "networkpolicies", null, ns},
            new String[] {"delete", "networking.k8s.io", "networkpolicies", null, ns},
            new String[] {"deletecollection", "networking.k8s.io", "networkpolicies", null, ns},
            new String[] {"watch", "networking.k8s.io", "networkpolicies", null, ns},
            new String[] {"get", "", "secrets", null, ns},
            new String[] {"list", "", "secrets", null, null},
            new String[] {"get", "", "configmaps", null, ns},
            new String[] {"create", "", "pods", null, ns},
            new String[] {"patch", "", "events", null, ns},
            new String[] {"list", "discovery.k8s.io", "endpointslices", null, ns},
            new String[] {"create", "rbac.authorization.k8s.io", "rolebindings", null, ns});
    List<String> wrong = new ArrayList<>();
    for (String[] r : granted) {
      if (!allowed(asJob, r[0], r[1], r[2], r[3], r[4])) {
        wrong.add("not granted: " + String.join(" ", nonNull(r)));
      }
    }
    for (String[] r : refused) {
      if (allowed(asJob, r[0], r[1], r[2], r[3], r[4])) {
        wrong.add("granted: " + String.join(" ", nonNull(r)));
      }
    }
    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
  }

  // --- helpers

  private static Path base() {
    return repoPath(bed, "kustomize/base");
  }

  private static JsonObject cronJobPodSpec(JsonObject cronJob) {
    return cronJob
        .getAsJsonObject("spec")
        .getAsJsonObject("jobTemplate")
        .getAsJsonObject("spec")
        .getAsJsonObject("template")
        .getAsJsonObject("spec");
  }

  /** The container without its liveness probe and the heartbeat file it reads. */
  private static JsonObject withoutLiveness(JsonObject container) {
    JsonObject copy = container.deepCopy();
    copy.remove("livenessProbe");
    com.google.gson.JsonArray env = new com.google.gson.JsonArray();
    for (var variable : copy.getAsJsonArray("env")) {
      if (!variable.getAsJsonObject().get("name").getAsString().equals("FQDN_JOB_HEARTBEAT_FILE")) {
        env.add(variable);
      }
    }
    copy.add("env", env);
    return copy;
  }

  /** The value of the loop's FQDN_JOB_HEARTBEAT_FILE. */
  private static String heartbeatFile(JsonObject container) {
    for (var variable : container.getAsJsonArray("env")) {
      JsonObject object = variable.getAsJsonObject();
      if (object.get("name").getAsString().equals("FQDN_JOB_HEARTBEAT_FILE")) {
        return object.get("value").getAsString();
      }
    }
    throw new AssertionError("no FQDN_JOB_HEARTBEAT_FILE in " + container);
  }

  private static JsonObject withoutArgs(JsonObject container) {
    JsonObject copy = container.deepCopy();
    copy.remove("args");
    copy.getAsJsonObject("resources").remove("requests");
    return copy;
  }

  /** The live labels restricted to the keys of {@code expected}: the server may add its own. */
  private static Map<String, String> filterKnown(
      Map<String, String> live, Map<String, String> expected) {
    Map<String, String> result = new HashMap<>(live);
    result.keySet().retainAll(expected.keySet());
    return result;
  }

  private static List<String> nonNull(String[] values) {
    List<String> result = new ArrayList<>();
    for (String v : values) {
      result.add(v == null ? "-" : v.isEmpty() ? "core" : v);
    }
    return result;
  }
}
