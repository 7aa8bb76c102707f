package io.fqdnjob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.JobProcess;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code --context} and a {@code $KUBECONFIG} list against the bed's API server, as a workstation
 * uses them: two files merged, each with its own user, the second with a CA path relative to
 * itself.
 *
 * <p>The first file's context {@code alpha} (current) authenticates as a ServiceAccount with no
 * rights; the second file also defines {@code alpha} (as the bed's admin: it must lose) and {@code
 * beta} (the admin, its CA as {@code ca.crt} next to the file), and sets current-context {@code
 * beta} (it must lose to the first file's).
 */
@ExtendWith(TestBedExtension.class)
class KubeconfigIT {
  private static final String NOBODY = "kubeconfig-nobody";

  private static TestBed bed;
  private static JobProcess job;
  private static String ns;
  private static String kubeconfigList;

  @BeforeAll
  static void setUp(TestBed testBed, @TempDir Path dir) throws Exception {
    bed = testBed;
    bed.installCrd();
    job = new JobProcess(bed);
    ns = bed.namespace();
    bed.kubectl("create", "serviceaccount", NOBODY, "-n", ns);
    String token = bed.mintToken(ns, NOBODY);

    Path first = dir.resolve("a/config");
    Files.createDirectories(first.getParent());
    Files.writeString(
        first,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: bed
          cluster: {server: "%s", certificate-authority: "%s"}
        users:
        - name: nobody
          user: {token: "%s"}
        contexts:
        - name: alpha
          context: {cluster: bed, user: nobody, namespace: %s}
        current-context: alpha
        """
            .formatted(bed.apiServerUrl(), bed.caCertificate().toAbsolutePath(), token, ns));

    // The admin's credentials, taken from the bed's kubeconfig.
    Map<String, Object> admin = new Yaml().load(Files.readString(bed.kubeconfig()));
    @SuppressWarnings("unchecked")
    Map<String, Object> adminUser =
        (Map<String, Object>)
            ((Map<String, Object>) ((List<Object>) admin.get("users")).get(0)).get("user");
    Path second = dir.resolve("b/config");
    Files.createDirectories(second.getParent());
    Files.copy(bed.caCertificate(), second.getParent().resolve("ca.crt"));
    Files.writeString(
        second,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: bed-relative
          cluster: {server: "%s", certificate-authority: ca.crt}
        users:
        - name: admin
          user: {client-certificate-data: "%s", client-key-data: "%s"}
        contexts:
        - name: alpha
          context: {cluster: bed-relative, user: admin}
        - name: beta
          context: {cluster: bed-relative, user: admin, namespace: %s}
        current-context: beta
        """
            .formatted(
                bed.apiServerUrl(),
                adminUser.get("client-certificate-data"),
                adminUser.get("client-key-data"),
                ns));
    kubeconfigList = dir.resolve("missing/config") + ":" + first + ":" + second;

    String name = bed.zone().uniqueName("context");
    bed.zone().setA(name, "198.51.100.140");
    BedObjects.applyFqdn(
        bed,
        ns,
        "by-context",
        "kubeconfig-it: " + ns,
        "podSelector: {}\negress:\n- toFQDNS: [" + name + "]\n");
  }

  /** Runs the job with {@code $KUBECONFIG} set to the list, from the repository root. */
  private static JobProcess.Result run(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("run", "--dns-server", bed.dnsServer()));
    all.addAll(List.of(args));
    Path out = Files.createTempFile("kubeconfig-it", ".out");
    Path err = Files.createTempFile("kubeconfig-it", ".err");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(job.command(all.toArray(String[]::new)))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      builder.environment().put("KUBECONFIG", kubeconfigList);
      builder.environment().remove("KUBERNETES_SERVICE_HOST");
      Process process = builder.start();
      if (!process.waitFor(3, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError("the job did not finish: " + Files.readString(err));
      }
      return new JobProcess.Result(
          process.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  @Test
  void theCurrentContextIsTheFirstFilesAndItsUserIsTheFirstFilesToo() throws Exception {
    JobProcess.Result result = run("-n", ns);
    assertEquals(2, result.exitCode(), "no rights: a configuration error\n" + result);
    assertTrue(
        result.stderr().contains("system:serviceaccount:" + ns + ":" + NOBODY), result.toString());
  }

  @Test
  void contextSwitchesUserAndReadsItsCaRelativeToItsFile() throws Exception {
    JobProcess.Result result = run("--context", "beta", "-n", ns, "--force");
    assertEquals(0, result.exitCode(), result.toString());
    assertTrue(result.stderr().contains("listed=1"), result.toString());
    assertNotNull(BedObjects.tryGet(bed, ns, "networkpolicy", "by-context"));
    assertEquals(
        List.of("198.51.100.140/32"),
        BedObjects.peers(BedObjects.get(bed, ns, "networkpolicy", "by-context")));
  }

  @Test
  void everyNamespaceMustBeAskedForWithAllNamespaces() throws Exception {
    JobProcess.Result refused = run("--context", "beta", "-l", "kubeconfig-it=" + ns);
    assertEquals(2, refused.exitCode(), refused.toString());
    assertTrue(
        refused
            .stderr()
            .contains(
                "a run without -n would write in every namespace: give -n NS (repeatable), e.g."
                    + " -n "
                    + ns
                    + " (the context's namespace), or -A/--all-namespaces"),
        refused.toString());

    JobProcess.Result all = run("--context", "beta", "-A", "-l", "kubeconfig-it=" + ns, "--force");
    assertEquals(0, all.exitCode(), all.toString());
    assertTrue(all.stderr().contains("listed=1"), all.toString());
  }

  @Test
  void anUnknownContextIsAConfigurationErrorListingTheOthers() throws Exception {
    JobProcess.Result result = run("--context", "gamma", "-n", ns);
    assertEquals(2, result.exitCode(), result.toString());
    assertTrue(
        result.stderr().contains("--context 'gamma' is not a context of the kubeconfig merged"),
        result.toString());
    assertTrue(result.stderr().contains("(contexts: alpha, beta)"), result.toString());
  }
}
