package io.fqdnjob.testbed;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The test bed as one test class sees it: a real Kubernetes control plane (etcd, kube-apiserver,
 * kube-controller-manager with the garbage collector and service-account controllers), two real
 * BIND DNS servers and a Prometheus Pushgateway on this machine, plus a namespace of the class's
 * own. Without a node everything listens on 127.0.0.1. A bed started with {@code testbed.sh up
 * --node} (what {@link TestBedExtension} does unless {@code FQDN_TESTBED_NODE=0}) also runs one
 * real node that runs pods and enforces NetworkPolicies ({@link #node()}); then the API server
 * listens on the node's address (port 6443) and BIND on the node's address as well as on 127.0.0.1.
 *
 * <p>Obtain it by extending a test class with {@link TestBedExtension} and declaring a {@code
 * TestBed} parameter on a test, lifecycle method or constructor:
 *
 * <pre>{@code
 * @ExtendWith(TestBedExtension.class)
 * class SomethingIT {
 *   @Test
 *   void x(TestBed bed) throws Exception {
 *     bed.zone().setA(name, "192.0.2.1");
 *     new NetworkingV1Api(bed.client()).listNamespacedNetworkPolicy(bed.namespace()).execute();
 *   }
 * }
 * }</pre>
 *
 * <p>The bed is shared by every class of the JVM; {@link #namespace()} is not. Cluster-scoped
 * objects (CRDs, ClusterRoles) and {@link #zone() DNS names} are shared, so tests give them unique
 * names. Failures of the bed itself throw {@link TestBedException} with a message naming what
 * failed.
 */
public final class TestBed {
  private static final Duration KUBECTL_TIMEOUT = Duration.ofMinutes(2);
  private static final int READ_TIMEOUT_MILLIS = 30_000;

  /** Where the project's CRD lives, relative to the repository root. */
  public static final String CRD_FILE =
      "kustomize/base/crd/fqdnnetworkpolicies.fqdn.konsole.is.yaml";

  /** The name of the project's CRD. */
  public static final String CRD_NAME = "fqdnnetworkpolicies.fqdn.konsole.is";

  private final BedProcesses processes;
  private final String namespace;
  private final TestZone zone;
  private TestNode node;

  TestBed(BedProcesses processes, String namespace) {
    this.processes = processes;
    this.namespace = namespace;
    BedEnvironment env = processes.environment();
    this.zone = new TestZone(env.zoneOrigin(), env.upstreamDns());
  }

  /**
   * An API client with cluster-admin rights (a client certificate in group {@code system:masters}),
   * read timeout 30 s. Shared by all tests; do not change its settings.
   */
  public ApiClient client() {
    return processes.adminClient();
  }

  /**
   * A new API client that authenticates with a bearer token, for example one from {@link
   * #mintToken(String, String)}, so that a test acts with a ServiceAccount's rights.
   */
  public ApiClient clientWithToken(String token) {
    try {
      ApiClient client =
          new ClientBuilder()
              .setBasePath(apiServerUrl())
              .setVerifyingSsl(true)
              .setCertificateAuthority(Files.readAllBytes(caCertificate()))
              .setAuthentication(new AccessTokenAuthentication(token))
              .build();
      client.setReadTimeout(READ_TIMEOUT_MILLIS);
      return client;
    } catch (IOException e) {
      throw new TestBedException("could not read the bed's CA certificate " + caCertificate(), e);
    }
  }

  /** The admin kubeconfig file (embedded certificates, current context on the bed). */
  public Path kubeconfig() {
    return processes.environment().kubeconfig();
  }

  /**
   * This test class's namespace: created before the class's first test (its {@code default}
   * ServiceAccount already exists) and deleted after its last.
   */
  public String namespace() {
    return namespace;
  }

  /**
   * Runs the bed's kubectl with the admin kubeconfig and returns its stdout. No namespace is
   * implied: pass {@code -n}, for example {@code kubectl("get", "cm", "-n", bed.namespace())}.
   *
   * @throws TestBedException when kubectl exits non-zero; the message holds its stderr
   */
  public String kubectl(String... args) {
    return kubectlWithInput(null, args);
  }

  /** Like {@link #kubectl(String...)}, feeding {@code stdin} (may be null) to kubectl. */
  public String kubectlWithInput(String stdin, String... args) {
    Command.Result result = kubectlResult(stdin, args);
    if (result.exitCode() != 0) {
      throw new TestBedException(
          "kubectl "
              + String.join(" ", args)
              + " failed (exit "
              + result.exitCode()
              + "): "
              + result.stderr().strip());
    }
    return result.stdout();
  }

  /** Runs the bed's kubectl and returns what it left, whatever its exit code. */
  Command.Result kubectlResult(String stdin, String... args) {
    List<String> command = new ArrayList<>();
    command.add(processes.environment().kubectl().toString());
    command.add("--kubeconfig=" + kubeconfig());
    command.addAll(List.of(args));
    return Command.run(
        command, Map.of("KUBECONFIG", kubeconfig().toString()), stdin, KUBECTL_TIMEOUT);
  }

  /**
   * Applies YAML (one or more documents) with {@code kubectl apply --server-side
   * --force-conflicts}; namespaced objects without a namespace land in {@link #namespace()}.
   * Server-side apply is used because client-side apply stores the whole object in an annotation,
   * which large objects such as CRDs outgrow.
   */
  public String kubectlApply(String yaml) {
    return kubectlWithInput(
        yaml,
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=fqdn-testbed",
        "-n",
        namespace,
        "-f",
        "-");
  }

  /**
   * Installs (or updates) the project's CRD from {@value #CRD_FILE} and waits until the API server
   * serves it. Safe to call from every test class. {@code testbed.sh up} already installs the CRDs
   * before it starts the controller manager, so that its garbage collector knows the type from the
   * start; calling this picks up changes made to the file since.
   */
  public void installCrd() {
    Path crd = repoRoot().resolve(CRD_FILE);
    if (!Files.isRegularFile(crd)) {
      throw new TestBedException("the project's CRD is missing: " + crd);
    }
    kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=fqdn-testbed",
        "-f",
        crd.toString());
    kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/" + CRD_NAME);
  }

  /** The bed's DNS server (loopback address and port). */
  public InetSocketAddress dnsAddress() {
    return processes.environment().dnsAddress();
  }

  /** The bed's DNS server as {@code 127.0.0.1:PORT}. */
  public String dnsServer() {
    return processes.environment().dnsServer();
  }

  /**
   * The bed's second DNS server, {@code 127.0.0.1:PORT}; it serves the bed's zone ({@link #zone()}
   * changes both servers) and the split zone with data of its own.
   */
  public String altDnsServer() {
    InetSocketAddress alt = processes.environment().dnsAltAddress();
    return alt.getHostString() + ":" + alt.getPort();
  }

  /**
   * The zone {@code split.bed.test} as the bed's main DNS server holds it. The second server
   * ({@link #altDnsServer()}) holds the same zone with data of its own ({@link #splitZoneAlt()}),
   * so one name can answer differently depending on the server asked.
   */
  public TestZone splitZone() {
    return new TestZone(processes.environment().splitZoneOrigin(), dnsAddress());
  }

  /** The zone {@code split.bed.test} as the bed's second DNS server holds it. */
  public TestZone splitZoneAlt() {
    return new TestZone(
        processes.environment().splitZoneOrigin(), processes.environment().dnsAltAddress());
  }

  /** The bed's Prometheus Pushgateway, {@code http://127.0.0.1:PORT}. */
  public String pushgatewayUrl() {
    return processes.environment().pushgatewayUrl();
  }

  /** The bed's Toxiproxy, which puts faults between a client and a server on demand. */
  public Toxiproxy toxiproxy() {
    return new Toxiproxy(processes.environment().toxiproxyUrl());
  }

  /**
   * The bed's etcd client URL, {@code https://127.0.0.1:PORT}; it asks for a client certificate
   * ({@link #etcdClientCertificate()}, {@link #etcdClientKey()}) signed by {@link
   * #caCertificate()}.
   */
  public String etcdUrl() {
    return processes.environment().etcdUrl();
  }

  /** The PEM client certificate the API server uses towards etcd. */
  public Path etcdClientCertificate() {
    return stateDir().resolve("pki/apiserver-etcd-client.crt");
  }

  /** The PEM key of {@link #etcdClientCertificate()}. */
  public Path etcdClientKey() {
    return stateDir().resolve("pki/apiserver-etcd-client.key");
  }

  /**
   * The URL of BIND's JSON statistics ({@code .../json/v1/server}), holding query counters by
   * opcode, rcode and type; benchmarks read it before and after a run.
   */
  public String dnsStatsUrl() {
    return processes.environment().dnsStatsUrl();
  }

  /** The API server's URL, {@code https://127.0.0.1:PORT}. */
  public String apiServerUrl() {
    return processes.environment().apiServerUrl();
  }

  /** The PEM file of the CA that signed the API server's certificate. */
  public Path caCertificate() {
    return processes.environment().caCertificate();
  }

  /**
   * Mints a token for a ServiceAccount through the TokenRequest API, valid for one hour, for the
   * API server's default audience.
   *
   * @throws TestBedException when the ServiceAccount does not exist or the request fails
   */
  public String mintToken(String namespace, String serviceAccount) {
    AuthenticationV1TokenRequest request =
        new AuthenticationV1TokenRequest().spec(new V1TokenRequestSpec().expirationSeconds(3600L));
    try {
      return new CoreV1Api(client())
          .createNamespacedServiceAccountToken(serviceAccount, namespace, request)
          .execute()
          .getStatus()
          .getToken();
    } catch (ApiException e) {
      throw new TestBedException(
          "TokenRequest for ServiceAccount "
              + namespace
              + "/"
              + serviceAccount
              + " failed with HTTP "
              + e.getCode()
              + ": "
              + e.getResponseBody(),
          e);
    }
  }

  /** The repository root (where {@code pom.xml} is). */
  public Path repoRoot() {
    return processes.environment().repoRoot();
  }

  /** The bed's state folder (logs of every process are in its {@code logs} subfolder). */
  public Path stateDir() {
    return processes.environment().stateDir();
  }

  /** The DNS test zone, changeable through dynamic updates. */
  public TestZone zone() {
    return zone;
  }

  /**
   * The bed's node: pods, NetworkPolicy enforcement and the product image.
   *
   * @throws TestBedException when the bed was started without a node; node tests fail then, they
   *     never skip
   */
  public synchronized TestNode node() {
    if (node == null) {
      NodeEnvironment environment = processes.environment().node();
      if (environment == null) {
        throw new TestBedException(
            "the bed has no node: run scripts/testbed.sh up --node (as root; it restarts a"
                + " running bed that has none) and run the tests again. The tests use a running"
                + " bed as it is, and start one without a node when FQDN_TESTBED_NODE=0");
      }
      node = new TestNode(this, environment);
    }
    return node;
  }
}
