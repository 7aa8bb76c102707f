package io.fqdnjob.testbed;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ContainerStateTerminated;
import io.kubernetes.client.openapi.models.V1ContainerStatus;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.util.Config;
import io.kubernetes.client.util.Watch;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bed's node, for tests that need real pods: it runs them (containerd, a CNI bridge,
 * kube-proxy) and enforces NetworkPolicies (kube-router's firewall). Obtain it with {@link
 * TestBed#node()}.
 *
 * <p>Test pods come from the bed's tools image (a static busybox: {@code sh}, {@code nc}, {@code
 * nslookup}, {@code sleep}), run as user {@value #POD_USER} and meet the restricted Pod Security
 * profile, so they are admitted in any namespace, {@code fqdn-job-system} included. Connections and
 * lookups are made from inside a pod with {@code kubectl exec}; a refusal by a NetworkPolicy and a
 * failure of {@code kubectl exec} itself are told apart: the first is a result, the second a {@link
 * TestBedException}.
 *
 * <p>kube-router applies a NetworkPolicy change within seconds, not at once: after a change, wait
 * with {@link #awaitConnect} for a connection that the change must refuse before relying on the
 * result of any other connection.
 */
public final class TestNode {
  /** The user (and group) of the test pods and of the product image. */
  public static final long POD_USER = 65532;

  /** The container name of pods made by {@link #toolsPod}. */
  public static final String TOOLS_CONTAINER = "tools";

  /** {@code nc -w} of {@link #canConnect}: how long a connection may take to be set up. */
  public static final int CONNECT_TIMEOUT_SECONDS = 3;

  private static final Duration POD_START = Duration.ofSeconds(120);
  private static final Duration POLL = Duration.ofMillis(250);
  private static final Duration ADMISSION_RETRY = Duration.ofSeconds(30);
  private static final Gson GSON = new Gson();
  private static final Pattern EXEC_EXIT =
      Pattern.compile("command terminated with exit code (\\d+)");

  /** Container waiting reasons that no amount of waiting fixes. */
  private static final Set<String> HOPELESS_WAITING =
      Set.of("ErrImageNeverPull", "InvalidImageName", "CreateContainerConfigError");

  private final TestBed bed;
  private final NodeEnvironment environment;

  TestNode(TestBed bed, NodeEnvironment environment) {
    this.bed = bed;
    this.environment = environment;
  }

  // ---- What the bed printed ----

  /** The node's name, for example {@code fqdn-testbed-node}. */
  public String name() {
    return environment.name();
  }

  /** The node's address on the pod bridge, where the API server and the bed's BIND listen. */
  public String ip() {
    return environment.ip();
  }

  /** The pods' address range, for example {@code 10.244.0.0/24}. */
  public String podCidr() {
    return environment.podCidr();
  }

  /**
   * The bed's DNS server as a NetworkPolicy engine sees pods reach it: the address and port behind
   * the kube-dns Service, after kube-proxy's translation.
   */
  public String podDnsHost() {
    return environment.podDns().getHostString();
  }

  /** The port of {@link #podDnsHost()}; not 53. */
  public int podDnsPort() {
    return environment.podDns().getPort();
  }

  /** {@link #podDnsHost()}{@code :}{@link #podDnsPort()}, the form {@code --dns-server} takes. */
  public String podDnsServer() {
    return environment.podDnsServer();
  }

  /** The product image as loaded on the node, for example {@code fqdn-job.local/fqdn-job:0.1.0}. */
  public String image() {
    return environment.image();
  }

  /** The product image without its tag: a kustomize {@code images[].newName}. */
  public String imageName() {
    return environment.imageName();
  }

  /** The product image's tag: a kustomize {@code images[].newTag}. */
  public String imageTag() {
    return environment.imageTag();
  }

  /** The busybox image for test pods. */
  public String toolsImage() {
    return environment.toolsImage();
  }

  /** The node's containerd socket. */
  public Path containerdSocket() {
    return environment.containerd();
  }

  /** The cluster IP of a Service. */
  public String serviceIp(String namespace, String service) {
    return bed.kubectl(
            "get", "service", service, "-n", namespace, "-o", "jsonpath={.spec.clusterIP}")
        .strip();
  }

  /** The cluster IP of the {@code kubernetes} Service: the API server as pods reach it (443). */
  public String apiServiceIp() {
    return serviceIp("default", "kubernetes");
  }

  /** The cluster IP of {@code kube-system/kube-dns}: the pods' resolver (port 53). */
  public String clusterDnsIp() {
    return serviceIp("kube-system", "kube-dns");
  }

  /** What answers the kube-dns Service, for example {@code coredns v1.15.0, 2 replicas}. */
  public String clusterDns() {
    return environment.clusterDns();
  }

  /**
   * The addresses of the ready CoreDNS replicas behind {@code kube-system/kube-dns} (port 53), as
   * its EndpointSlices list them. The host reaches them directly; it cannot reach the Service's
   * cluster IP.
   */
  public List<String> clusterDnsReplicas() {
    String out =
        bed.kubectl(
            "get",
            "endpointslices",
            "-n",
            "kube-system",
            "-l",
            "kubernetes.io/service-name=kube-dns",
            "-o",
            "jsonpath={range .items[*].endpoints[?(@.conditions.ready==true)]}{.addresses[0]}{\"\\n\"}{end}");
    return out.lines().map(String::strip).filter(l -> !l.isEmpty()).sorted().toList();
  }

  /**
   * Every BIND server that CoreDNS forwards to, as pods reach them: the bed's "internet" upstream.
   */
  public List<InetSocketAddress> upstreamDns() {
    return environment.podUpstreamDns();
  }

  // ---- Pods ----

  /**
   * A pod of the tools image running {@code command}, as a JSON manifest that a test may add to (a
   * readiness probe, say) before {@link #createPod}. It meets the restricted Pod Security profile:
   * non-root user {@value #POD_USER}, no privilege escalation, no capabilities, the runtime's
   * default seccomp profile. It mounts no ServiceAccount token (test pods never call the API
   * server) and stops one second after its deletion.
   */
  public JsonObject toolsPod(String name, Map<String, String> labels, List<String> command) {
    Map<String, Object> container = new LinkedHashMap<>();
    container.put("name", TOOLS_CONTAINER);
    container.put("image", toolsImage());
    // The image exists only in the node's containerd; a pull could only fail, more slowly.
    container.put("imagePullPolicy", "Never");
    container.put("command", command);
    container.put(
        "securityContext",
        Map.of(
            "allowPrivilegeEscalation",
            false,
            "runAsNonRoot",
            true,
            "capabilities",
            Map.of("drop", List.of("ALL"))));
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("automountServiceAccountToken", false);
    spec.put("terminationGracePeriodSeconds", 1);
    spec.put(
        "securityContext",
        Map.of(
            "runAsNonRoot",
            true,
            "runAsUser",
            POD_USER,
            "runAsGroup",
            POD_USER,
            "seccompProfile",
            Map.of("type", "RuntimeDefault")));
    spec.put("containers", List.of(container));
    Map<String, Object> pod = new LinkedHashMap<>();
    pod.put("apiVersion", "v1");
    pod.put("kind", "Pod");
    pod.put("metadata", Map.of("name", name, "labels", labels));
    pod.put("spec", spec);
    return GSON.toJsonTree(pod).getAsJsonObject();
  }

  /**
   * Starts a tools pod that runs {@code command} (for a client, {@code "sleep", "3600"}), waits
   * until it is Ready and returns its IP address.
   */
  public String startToolsPod(
      String namespace, String name, Map<String, String> labels, String... command) {
    createPod(namespace, toolsPod(name, labels, List.of(command)));
    return podIp(awaitPodReady(namespace, name, POD_START));
  }

  /**
   * Starts a tools pod that accepts TCP connections on each of {@code ports} (a busybox {@code nc}
   * server per port that closes each connection at once), waits until every port accepts one, and
   * returns the pod's IP address.
   */
  public String startServerPod(
      String namespace, String name, Map<String, String> labels, int... ports) {
    StringBuilder serve = new StringBuilder();
    StringBuilder probe = new StringBuilder();
    for (int port : ports) {
      serve.append("nc -ll -p ").append(port).append(" -e /bin/true & ");
      probe.append(probe.isEmpty() ? "" : " && ");
      probe.append("nc -w 1 127.0.0.1 ").append(port).append(" </dev/null");
    }
    serve.append("wait");
    JsonObject pod = toolsPod(name, labels, List.of("sh", "-c", serve.toString()));
    // Ready only when every listener is up, so that the first connection of a test that expects
    // success never races the server's start. The probe connects over loopback, which no
    // NetworkPolicy governs.
    JsonObject readiness =
        GSON.toJsonTree(
                Map.of(
                    "exec",
                    Map.of("command", List.of("sh", "-c", probe.toString())),
                    "periodSeconds",
                    1,
                    "timeoutSeconds",
                    3))
            .getAsJsonObject();
    container(pod).add("readinessProbe", readiness);
    createPod(namespace, pod);
    return podIp(awaitPodReady(namespace, name, POD_START));
  }

  /**
   * Creates a pod from a JSON manifest. A namespace created moments ago may not have its {@code
   * default} ServiceAccount yet, and the ServiceAccount admission refuses pods until it does, as on
   * any cluster; that refusal is retried for a while.
   */
  public void createPod(String namespace, JsonObject pod) {
    Instant deadline = Instant.now().plus(ADMISSION_RETRY);
    while (true) {
      Command.Result result =
          bed.kubectlResult(pod.toString(), "create", "-n", namespace, "-f", "-");
      if (result.exitCode() == 0) {
        return;
      }
      if (!result.stderr().contains("error looking up service account")
          || Instant.now().isAfter(deadline)) {
        throw new TestBedException(
            "could not create pod "
                + namespace
                + "/"
                + pod.getAsJsonObject("metadata").get("name").getAsString()
                + ": "
                + result.stderr().strip());
      }
      pause();
    }
  }

  /**
   * Waits until the pod runs and is Ready, and returns it as JSON.
   *
   * @throws AssertionError when it is not Ready within {@code timeout} or can never become Ready
   *     (it ended, or its container cannot be created); the message holds the pod's status and
   *     events
   */
  public JsonObject awaitPodReady(String namespace, String pod, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      JsonObject live = BedObjects.get(bed, namespace, "pod", pod);
      JsonObject status = live.getAsJsonObject("status");
      String phase = string(status, "phase");
      if ("Running".equals(phase) && conditionTrue(status, "Ready")) {
        return live;
      }
      String hopeless = hopelessReason(status);
      if ("Succeeded".equals(phase) || "Failed".equals(phase) || hopeless != null) {
        throw new AssertionError(
            "pod "
                + namespace
                + "/"
                + pod
                + " can never become Ready ("
                + (hopeless != null ? hopeless : "phase " + phase)
                + ")\n"
                + describePod(namespace, pod));
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "pod "
                + namespace
                + "/"
                + pod
                + " is not Running and Ready after "
                + timeout.toSeconds()
                + " s\n"
                + describePod(namespace, pod));
      }
      pause();
    }
  }

  /** The pod's IP address; fails when it has none yet. */
  public String podIp(String namespace, String pod) {
    return podIp(BedObjects.get(bed, namespace, "pod", pod));
  }

  private static String podIp(JsonObject pod) {
    String ip = string(pod.getAsJsonObject("status"), "podIP");
    if (ip == null || ip.isEmpty()) {
      throw new AssertionError("pod has no IP address yet: " + pod.getAsJsonObject("status"));
    }
    return ip;
  }

  /** Deletes a pod without waiting for it to go. */
  public void deletePod(String namespace, String pod) {
    bed.kubectl("delete", "pod", pod, "-n", namespace, "--wait=false", "--ignore-not-found");
  }

  /** The logs of every container of the pod. */
  public String logs(String namespace, String pod) {
    return bed.kubectl("logs", pod, "-n", namespace, "--all-containers=true");
  }

  /**
   * The pod's status and events, for failure messages; never throws (what cannot be read is named
   * instead).
   */
  public String describePod(String namespace, String pod) {
    StringBuilder text = new StringBuilder();
    JsonObject live = BedObjects.tryGet(bed, namespace, "pod", pod);
    text.append("--- status of pod ").append(namespace).append('/').append(pod).append('\n');
    text.append(live == null ? "(pod not found)" : String.valueOf(live.get("status"))).append('\n');
    text.append("--- events\n").append(events(namespace, pod));
    return text.toString();
  }

  /** The events about an object, one line each; never throws. */
  public String events(String namespace, String involvedName) {
    Command.Result result =
        bed.kubectlResult(
            null,
            "get",
            "events",
            "-n",
            namespace,
            "--field-selector",
            "involvedObject.name=" + involvedName,
            "--sort-by=.lastTimestamp",
            "-o",
            "custom-columns=TYPE:.type,REASON:.reason,FROM:.source.component,MESSAGE:.message");
    return result.exitCode() == 0 ? result.stdout() : "(no events: " + result.stderr() + ")";
  }

  /** The events about objects whose name starts with {@code prefix}, one line each. */
  private String eventsWithPrefix(String namespace, String prefix) {
    Command.Result result =
        bed.kubectlResult(
            null,
            "get",
            "events",
            "-n",
            namespace,
            "--sort-by=.lastTimestamp",
            "-o",
            "custom-columns=OBJECT:.involvedObject.name,TYPE:.type,REASON:.reason,MESSAGE:.message");
    if (result.exitCode() != 0) {
      return "(no events: " + result.stderr() + ")";
    }
    StringBuilder lines = new StringBuilder();
    for (String line : result.stdout().split("\n")) {
      if (line.startsWith(prefix)) {
        lines.append(line).append('\n');
      }
    }
    return lines.toString();
  }

  // ---- From inside a pod ----

  /** What a command run in a pod left: its own exit code and output. */
  public record ExecResult(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + ", stdout: " + stdout.strip() + ", stderr: " + stderr.strip();
    }
  }

  /**
   * Runs {@code command} in the pod's first container with {@code kubectl exec} and returns the
   * command's exit code and output.
   *
   * @throws TestBedException when kubectl could not run the command at all (no such pod, the
   *     kubelet unreachable): that is a broken bed or test, never a result
   */
  public ExecResult exec(String namespace, String pod, String... command) {
    List<String> args = new ArrayList<>(List.of("exec", pod, "-n", namespace, "--"));
    args.addAll(List.of(command));
    Command.Result result = bed.kubectlResult(null, args.toArray(String[]::new));
    if (result.exitCode() == 0) {
      return new ExecResult(0, result.stdout(), result.stderr());
    }
    // kubectl reports the command's own non-zero exit with this line and that exit code; any
    // other failure is kubectl's.
    Matcher exit = EXEC_EXIT.matcher(result.stderr());
    if (exit.find() && Integer.parseInt(exit.group(1)) == result.exitCode()) {
      return new ExecResult(result.exitCode(), result.stdout(), result.stderr());
    }
    throw new TestBedException(
        "kubectl exec in "
            + namespace
            + "/"
            + pod
            + " of "
            + String.join(" ", command)
            + " failed (exit "
            + result.exitCode()
            + "): "
            + result.stderr().strip());
  }

  /**
   * Whether a TCP connection from the pod to {@code ip:port} is set up within {@value
   * #CONNECT_TIMEOUT_SECONDS} s ({@code nc -w 3 IP PORT </dev/null}). A policy may drop the packets
   * (a timeout) or reject them (refused at once): both are {@code false}.
   */
  public boolean canConnect(String namespace, String pod, String ip, int port) {
    return connect(namespace, pod, ip, port).exitCode() == 0;
  }

  private ExecResult connect(String namespace, String pod, String ip, int port) {
    ExecResult result =
        exec(
            namespace,
            pod,
            "sh",
            "-c",
            "nc -w " + CONNECT_TIMEOUT_SECONDS + " " + ip + " " + port + " </dev/null");
    // busybox nc exits 1 when it cannot connect; anything else means the command did not run.
    if (result.exitCode() != 0 && result.exitCode() != 1) {
      throw new TestBedException(
          "nc in " + namespace + "/" + pod + " did not run as expected: " + result);
    }
    return result;
  }

  /**
   * Tries the connection until its outcome is {@code expected} (connected, or not) and returns how
   * long that took. A NetworkPolicy change reaches kube-router's rules within seconds.
   *
   * @throws AssertionError when the outcome is still the other one after {@code timeout}; the
   *     message holds every attempt's outcome and the last output of {@code nc}
   */
  public Duration awaitConnect(
      String namespace, String pod, String ip, int port, boolean expected, Duration timeout) {
    Instant start = Instant.now();
    Instant deadline = start.plus(timeout);
    int attempts = 0;
    while (true) {
      ExecResult result = connect(namespace, pod, ip, port);
      attempts++;
      if ((result.exitCode() == 0) == expected) {
        return Duration.between(start, Instant.now());
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "from "
                + namespace
                + "/"
                + pod
                + " to "
                + ip
                + ":"
                + port
                + " expected "
                + (expected ? "a connection" : "no connection")
                + " but still "
                + (expected ? "none" : "connected")
                + " after "
                + attempts
                + " attempts in "
                + Duration.between(start, Instant.now()).toSeconds()
                + " s; last attempt: "
                + result);
      }
      pause();
    }
  }

  /**
   * The IPv4 addresses the pod's resolver (its {@code /etc/resolv.conf}: the kube-dns Service)
   * returns for {@code name}, asked as an absolute name so that no search domain is tried; empty
   * when the lookup failed for any reason (NXDOMAIN, no answer, no server reachable). A blocked
   * server costs 2 s.
   */
  public List<String> lookup(String namespace, String pod, String name) {
    String absolute = name.endsWith(".") ? name : name + ".";
    ExecResult result =
        exec(namespace, pod, "nslookup", "-type=a", "-timeout=2", "-retry=1", absolute);
    return answerAddresses(result.stdout());
  }

  /** Whether {@link #lookup} finds at least one address. */
  public boolean resolves(String namespace, String pod, String name) {
    return !lookup(namespace, pod, name).isEmpty();
  }

  /**
   * Looks {@code name} up from the pod until it resolves ({@code expected} true) or fails, and
   * returns how long that took.
   *
   * @throws AssertionError when it still does the opposite after {@code timeout}
   */
  public Duration awaitResolves(
      String namespace, String pod, String name, boolean expected, Duration timeout) {
    Instant start = Instant.now();
    Instant deadline = start.plus(timeout);
    int attempts = 0;
    while (true) {
      List<String> addresses = lookup(namespace, pod, name);
      attempts++;
      if (!addresses.isEmpty() == expected) {
        return Duration.between(start, Instant.now());
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "from "
                + namespace
                + "/"
                + pod
                + ", "
                + name
                + " expected to "
                + (expected ? "resolve" : "fail")
                + " but still "
                + (expected ? "fails" : "resolves to " + addresses)
                + " after "
                + attempts
                + " attempts in "
                + Duration.between(start, Instant.now()).toSeconds()
                + " s");
      }
      pause();
    }
  }

  /**
   * The addresses of the answer section of busybox {@code nslookup}'s output: the {@code Address:}
   * lines after a {@code Name:} line (the lines before it name the server that was asked).
   */
  static List<String> answerAddresses(String nslookupOutput) {
    List<String> addresses = new ArrayList<>();
    boolean inAnswer = false;
    for (String line : nslookupOutput.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("Name:")) {
        inAnswer = true;
      } else if (inAnswer && trimmed.startsWith("Address")) {
        int colon = trimmed.indexOf(':');
        addresses.add(trimmed.substring(colon + 1).strip());
      }
    }
    return addresses;
  }

  // ---- Jobs ----

  /**
   * Waits until the Job has the condition {@code Complete} and returns it as JSON.
   *
   * @throws AssertionError when it fails instead or is still running after {@code timeout}; the
   *     message holds the Job's status and each pod's status, events and logs
   */
  public JsonObject awaitJobSucceeded(String namespace, String job, Duration timeout) {
    return awaitJob(namespace, job, timeout, "Complete", "Failed");
  }

  /**
   * Waits until the Job has the condition {@code Failed} and returns it as JSON.
   *
   * @throws AssertionError when it completes instead or is still running after {@code timeout}
   */
  public JsonObject awaitJobFailed(String namespace, String job, Duration timeout) {
    return awaitJob(namespace, job, timeout, "Failed", "Complete");
  }

  private JsonObject awaitJob(
      String namespace, String job, Duration timeout, String wanted, String unwanted) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      JsonObject live = BedObjects.get(bed, namespace, "job", job);
      JsonObject status = live.getAsJsonObject("status");
      if (status != null && conditionTrue(status, wanted)) {
        return live;
      }
      if (status != null && conditionTrue(status, unwanted)) {
        throw new AssertionError(
            "Job "
                + namespace
                + "/"
                + job
                + " is "
                + unwanted
                + "\n"
                + describeJob(namespace, job));
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "Job "
                + namespace
                + "/"
                + job
                + " is not "
                + wanted
                + " after "
                + timeout.toSeconds()
                + " s\n"
                + describeJob(namespace, job));
      }
      pause();
    }
  }

  /** The pods of a Job, as JSON. */
  public List<JsonObject> jobPods(String namespace, String job) {
    JsonArray items =
        JsonParser.parseString(
                bed.kubectl(
                    "get",
                    "pods",
                    "-n",
                    namespace,
                    "-l",
                    "batch.kubernetes.io/job-name=" + job,
                    "-o",
                    "json"))
            .getAsJsonObject()
            .getAsJsonArray("items");
    List<JsonObject> pods = new ArrayList<>();
    items.forEach(item -> pods.add(item.getAsJsonObject()));
    return pods;
  }

  /**
   * The Job's status and events, and each of its pods' status, events and logs, for failure
   * messages; never throws.
   */
  public String describeJob(String namespace, String job) {
    StringBuilder text = new StringBuilder();
    try {
      JsonObject live = BedObjects.tryGet(bed, namespace, "job", job);
      text.append("--- status of Job ").append(namespace).append('/').append(job).append('\n');
      text.append(live == null ? "(Job not found)" : String.valueOf(live.get("status")));
      text.append("\n--- events of the Job\n").append(events(namespace, job));
      List<JsonObject> pods = jobPods(namespace, job);
      if (pods.isEmpty()) {
        // The Job controller deletes the pods of a Job that ran past its deadline; their events
        // outlive them and often say why (an image that cannot be pulled, a failed probe).
        text.append("--- events of its pods, which are gone\n")
            .append(eventsWithPrefix(namespace, job + "-"));
      }
      for (JsonObject pod : pods) {
        String name = pod.getAsJsonObject("metadata").get("name").getAsString();
        text.append(describePod(namespace, name));
        text.append("--- logs of ").append(name).append('\n');
        Command.Result logs =
            bed.kubectlResult(null, "logs", name, "-n", namespace, "--all-containers=true");
        text.append(logs.exitCode() == 0 ? logs.stdout() : "(no logs: " + logs.stderr() + ")");
      }
    } catch (RuntimeException e) {
      text.append("\n(could not read everything: ").append(e.getMessage()).append(')');
    }
    return text.toString();
  }

  /**
   * The exit code of the pod's container named {@code container}, or {@code null} while it has not
   * terminated.
   */
  public static Integer exitCode(JsonObject pod, String container) {
    JsonElement statuses = pod.getAsJsonObject("status").get("containerStatuses");
    if (statuses == null) {
      return null;
    }
    for (JsonElement element : statuses.getAsJsonArray()) {
      JsonObject status = element.getAsJsonObject();
      if (container.equals(status.get("name").getAsString())) {
        JsonObject terminated = status.getAsJsonObject("state").getAsJsonObject("terminated");
        return terminated == null ? null : terminated.get("exitCode").getAsInt();
      }
    }
    return null;
  }

  /**
   * Does {@code trigger} (a deletion, a rollout restart) and returns how the pod's container {@code
   * container} then terminated. It watches the pod from before the trigger, so the terminated state
   * is seen even when the kubelet removes the pod right after writing it.
   *
   * @throws AssertionError when the container has not terminated within {@code timeout}, or the pod
   *     went without reporting its container's end
   */
  public V1ContainerStateTerminated awaitTermination(
      String namespace, String pod, String container, Duration timeout, Runnable trigger) {
    try {
      String resourceVersion =
          new CoreV1Api(bed.client())
              .readNamespacedPod(pod, namespace)
              .execute()
              .getMetadata()
              .getResourceVersion();
      trigger.run();
      ApiClient watchClient = Config.fromConfig(bed.kubeconfig().toString());
      // A watch is one long response: the shared client's 30 s read timeout would cut it.
      watchClient.setReadTimeout(0);
      List<String> seen = new ArrayList<>();
      try (Watch<V1Pod> watch =
          Watch.createWatch(
              watchClient,
              new CoreV1Api(watchClient)
                  .listNamespacedPod(namespace)
                  .fieldSelector("metadata.name=" + pod)
                  .resourceVersion(resourceVersion)
                  .watch(true)
                  .timeoutSeconds((int) Math.max(1, timeout.toSeconds()))
                  .buildCall(null),
              new TypeToken<Watch.Response<V1Pod>>() {}.getType())) {
        for (Watch.Response<V1Pod> event : watch) {
          if (event.object == null) {
            seen.add(event.type + " " + event.status);
            continue;
          }
          V1ContainerStateTerminated terminated = terminated(event.object, container);
          seen.add(event.type + " phase=" + event.object.getStatus().getPhase());
          if (terminated != null) {
            return terminated;
          }
          if ("DELETED".equals(event.type)) {
            break;
          }
        }
      }
      throw new AssertionError(
          "container "
              + container
              + " of pod "
              + namespace
              + "/"
              + pod
              + " never reported its termination within "
              + timeout.toSeconds()
              + " s; watch events: "
              + seen);
    } catch (ApiException e) {
      throw new TestBedException(
          "could not read or watch pod "
              + namespace
              + "/"
              + pod
              + ": HTTP "
              + e.getCode()
              + " "
              + e.getResponseBody(),
          e);
    } catch (IOException e) {
      throw new TestBedException("could not watch pod " + namespace + "/" + pod, e);
    }
  }

  private static V1ContainerStateTerminated terminated(V1Pod pod, String container) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return null;
    }
    for (V1ContainerStatus status : pod.getStatus().getContainerStatuses()) {
      if (container.equals(status.getName())
          && status.getState() != null
          && status.getState().getTerminated() != null) {
        return status.getState().getTerminated();
      }
    }
    return null;
  }

  // ---- Internals ----

  private static JsonObject container(JsonObject pod) {
    return pod.getAsJsonObject("spec").getAsJsonArray("containers").get(0).getAsJsonObject();
  }

  private static boolean conditionTrue(JsonObject status, String type) {
    JsonElement conditions = status.get("conditions");
    if (conditions == null) {
      return false;
    }
    for (JsonElement c : conditions.getAsJsonArray()) {
      JsonObject condition = c.getAsJsonObject();
      if (type.equals(string(condition, "type")) && "True".equals(string(condition, "status"))) {
        return true;
      }
    }
    return false;
  }

  /** The waiting reason of a container that cannot start, or {@code null}. */
  private static String hopelessReason(JsonObject status) {
    JsonElement statuses = status.get("containerStatuses");
    if (statuses == null) {
      return null;
    }
    for (JsonElement element : statuses.getAsJsonArray()) {
      JsonObject waiting =
          element.getAsJsonObject().getAsJsonObject("state").getAsJsonObject("waiting");
      if (waiting != null && HOPELESS_WAITING.contains(string(waiting, "reason"))) {
        return string(waiting, "reason") + ": " + string(waiting, "message");
      }
    }
    return null;
  }

  private static String string(JsonObject object, String member) {
    JsonElement value = object == null ? null : object.get(member);
    return value == null || value.isJsonNull() ? null : value.getAsString();
  }

  /** Waits the node's polling interval (250 ms) between two looks at something that takes time. */
  public static void pause() {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestBedException("interrupted while waiting on the node", e);
    }
  }
}
