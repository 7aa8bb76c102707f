package io.fqdnjob.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedException;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AuthorizationV1Api;
import io.kubernetes.client.openapi.models.V1ResourceAttributes;
import io.kubernetes.client.openapi.models.V1SelfSubjectAccessReview;
import io.kubernetes.client.openapi.models.V1SelfSubjectAccessReviewSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** What the install tests share: rendering and applying the manifests, and reading results. */
final class InstallSupport {
  static final String SYSTEM_NAMESPACE = "fqdn-job-system";
  static final String NAME = "fqdn-job";
  static final String GROUP = "fqdn.konsole.is";
  static final String VERSION = "v1alpha1";
  static final String PLURAL = "fqdnnetworkpolicies";
  static final Map<String, String> COMMON_LABELS =
      Map.of("app.kubernetes.io/name", "fqdn-job", "app.kubernetes.io/part-of", "fqdn-job");

  private static final Gson GSON = new Gson();
  private static final Duration WAIT = Duration.ofSeconds(60);

  private InstallSupport() {}

  /** A path of the repository, for example {@code kustomize/base}. */
  static Path repoPath(TestBed bed, String relative) {
    return bed.repoRoot().resolve(relative);
  }

  /** Runs {@code kubectl kustomize dir} and returns the objects it prints, in order. */
  static List<JsonObject> render(TestBed bed, Path dir) {
    String yaml = bed.kubectl("kustomize", dir.toString());
    List<JsonObject> objects = new ArrayList<>();
    for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
      if (doc != null) {
        objects.add(GSON.toJsonTree(doc).getAsJsonObject());
      }
    }
    return objects;
  }

  /**
   * Applies {@code kubectl apply --server-side -k dir} as field manager {@code fqdn-install},
   * optionally as a server-side dry run. Any warning fails, in particular Pod Security warnings
   * about a workload's pod template.
   */
  static String apply(TestBed bed, Path dir, boolean dryRun) {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of("apply", "--server-side", "--warnings-as-errors", "--field-manager=fqdn-install"));
    if (dryRun) {
      // An overlay changes fields the base's install owns (the CronJob's arguments, say); the
      // dry run is about what the server accepts, not about who owns what.
      args.add("--dry-run=server");
      args.add("--force-conflicts");
    }
    args.addAll(List.of("-k", dir.toString()));
    return bed.kubectl(args.toArray(String[]::new));
  }

  /** The one object of that kind and name among {@code objects}. */
  static JsonObject only(List<JsonObject> objects, String kind, String name) {
    List<JsonObject> found =
        objects.stream()
            .filter(o -> kind.equals(o.get("kind").getAsString()))
            .filter(o -> name.equals(o.getAsJsonObject("metadata").get("name").getAsString()))
            .toList();
    assertEquals(1, found.size(), "exactly one " + kind + " " + name + " in " + kinds(objects));
    return found.get(0);
  }

  /** {@code Kind/name} of each object, in order. */
  static List<String> kinds(List<JsonObject> objects) {
    return objects.stream()
        .map(o ->
            o.get("kind").getAsString()
                + "/"
                + o.getAsJsonObject("metadata").get("name").getAsString())
        .toList();
  }

  /** The object's labels; empty when it has none. */
  static Map<String, String> labels(JsonObject metadata) {
    JsonObject labels = metadata.getAsJsonObject("labels");
    if (labels == null) {
      return Map.of();
    }
    return labels.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getAsString()));
  }

  /** The container {@code fqdn-job} of a pod spec. */
  static JsonObject container(JsonObject podSpec) {
    for (JsonElement c : podSpec.getAsJsonArray("containers")) {
      if (NAME.equals(c.getAsJsonObject().get("name").getAsString())) {
        return c.getAsJsonObject();
      }
    }
    throw new AssertionError("no container " + NAME + " in " + podSpec);
  }

  /** The container's arguments as strings. */
  static List<String> args(JsonObject podSpec) {
    return strings(container(podSpec).getAsJsonArray("args"));
  }

  static List<String> strings(JsonArray array) {
    List<String> result = new ArrayList<>();
    array.forEach(e -> result.add(e.getAsString()));
    return result;
  }

  /** Reads one object through kubectl as JSON; fails when it does not exist. */
  static JsonObject get(TestBed bed, String kind, String name, String namespace) {
    return JsonParser.parseString(bed.kubectl("get", kind, name, "-n", namespace, "-o", "json"))
        .getAsJsonObject();
  }

  /** Reads one object, or returns null when it does not exist. */
  static JsonObject tryGet(TestBed bed, String kind, String name, String namespace) {
    try {
      return get(bed, kind, name, namespace);
    } catch (TestBedException e) {
      if (e.getMessage().contains("NotFound") || e.getMessage().contains("not found")) {
        return null;
      }
      throw e;
    }
  }

  /** Creates (or updates) an fqdn resource allowing {@code fqdn}, as the cluster admin. */
  static void createResource(
      TestBed bed, String namespace, String name, String fqdn, String labelKey, String labelValue) {
    String labels = labelKey == null ? "" : "\n  labels: {%s: %s}".formatted(labelKey, labelValue);
    bed.kubectlWithInput(
        """
        apiVersion: fqdn.konsole.is/v1alpha1
        kind: NetworkPolicy
        metadata:
          name: %s%s
        spec:
          podSelector: {matchLabels: {app: web}}
          egress:
            - toFQDNS: [%s]
              ports: [{protocol: TCP, port: 443}]
        """
            .formatted(name, labels, fqdn),
        "apply",
        "--server-side",
        "--field-manager=fqdn-testbed",
        "-n",
        namespace,
        "-f",
        "-");
  }

  /** The {@code ipBlock} CIDRs of all egress rules of a NetworkPolicy, in order. */
  static List<String> peers(JsonObject networkPolicy) {
    List<String> result = new ArrayList<>();
    JsonElement egress = networkPolicy.getAsJsonObject("spec").get("egress");
    if (egress != null) {
      for (JsonElement rule : egress.getAsJsonArray()) {
        for (JsonElement peer : rule.getAsJsonObject().getAsJsonArray("to")) {
          result.add(peer.getAsJsonObject().getAsJsonObject("ipBlock").get("cidr").getAsString());
        }
      }
    }
    return result;
  }

  static JsonObject condition(JsonObject status, String type) {
    for (JsonElement c : status.getAsJsonArray("conditions")) {
      if (c.getAsJsonObject().get("type").getAsString().equals(type)) {
        return c.getAsJsonObject();
      }
    }
    throw new AssertionError("no " + type + " condition in " + status);
  }

  /** {@code reason/reportingComponent} of each event on the named object, space-separated. */
  static String events(TestBed bed, String namespace, String name) {
    return bed.kubectl(
        "get",
        "events",
        "-n",
        namespace,
        "--field-selector",
        "involvedObject.name=" + name,
        "-o",
        "jsonpath={range .items[*]}{.reason}/{.reportingComponent} {end}");
  }

  /**
   * Starts a Job from the CronJob with {@code kubectl create job --from} and returns the pod the
   * Job controller creates for it. A pod that admission refuses (Pod Security, say) never appears;
   * the failure then shows the namespace's events, which name the reason.
   */
  static JsonObject podFromCronJob(TestBed bed, String namespace, String jobName)
      throws InterruptedException {
    bed.kubectl("create", "job", jobName, "--from=cronjob/" + NAME, "-n", namespace);
    Instant deadline = Instant.now().plus(WAIT);
    while (Instant.now().isBefore(deadline)) {
      JsonArray items =
          JsonParser.parseString(
                  bed.kubectl(
                      "get", "pods", "-n", namespace, "-l", "job-name=" + jobName, "-o", "json"))
              .getAsJsonObject()
              .getAsJsonArray("items");
      if (!items.isEmpty()) {
        return items.get(0).getAsJsonObject();
      }
      Thread.sleep(250);
    }
    return fail(
        "no pod for Job "
            + jobName
            + " within "
            + WAIT.toSeconds()
            + " s; events:\n"
            + bed.kubectl("get", "events", "-n", namespace));
  }

  /** Deletes a Job and its pods without waiting. */
  static void deleteJob(TestBed bed, String namespace, String jobName) {
    bed.kubectl(
        "delete",
        "job",
        jobName,
        "-n",
        namespace,
        "--cascade=background",
        "--wait=false",
        "--ignore-not-found");
  }

  /** Asks the API server whether the client's user may do {@code verb}: a real authorisation. */
  static boolean allowed(
      ApiClient client,
      String verb,
      String group,
      String resource,
      String subresource,
      String namespace)
      throws ApiException {
    V1SelfSubjectAccessReview review =
        new V1SelfSubjectAccessReview()
            .spec(
                new V1SelfSubjectAccessReviewSpec()
                    .resourceAttributes(
                        new V1ResourceAttributes()
                            .verb(verb)
                            .group(group)
                            .resource(resource)
                            .subresource(subresource)
                            .namespace(namespace)));
    return new AuthorizationV1Api(client)
        .createSelfSubjectAccessReview(review)
        .execute()
        .getStatus()
        .getAllowed();
  }

  /**
   * Waits until the client's user may list fqdn resources in {@code namespace} (null: cluster
   * wide): the RBAC authoriser sees a new binding moments after it is written.
   */
  static void awaitBindingInEffect(ApiClient client, String namespace) throws Exception {
    Instant deadline = Instant.now().plus(WAIT);
    while (!allowed(client, "list", GROUP, PLURAL, null, namespace)) {
      if (Instant.now().isAfter(deadline)) {
        fail("the job's binding did not take effect within " + WAIT.toSeconds() + " s");
      }
      Thread.sleep(200);
    }
  }

  /** A call to the API server that the test expects to be refused. */
  interface ApiCall {
    void run() throws ApiException;
  }

  /** Runs {@code call} and fails unless the API server refuses it with HTTP 403 Forbidden. */
  static void assertForbidden(String what, ApiCall call) {
    try {
      call.run();
    } catch (ApiException e) {
      assertEquals(
          403, e.getCode(), what + ": expected HTTP 403, got " + e.getCode() + " " + body(e));
      return;
    }
    fail(what + ": expected HTTP 403, but the API server allowed it");
  }

  private static String body(ApiException e) {
    return e.getResponseBody() == null ? String.valueOf(e.getMessage()) : e.getResponseBody();
  }

  /** Waits until a namespace of an earlier run, still being deleted, is gone. */
  static void awaitNamespaceGone(TestBed bed, String namespace) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    JsonObject ns;
    // One read per round: the namespace may be gone between two reads.
    while ((ns = tryGet(bed, "namespace", namespace, "default")) != null) {
      if (!"Terminating".equals(ns.getAsJsonObject("status").get("phase").getAsString())) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        fail("namespace " + namespace + " is still terminating after 2 minutes");
      }
      Thread.sleep(500);
    }
  }
}
