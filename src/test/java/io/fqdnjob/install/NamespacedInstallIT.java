package io.fqdnjob.install;

import static io.fqdnjob.install.InstallSupport.COMMON_LABELS;
import static io.fqdnjob.install.InstallSupport.GROUP;
import static io.fqdnjob.install.InstallSupport.NAME;
import static io.fqdnjob.install.InstallSupport.PLURAL;
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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.fqdnjob.testbed.JobProcess;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import io.fqdnjob.testbed.TokenKubeconfig;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.NetworkingV1Api;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1NetworkPolicySpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Installs {@code kustomize/overlays/namespaced} into this class's namespace, the way its README
 * says: a kustomization of one's own that points at the overlay and sets {@code namespace:}. The
 * job, run with that install's ServiceAccount token, must succeed in its namespace and be refused
 * (HTTP 403, exit code 2: rights missing make the run impossible) cluster-wide and in any other
 * namespace.
 */
@ExtendWith(TestBedExtension.class)
class NamespacedInstallIT {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir static Path tmp;

  private static TestBed bed;
  private static JobProcess job;
  private static String ns;
  private static String other;
  private static Path kustomization;
  private static Path kubeconfig;
  private static ApiClient asJob;

  @BeforeAll
  static void install(TestBed testBed) throws Exception {
    bed = testBed;
    job = new JobProcess(bed);
    ns = bed.namespace();
    // The CRD is not in the overlay: a cluster admin installs it.
    bed.installCrd();
    other = ns + "-other";
    bed.kubectl("create", "namespace", other);
    // A tenant namespace that enforces the restricted profile, like the base's own.
    bed.kubectl("label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted");

    // kustomize only follows relative paths, so the user's kustomization lives in the repository's
    // build folder.
    Path dir = bed.repoRoot().resolve("target").resolve("install-it").resolve(ns);
    Files.createDirectories(dir);
    Path overlay = repoPath(bed, "kustomize/overlays/namespaced");
    Files.writeString(
        dir.resolve("kustomization.yaml"),
        """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
          - %s
        namespace: %s
        """
            .formatted(dir.relativize(overlay), ns));
    kustomization = dir;
    InstallSupport.apply(bed, kustomization, false);
    bed.kubectl(
        "patch", "cronjob", NAME, "-n", ns, "--type=merge", "-p", "{\"spec\":{\"suspend\":true}}");
    String token = bed.mintToken(ns, NAME);
    kubeconfig = TokenKubeconfig.write(bed, token, tmp.resolve("namespaced.kubeconfig"));
    asJob = bed.clientWithToken(token);
    InstallSupport.awaitBindingInEffect(asJob, ns);
  }

  @AfterAll
  static void removeOtherNamespace() {
    if (other != null) {
      bed.kubectl("delete", "namespace", other, "--wait=false", "--ignore-not-found");
    }
  }

  @Test
  void overlayPutsOnlyNamespacedObjectsIntoTheOneNamespace() {
    List<JsonObject> objects = render(bed, kustomization);
    assertEquals(
        Set.of(
            "ServiceAccount/" + NAME,
            "Role/" + NAME,
            "RoleBinding/" + NAME,
            "CronJob/" + NAME,
            "NetworkPolicy/" + NAME),
        Set.copyOf(kinds(objects)));
    for (JsonObject object : objects) {
      JsonObject metadata = object.getAsJsonObject("metadata");
      assertEquals(ns, metadata.get("namespace").getAsString(), object.get("kind").toString());
      assertTrue(labels(metadata).entrySet().containsAll(COMMON_LABELS.entrySet()));
    }
    JsonObject subject =
        only(objects, "RoleBinding", NAME).getAsJsonArray("subjects").get(0).getAsJsonObject();
    assertEquals(ns, subject.get("namespace").getAsString());
    assertEquals(NAME, subject.get("name").getAsString());

    // The Role grants exactly what the base's ClusterRole grants.
    JsonObject clusterRole =
        only(render(bed, repoPath(bed, "kustomize/base")), "ClusterRole", NAME);
    assertEquals(clusterRole.get("rules"), only(objects, "Role", NAME).get("rules"));

    JsonObject podSpec =
        only(objects, "CronJob", NAME)
            .getAsJsonObject("spec")
            .getAsJsonObject("jobTemplate")
            .getAsJsonObject("spec")
            .getAsJsonObject("template")
            .getAsJsonObject("spec");
    assertEquals(
        List.of("run", "--deadline", "40s", "--namespace", "$(POD_NAMESPACE)"), args(podSpec));
  }

  @Test
  void cronJobPodTakesItsNamespaceFromTheDownwardApi() throws Exception {
    String jobName = "ns-it-" + Integer.toString(RANDOM.nextInt(36 * 36 * 36), 36);
    try {
      JsonObject pod = InstallSupport.podFromCronJob(bed, ns, jobName);
      JsonObject container = container(pod.getAsJsonObject("spec"));
      assertEquals(
          List.of("run", "--deadline", "40s", "--namespace", "$(POD_NAMESPACE)"),
          args(pod.getAsJsonObject("spec")));
      String env = container.get("env").toString();
      assertTrue(
          env.contains(
              "{\"name\":\"POD_NAMESPACE\",\"valueFrom\":{\"fieldRef\":{\"apiVersion\":\"v1\","
                  + "\"fieldPath\":\"metadata.namespace\"}}}"),
          env);
    } finally {
      InstallSupport.deleteJob(bed, ns, jobName);
    }
  }

  @Test
  void runInItsNamespaceSucceeds() {
    String fqdn = bed.zone().uniqueName("tenant");
    bed.zone().setA(fqdn, "198.51.100.130");
    InstallSupport.createResource(bed, ns, "tenant", fqdn, null, null);

    JobProcess.Result result = job.runWith(kubeconfig, "--namespace", ns);
    assertEquals(0, result.exitCode(), result.toString());
    assertEquals(List.of("198.51.100.130/32"), peers(get(bed, "networkpolicy", "tenant", ns)));
    JsonObject status = get(bed, "fqdn", "tenant", ns).getAsJsonObject("status");
    assertEquals("True", condition(status, "Ready").get("status").getAsString());
    assertTrue(events(bed, ns, "tenant").contains("Created/fqdn-job"), events(bed, ns, "tenant"));

    bed.zone().setA(fqdn, "198.51.100.131");
    JobProcess.Result forced = job.runWith(kubeconfig, "--namespace", ns, "--force");
    assertEquals(0, forced.exitCode(), forced.toString());
    assertEquals(List.of("198.51.100.131/32"), peers(get(bed, "networkpolicy", "tenant", ns)));
    assertTrue(events(bed, ns, "tenant").contains("Updated/fqdn-job"), events(bed, ns, "tenant"));
  }

  @Test
  void clusterWideRunIsRefusedWithAClearMessage() {
    JobProcess.Result result = job.runWith(kubeconfig, "--all-namespaces");
    assertEquals(2, result.exitCode(), result.toString());
    assertTrue(
        result
            .stderr()
            .contains(
                "could not list the resources: GET"
                    + " /apis/networking.k8s.io/v1/networkpolicies on API server "),
        result.toString());
    // The summary and the pushed metrics carry the code the process exits with.
    assertTrue(result.stderr().contains("list=refused exit=2"), result.toString());
    assertTrue(
        result
            .stderr()
            .contains(
                "HTTP 403: networkpolicies.networking.k8s.io is forbidden: User"
                    + " \"system:serviceaccount:"
                    + ns
                    + ":fqdn-job\" cannot list resource \"networkpolicies\" in API group"
                    + " \"networking.k8s.io\" at the cluster scope"),
        result.toString());
    assertTrue(result.stderr().contains("pass --namespace"), "with advice: " + result);
  }

  @Test
  void otherNamespacesAreRefused() throws Exception {
    String fqdn = bed.zone().uniqueName("elsewhere");
    bed.zone().setA(fqdn, "198.51.100.140");
    InstallSupport.createResource(bed, other, "elsewhere", fqdn, null, null);

    JobProcess.Result listed = job.runWith(kubeconfig, "--namespace", other);
    assertEquals(2, listed.exitCode(), listed.toString());
    assertTrue(
        listed.stderr().contains("HTTP 403")
            && listed.stderr().contains("in the namespace \"" + other + "\""),
        listed.toString());
    JobProcess.Result single = job.runWith(kubeconfig, "--policy", other + "/elsewhere");
    assertEquals(2, single.exitCode(), single.toString());
    assertTrue(single.stderr().contains("HTTP 403"), single.toString());
    assertNull(tryGet(bed, "networkpolicy", "elsewhere", other), "nothing written there");
    assertFalse(
        get(bed, "fqdn", "elsewhere", other).has("status"), "no status written there either");

    NetworkingV1Api networking = new NetworkingV1Api(asJob);
    V1NetworkPolicy policy =
        new V1NetworkPolicy()
            .metadata(new V1ObjectMeta().name("planted").namespace(other))
            .spec(new V1NetworkPolicySpec().podSelector(new V1LabelSelector()));
    assertAll(
        () ->
            assertForbidden(
                "list NetworkPolicies in another namespace",
                () -> networking.listNamespacedNetworkPolicy(other).execute()),
        () ->
            assertForbidden(
                "create a NetworkPolicy in another namespace",
                () -> networking.createNamespacedNetworkPolicy(other, policy).execute()),
        () ->
            assertForbidden(
                "list NetworkPolicies cluster-wide",
                () -> networking.listNetworkPolicyForAllNamespaces().execute()));
    Set<String> granted =
        List.of("get", "list").stream()
            .filter(verb -> isAllowed(verb, other))
            .collect(Collectors.toSet());
    assertEquals(Set.of(), granted, "fqdn resources of another namespace");
    assertTrue(allowed(asJob, "list", GROUP, PLURAL, null, ns), "its own namespace");
  }

  private static boolean isAllowed(String verb, String namespace) {
    try {
      return allowed(asJob, verb, GROUP, PLURAL, null, namespace);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
