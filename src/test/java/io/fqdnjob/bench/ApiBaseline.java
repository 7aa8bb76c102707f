package io.fqdnjob.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.util.Config;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The baselines of scripts/bench.sh: the same reads or writes as a run of the job, sent by the
 * simplest client there is, so that the job's wall time can be compared with what the API server
 * itself needs for them.
 *
 * <p>It uses the HTTP stack the job uses (OkHttp over HTTP/2 from client-java, same TLS) but none
 * of the job's logic. In the write modes ({@code status}, {@code cold}), before the clock starts it
 * lists the resources and prepares every request body; then a fixed pool of {@code --concurrency}
 * threads sends them, each thread one request at a time (the job's {@code --api-concurrency} works
 * the same way). The time printed covers the sending only, never this JVM's start or the listing.
 * The writes go with the credentials of {@code --kubeconfig} (those the job used); listing and
 * clean-up with {@code --admin-kubeconfig}.
 *
 * <ul>
 *   <li>{@code --mode list}: reads what a run of the job reads and nothing more, the list-only
 *       baseline of a run at rest: the fqdn resources matching {@code --selector} cluster-wide,
 *       then every NetworkPolicy cluster-wide, in pages of 500, each page parsed into a JSON tree
 *       as the job parses it and then dropped. All with the credentials of {@code --kubeconfig}
 *       (admin credentials are not used); a list whose continue token expired (410) starts over, as
 *       the job's does. The timed part starts with the first request: scripts/bench.sh times the
 *       whole process, JVM start included, as it times the job.
 *   <li>{@code --mode status}: one status server-side apply per resource, with the status the
 *       resource has and {@code latestLookupTime} set to now, so that each apply changes the
 *       object, as the job's applies do in a steady run.
 *   <li>{@code --mode cold}: per resource, what a first run sends: a NetworkPolicy apply that
 *       creates one (a copy of the job's, named {@code <name>-bl}), the status apply, and an Event.
 *       The copies are deleted afterwards, outside the timed part.
 * </ul>
 *
 * <p>Prints one JSON object on stdout.
 */
public final class ApiBaseline {
  private static final MediaType APPLY = MediaType.get("application/apply-patch+yaml");
  private static final MediaType JSON = MediaType.get("application/json");
  private static final String GROUP_VERSION = "fqdn.konsole.is/v1alpha1";
  private static final String BASELINE_LABEL = "fqdn-job.bench/baseline";

  private final OkHttpClient http;
  private final String base;
  private final OkHttpClient admin;
  private final String adminBase;

  private ApiBaseline(OkHttpClient http, String base, OkHttpClient admin, String adminBase) {
    this.http = http;
    this.base = base;
    this.admin = admin;
    this.adminBase = adminBase;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i], args[i + 1]);
    }
    String mode = options.getOrDefault("--mode", "status");
    int concurrency = Integer.parseInt(options.getOrDefault("--concurrency", "8"));
    String selector = options.get("--selector");
    ApiClient client = Config.fromConfig(options.get("--kubeconfig"));
    OkHttpClient http = sender(client, concurrency);
    if (mode.equals("list")) {
      listOnly(http, client.getBasePath(), selector);
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
      return;
    }
    ApiClient adminClient =
        Config.fromConfig(options.getOrDefault("--admin-kubeconfig", options.get("--kubeconfig")));
    OkHttpClient admin =
        adminClient.getHttpClient().newBuilder().readTimeout(60, TimeUnit.SECONDS).build();
    ApiBaseline baseline =
        new ApiBaseline(http, client.getBasePath(), admin, adminClient.getBasePath());

    List<JsonObject> resources =
        baseline.listAll("/apis/" + GROUP_VERSION + "/fqdnnetworkpolicies", selector);
    List<Callable<Integer>> work = new ArrayList<>();
    String description;
    Set<String> namespaces = new LinkedHashSet<>();
    if (mode.equals("status")) {
      description = "status apply per resource";
      for (JsonObject resource : resources) {
        work.add(baseline.statusApply(resource));
      }
    } else if (mode.equals("cold")) {
      description = "NetworkPolicy create + status apply + Event per resource";
      Map<String, JsonObject> policies = new HashMap<>();
      for (JsonObject policy :
          baseline.listAll("/apis/networking.k8s.io/v1/networkpolicies", null)) {
        policies.put(key(policy), policy);
      }
      for (JsonObject resource : resources) {
        JsonObject policy = policies.get(key(resource));
        if (policy == null) {
          throw new IllegalStateException("no NetworkPolicy for " + key(resource));
        }
        namespaces.add(metadata(resource).get("namespace").getAsString());
        List<Callable<Integer>> steps =
            List.of(
                baseline.networkPolicyCreate(policy),
                baseline.statusApply(resource),
                baseline.event(resource));
        work.add(() -> {
          int failures = 0;
          for (Callable<Integer> step : steps) {
            failures += step.call();
          }
          return failures;
        });
      }
    } else {
      throw new IllegalArgumentException("--mode must be list, status or cold");
    }

    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuStarted = os.getProcessCpuTime();
    long started = System.nanoTime();
    List<Future<Integer>> futures = pool.invokeAll(work);
    long ended = System.nanoTime();
    long cpu = os.getProcessCpuTime() - cpuStarted;
    int errors = 0;
    for (Future<Integer> future : futures) {
      errors += future.get();
    }
    pool.shutdown();
    for (String namespace : namespaces) {
      baseline.deleteCopies(namespace);
    }

    int perResource = mode.equals("cold") ? 3 : 1;
    JsonObject result = new JsonObject();
    result.addProperty("mode", mode);
    result.addProperty("description", description);
    result.addProperty("concurrency", concurrency);
    result.addProperty("resources", resources.size());
    result.addProperty("requests", resources.size() * perResource);
    result.addProperty("errors", errors);
    result.addProperty("seconds", Math.round((ended - started) / 1e6) / 1000.0);
    result.addProperty("cpuSeconds", Math.round(cpu / 1e6) / 1000.0);
    System.out.println(result);
    for (OkHttpClient each : List.of(http, admin)) {
      each.dispatcher().executorService().shutdown();
      each.connectionPool().evictAll();
    }
  }

  /**
   * The OkHttp client of {@code client} sending at most {@code concurrency} requests at a time,
   * with the credentials of {@code client}.
   */
  private static OkHttpClient sender(ApiClient client, int concurrency) throws ApiException {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(concurrency);
    dispatcher.setMaxRequestsPerHost(concurrency);
    // A token is added per call by ApiClient rather than by its OkHttp client; do the same here.
    Map<String, String> authHeaders = new HashMap<>();
    client.updateParamsForAuth(
        new String[] {"BearerToken"},
        new ArrayList<>(),
        authHeaders,
        new HashMap<>(),
        null,
        "GET",
        URI.create(client.getBasePath()));
    return client
        .getHttpClient()
        .newBuilder()
        .dispatcher(dispatcher)
        .addInterceptor(chain -> {
          Request.Builder request = chain.request().newBuilder();
          authHeaders.forEach(request::header);
          return chain.proceed(request.build());
        })
        .readTimeout(60, TimeUnit.SECONDS)
        .build();
  }

  /** {@code --mode list}: lists what the job lists, keeps nothing, prints the counts. */
  private static void listOnly(OkHttpClient http, String base, String selector) throws IOException {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuStarted = os.getProcessCpuTime();
    long started = System.nanoTime();
    int[] fqdn = countAll(http, base, "/apis/" + GROUP_VERSION + "/fqdnnetworkpolicies", selector);
    int[] policies = countAll(http, base, "/apis/networking.k8s.io/v1/networkpolicies", null);
    long ended = System.nanoTime();
    long cpu = os.getProcessCpuTime() - cpuStarted;
    JsonObject result = new JsonObject();
    result.addProperty("mode", "list");
    result.addProperty(
        "description",
        "list the fqdn resources (label selector) and all NetworkPolicies, pages of 500, parse"
            + " each page, keep nothing");
    result.addProperty("resources", fqdn[0]);
    result.addProperty("networkPolicies", policies[0]);
    result.addProperty("requests", fqdn[1] + policies[1]);
    result.addProperty("pagesFqdn", fqdn[1]);
    result.addProperty("pagesNetworkPolicies", policies[1]);
    result.addProperty("restarts", fqdn[2] + policies[2]);
    result.addProperty("errors", 0);
    result.addProperty("seconds", Math.round((ended - started) / 1e6) / 1000.0);
    result.addProperty("cpuSeconds", Math.round(cpu / 1e6) / 1000.0);
    result.addProperty(
        "jvmStartToEndSeconds",
        Math.round(System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime())
            / 1000.0);
    System.out.println(result);
  }

  /**
   * Lists {@code path} in pages of 500 and returns {items, pages, restarts}; each page is parsed
   * whole and dropped. A 410 (continue token expired) starts the list over, at most 3 times.
   */
  private static int[] countAll(OkHttpClient http, String base, String path, String selector)
      throws IOException {
    int pages = 0;
    for (int restart = 0; ; restart++) {
      int items = 0;
      String token = null;
      boolean expired = false;
      do {
        StringBuilder url = new StringBuilder(base).append(path).append("?limit=500");
        if (selector != null) {
          url.append("&labelSelector=").append(URLEncoder.encode(selector, StandardCharsets.UTF_8));
        }
        if (token != null) {
          url.append("&continue=").append(URLEncoder.encode(token, StandardCharsets.UTF_8));
        }
        pages++;
        try (Response response =
            http.newCall(new Request.Builder().url(url.toString()).build()).execute()) {
          if (response.code() == 410 && restart < 3) {
            expired = true;
            break;
          }
          if (!response.isSuccessful()) {
            throw new IOException("list " + path + ": HTTP " + response.code());
          }
          JsonObject page = JsonParser.parseString(response.body().string()).getAsJsonObject();
          JsonArray pageItems = page.getAsJsonArray("items");
          for (JsonElement item : pageItems) {
            if (item.isJsonObject()) {
              items++;
            }
          }
          JsonObject meta = page.getAsJsonObject("metadata");
          token = meta != null && meta.has("continue") ? meta.get("continue").getAsString() : null;
        }
      } while (token != null && !token.isEmpty());
      if (!expired) {
        return new int[] {items, pages, restart};
      }
      System.err.println("list " + path + ": continue token expired, listing again from the start");
    }
  }

  private Callable<Integer> statusApply(JsonObject resource) {
    JsonObject meta = metadata(resource);
    JsonObject status =
        resource.has("status") ? resource.getAsJsonObject("status").deepCopy() : new JsonObject();
    status.addProperty(
        "latestLookupTime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    JsonObject body = new JsonObject();
    body.addProperty("apiVersion", GROUP_VERSION);
    body.addProperty("kind", "NetworkPolicy");
    JsonObject bodyMeta = new JsonObject();
    bodyMeta.add("name", meta.get("name"));
    bodyMeta.add("namespace", meta.get("namespace"));
    body.add("metadata", bodyMeta);
    body.add("status", status);
    String path =
        "/apis/"
            + GROUP_VERSION
            + "/namespaces/"
            + meta.get("namespace").getAsString()
            + "/fqdnnetworkpolicies/"
            + meta.get("name").getAsString()
            + "/status?fieldManager=fqdn-job&force=true";
    return send("PATCH", path, RequestBody.create(body.toString(), APPLY));
  }

  private Callable<Integer> networkPolicyCreate(JsonObject live) {
    JsonObject meta = metadata(live);
    String name = meta.get("name").getAsString() + "-bl";
    String namespace = meta.get("namespace").getAsString();
    JsonObject body = new JsonObject();
    body.addProperty("apiVersion", "networking.k8s.io/v1");
    body.addProperty("kind", "NetworkPolicy");
    JsonObject bodyMeta = new JsonObject();
    bodyMeta.addProperty("name", name);
    bodyMeta.addProperty("namespace", namespace);
    JsonObject labels =
        meta.has("labels") ? meta.getAsJsonObject("labels").deepCopy() : new JsonObject();
    labels.addProperty(BASELINE_LABEL, "true");
    bodyMeta.add("labels", labels);
    if (meta.has("ownerReferences")) {
      bodyMeta.add("ownerReferences", meta.get("ownerReferences"));
    }
    body.add("metadata", bodyMeta);
    body.add("spec", live.get("spec"));
    String path =
        "/apis/networking.k8s.io/v1/namespaces/"
            + namespace
            + "/networkpolicies/"
            + name
            + "?fieldManager=fqdn-job&force=true";
    return send("PATCH", path, RequestBody.create(body.toString(), APPLY));
  }

  private Callable<Integer> event(JsonObject resource) {
    JsonObject meta = metadata(resource);
    String namespace = meta.get("namespace").getAsString();
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    JsonObject involved = new JsonObject();
    involved.addProperty("apiVersion", GROUP_VERSION);
    involved.addProperty("kind", "NetworkPolicy");
    involved.addProperty("namespace", namespace);
    involved.add("name", meta.get("name"));
    involved.add("uid", meta.get("uid"));
    JsonObject eventMeta = new JsonObject();
    eventMeta.addProperty("generateName", meta.get("name").getAsString() + ".bl.");
    eventMeta.addProperty("namespace", namespace);
    JsonObject source = new JsonObject();
    source.addProperty("component", "fqdn-job");
    JsonObject body = new JsonObject();
    body.addProperty("apiVersion", "v1");
    body.addProperty("kind", "Event");
    body.add("metadata", eventMeta);
    body.add("involvedObject", involved);
    body.addProperty("type", "Normal");
    body.addProperty("reason", "Created");
    body.addProperty("message", "Created NetworkPolicy (baseline)");
    body.add("source", source);
    body.addProperty("reportingComponent", "fqdn-job");
    body.addProperty("reportingInstance", "baseline");
    body.addProperty("firstTimestamp", now);
    body.addProperty("lastTimestamp", now);
    body.addProperty("count", 1);
    return send(
        "POST",
        "/api/v1/namespaces/" + namespace + "/events",
        RequestBody.create(body.toString(), JSON));
  }

  /** Returns a call that sends one request and returns 1 when it failed, else 0. */
  private Callable<Integer> send(String method, String path, RequestBody body) {
    Request request = new Request.Builder().url(base + path).method(method, body).build();
    return () -> {
      try (Response response = http.newCall(request).execute()) {
        if (response.isSuccessful()) {
          return 0;
        }
        System.err.println(method + " " + path + ": HTTP " + response.code());
        return 1;
      } catch (IOException e) {
        System.err.println(method + " " + path + ": " + e);
        return 1;
      }
    };
  }

  private void deleteCopies(String namespace) throws IOException {
    String path =
        "/apis/networking.k8s.io/v1/namespaces/"
            + namespace
            + "/networkpolicies?labelSelector="
            + URLEncoder.encode(BASELINE_LABEL + "=true", StandardCharsets.UTF_8);
    Request request = new Request.Builder().url(adminBase + path).delete().build();
    try (Response response = admin.newCall(request).execute()) {
      if (!response.isSuccessful()) {
        throw new IOException("deleting the baseline's NetworkPolicies: HTTP " + response.code());
      }
    }
  }

  private List<JsonObject> listAll(String path, String selector) throws IOException {
    List<JsonObject> items = new ArrayList<>();
    String token = null;
    do {
      StringBuilder url = new StringBuilder(adminBase).append(path).append("?limit=500");
      if (selector != null) {
        url.append("&labelSelector=").append(URLEncoder.encode(selector, StandardCharsets.UTF_8));
      }
      if (token != null) {
        url.append("&continue=").append(URLEncoder.encode(token, StandardCharsets.UTF_8));
      }
      try (Response response =
          admin.newCall(new Request.Builder().url(url.toString()).build()).execute()) {
        if (!response.isSuccessful()) {
          throw new IOException("list " + path + ": HTTP " + response.code());
        }
        JsonObject page = JsonParser.parseString(response.body().string()).getAsJsonObject();
        JsonArray pageItems = page.getAsJsonArray("items");
        for (JsonElement item : pageItems) {
          items.add(item.getAsJsonObject());
        }
        JsonObject meta = page.getAsJsonObject("metadata");
        token = meta != null && meta.has("continue") ? meta.get("continue").getAsString() : null;
      }
    } while (token != null && !token.isEmpty());
    return items;
  }

  private static JsonObject metadata(JsonObject object) {
    return object.getAsJsonObject("metadata");
  }

  private static String key(JsonObject object) {
    JsonObject meta = metadata(object);
    return meta.get("namespace").getAsString() + "/" + meta.get("name").getAsString();
  }
}
