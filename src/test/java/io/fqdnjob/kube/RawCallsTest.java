package io.fqdnjob.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.ResourceId;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import org.junit.jupiter.api.Test;

/** The server-side applies as they leave the client; an interceptor answers, nothing is sent. */
class RawCallsTest {
  private record Sent(Request request, String body) {}

  private final List<Sent> sent = new ArrayList<>();

  private ApiClient answering(int code, String body) {
    ApiClient client = new ApiClient();
    client.setBasePath("https://api.invalid:6443");
    client.setHttpClient(
        new OkHttpClient.Builder()
            .addInterceptor(chain -> {
              Request request = chain.request();
              sent.add(new Sent(request, text(request)));
              return new Response.Builder()
                  .request(request)
                  .protocol(Protocol.HTTP_2)
                  .code(code)
                  .message(code == 200 ? "OK" : "Unprocessable Entity")
                  .body(ResponseBody.create(body, MediaType.get("application/json")))
                  .build();
            })
            .build());
    return client;
  }

  private static String text(Request request) throws IOException {
    if (request.body() == null) {
      return "";
    }
    Buffer buffer = new Buffer();
    request.body().writeTo(buffer);
    return buffer.readUtf8();
  }

  @Test
  void statusIsServerSideAppliedToTheStatusSubresource() throws Exception {
    FqdnPolicyStore store =
        new FqdnPolicyStore(answering(200, "{\"kind\":\"NetworkPolicy\"}"), ApiRetry.standard());
    store.applyStatus(new ResourceId("team-a", "web"), "41", FqdnNetworkPolicyStatus.EMPTY, false);

    Request request = sent.get(0).request();
    assertEquals("PATCH", request.method());
    assertEquals(
        "/apis/fqdn.konsole.is/v1alpha1/namespaces/team-a/fqdnnetworkpolicies/web/status",
        request.url().encodedPath());
    assertEquals("fqdn-job", request.url().queryParameter("fieldManager"));
    assertEquals("true", request.url().queryParameter("force"));
    assertNull(request.url().queryParameter("dryRun"));
    assertEquals("application/apply-patch+yaml", request.header("Content-Type"));
    assertEquals("application/apply-patch+yaml", request.body().contentType().toString());
    JsonObject body = JsonParser.parseString(sent.get(0).body()).getAsJsonObject();
    assertEquals("fqdn.konsole.is/v1alpha1", body.get("apiVersion").getAsString());
    assertEquals("web", body.getAsJsonObject("metadata").get("name").getAsString());
    assertEquals("team-a", body.getAsJsonObject("metadata").get("namespace").getAsString());
    assertEquals("41", body.getAsJsonObject("metadata").get("resourceVersion").getAsString());
    assertEquals(1, sent.size());
  }

  @Test
  void networkPolicyIsServerSideAppliedAsDryRunWhenAsked() throws Exception {
    NetworkPolicyStore store = new NetworkPolicyStore(answering(200, "{}"), ApiRetry.standard());
    JsonObject policy =
        JsonParser.parseString("{\"apiVersion\":\"networking.k8s.io/v1\",\"spec\":{}}")
            .getAsJsonObject();
    store.apply(new ResourceId("team-a", "web"), policy, true);

    Request request = sent.get(0).request();
    assertEquals("PATCH", request.method());
    assertEquals(
        "/apis/networking.k8s.io/v1/namespaces/team-a/networkpolicies/web",
        request.url().encodedPath());
    assertEquals("All", request.url().queryParameter("dryRun"));
    assertEquals("application/apply-patch+yaml", request.header("Content-Type"));
    assertEquals(policy, JsonParser.parseString(sent.get(0).body()));
  }

  @Test
  void refusedApplyThrowsWithTheServersCodeAndMessage() {
    NetworkPolicyStore store =
        new NetworkPolicyStore(
            answering(422, "{\"kind\":\"Status\",\"message\":\"spec.podSelector: Required\"}"),
            ApiRetry.standard());
    ApiException e =
        assertThrows(
            ApiException.class,
            () -> store.apply(new ResourceId("team-a", "web"), new JsonObject(), false));
    assertEquals(422, e.getCode());
    assertEquals(
        "PATCH /apis/networking.k8s.io/v1/namespaces/team-a/networkpolicies/web on API server"
            + " api.invalid:6443: HTTP 422: spec.podSelector: Required",
        ApiRetry.describe(e));
    assertEquals(1, sent.size(), "a refused apply is not retried");
  }

  @Test
  void transportFailureNamesTheRequestAndTheApiServer() {
    ApiClient client = new ApiClient();
    client.setBasePath("https://api.invalid:6443");
    client.setHttpClient(
        new OkHttpClient.Builder()
            .addInterceptor(chain -> {
              throw new java.net.SocketTimeoutException("timeout");
            })
            .build());
    NetworkPolicyStore store = new NetworkPolicyStore(client, new ApiRetry(1, null, null));
    ApiException e =
        assertThrows(
            ApiException.class,
            () -> store.apply(new ResourceId("team-a", "web"), new JsonObject(), false));
    assertEquals(
        "PATCH /apis/networking.k8s.io/v1/namespaces/team-a/networkpolicies/web on API server"
            + " api.invalid:6443: SocketTimeoutException: timeout",
        ApiRetry.describe(e));
  }

  @Test
  void eachCallIsBoundedByWhatIsLeftOfTheDeadline() {
    okhttp3.Call call =
        new OkHttpClient.Builder()
            .callTimeout(java.time.Duration.ofSeconds(30))
            .build()
            .newCall(new Request.Builder().url("https://api.invalid:6443/api").build());
    RawCalls.bound(
        call,
        Deadline.after(
            java.time.Duration.ofSeconds(4),
            java.time.Clock.fixed(java.time.Instant.now(), java.time.ZoneOffset.UTC)));
    assertEquals(4_000_000_000L, call.timeout().timeoutNanos());

    okhttp3.Call unbounded =
        new OkHttpClient.Builder()
            .callTimeout(java.time.Duration.ofSeconds(30))
            .build()
            .newCall(new Request.Builder().url("https://api.invalid:6443/api").build());
    RawCalls.bound(unbounded, Deadline.none());
    assertEquals(30_000_000_000L, unbounded.timeout().timeoutNanos());
  }

  private okhttp3.Call listEndpointSlices(ApiClient client) throws ApiException {
    return new DiscoveryV1Api(client)
        .listNamespacedEndpointSlice("kube-system")
        .labelSelector("kubernetes.io/service-name=kube-dns")
        .buildCall(null);
  }

  @Test
  void aTypedReadIsBoundedByTheDeadlineAndReadIntoTheModel() throws Exception {
    List<Long> timeouts = new ArrayList<>();
    ApiClient client =
        answering(
            200,
            "{\"kind\":\"EndpointSliceList\",\"items\":[{"
                + "\"metadata\":{\"name\":\"kube-dns-x\","
                + "\"creationTimestamp\":\"2026-12-08T00:00:00Z\",\"managedFields\":"
                + "[{\"time\":\"2026-12-08T00:00:01Z\",\"fieldsV1\":{\"f:a\":{}}}]},"
                + "\"addressType\":\"IPv4\",\"ports\":[{\"name\":\"dns\",\"protocol\":\"UDP\","
                + "\"port\":53}],\"endpoints\":[{\"addresses\":[\"10.0.0.10\"],"
                + "\"conditions\":{\"ready\":false},\"aFieldOfALaterRelease\":1}]}]}");
    OkHttpClient.Builder recording = client.getHttpClient().newBuilder();
    // Before the interceptor that answers: it sees the call's timeout as the request leaves.
    recording
        .interceptors()
        .add(
            0,
            chain -> {
              timeouts.add(chain.call().timeout().timeoutNanos());
              return chain.proceed(chain.request());
            });
    client.setHttpClient(recording.build());
    Deadline deadline =
        Deadline.after(
            java.time.Duration.ofSeconds(4),
            java.time.Clock.fixed(java.time.Instant.now(), java.time.ZoneOffset.UTC));

    V1EndpointSliceList list =
        RawCalls.typed(deadline, listEndpointSlices(client), V1EndpointSliceList.class);

    assertEquals(List.of(4_000_000_000L), timeouts);
    Request request = sent.get(0).request();
    assertEquals(
        "/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices",
        request.url().encodedPath());
    assertEquals(
        "kubernetes.io/service-name=kube-dns", request.url().queryParameter("labelSelector"));
    V1EndpointSlice slice = list.getItems().get(0);
    assertEquals("IPv4", slice.getAddressType());
    assertEquals(
        java.time.OffsetDateTime.parse("2026-12-08T00:00:00Z"),
        slice.getMetadata().getCreationTimestamp());
    assertEquals(53, slice.getPorts().get(0).getPort());
    assertEquals(List.of("10.0.0.10"), slice.getEndpoints().get(0).getAddresses());
    assertEquals(false, slice.getEndpoints().get(0).getConditions().getReady());
  }

  @Test
  void aRefusedTypedReadNamesTheRequestAndKeepsTheServersAnswer() throws Exception {
    ApiClient client =
        answering(403, "{\"kind\":\"Status\",\"message\":\"endpointslices is forbidden\"}");
    ApiException e =
        assertThrows(
            RequestFailedException.class,
            () ->
                RawCalls.typed(
                    Deadline.none(), listEndpointSlices(client), V1EndpointSliceList.class));
    assertEquals(403, e.getCode());
    assertEquals(
        "GET /apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices on API server"
            + " api.invalid:6443: HTTP 403: endpointslices is forbidden",
        ApiRetry.describe(e));
    assertFalse(ApiRetry.isRetryable(e));
  }

  @Test
  void aTypedReadThatFailsInTransitOrReadsNoListNamesTheRequestAndIsRetryable() throws Exception {
    ApiClient timingOut = new ApiClient();
    timingOut.setBasePath("https://api.invalid:6443");
    timingOut.setHttpClient(
        new OkHttpClient.Builder()
            .addInterceptor(chain -> {
              throw new java.net.SocketTimeoutException("timeout");
            })
            .build());
    ApiException timeout =
        assertThrows(
            RequestFailedException.class,
            () ->
                RawCalls.typed(
                    Deadline.none(), listEndpointSlices(timingOut), V1EndpointSliceList.class));
    assertEquals(
        "GET /apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices on API server"
            + " api.invalid:6443: SocketTimeoutException: timeout",
        ApiRetry.describe(timeout));
    assertTrue(ApiRetry.isRetryable(timeout));

    ApiClient garbled = answering(200, "{\"items\":\"not a list\"}");
    ApiException notAList =
        assertThrows(
            RequestFailedException.class,
            () ->
                RawCalls.typed(
                    Deadline.none(), listEndpointSlices(garbled), V1EndpointSliceList.class));
    assertTrue(
        ApiRetry.describe(notAList)
            .startsWith(
                "GET /apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices on API server"
                    + " api.invalid:6443: IOException: the answer is not a V1EndpointSliceList: "),
        ApiRetry.describe(notAList));
  }

  private RawCalls.Page<String> page(int code, String body) throws ApiException {
    ApiClient client = answering(code, body);
    okhttp3.Call call =
        client
            .getHttpClient()
            .newCall(new Request.Builder().url("https://api.invalid:6443/list").build());
    return RawCalls.page(
        Deadline.none(),
        call,
        item -> {
          JsonObject metadata = item.getAsJsonObject("metadata");
          String name = metadata.get("name").getAsString();
          // convert sees an item whole, managedFields included
          return name.startsWith("skip")
              ? null
              : name + "/" + metadata.getAsJsonArray("managedFields").size();
        });
  }

  @Test
  void aPageIsReadItemByItemWithItsContinueTokenWhereverTheServerPutsIt() throws Exception {
    String item = "{\"metadata\":{\"name\":\"%s\",\"managedFields\":[{},{}]},\"spec\":{}}";
    RawCalls.Page<String> page =
        page(
            200,
            "{\"kind\":\"List\",\"items\":["
                + String.format(item, "a")
                + ","
                + String.format(item, "skip-me")
                + ","
                + String.format(item, "b")
                + "],\"metadata\":{\"continue\":\"next-token\",\"remainingItemCount\":3}}");

    assertEquals(List.of("a/2", "b/2"), page.items());
    assertEquals("next-token", page.continueToken());
  }

  @Test
  void theLastPageHasNoContinueToken() throws Exception {
    assertNull(page(200, "{\"metadata\":{\"continue\":\"\"},\"items\":[]}").continueToken());
    assertNull(page(200, "{\"metadata\":{},\"items\":[]}").continueToken());
    assertEquals(List.of(), page(200, "{\"kind\":\"List\"}").items());
  }

  @Test
  void whatConvertKeepsOfAnItemHasNoManagedFields() throws Exception {
    List<JsonObject> kept = new ArrayList<>();
    ApiClient client =
        answering(
            200,
            "{\"items\":[{\"metadata\":{\"name\":\"a\",\"managedFields\":[{}]}}],\"metadata\":{}}");
    RawCalls.page(
        Deadline.none(),
        client
            .getHttpClient()
            .newCall(new Request.Builder().url("https://api.invalid:6443/list").build()),
        item -> {
          kept.add(item);
          return item;
        });

    assertEquals(1, kept.size());
    assertEquals("{\"name\":\"a\"}", kept.get(0).getAsJsonObject("metadata").toString());
  }

  @Test
  void aRefusedListThrowsWithTheServersCodeAndItsBody() {
    String status =
        "{\"kind\":\"Status\",\"code\":410,\"metadata\":{\"continue\":\"fresh\"},"
            + "\"message\":\"The provided continue parameter is too old\"}";
    ApiException e = assertThrows(ApiException.class, () -> page(410, status));

    assertEquals(410, e.getCode());
    assertEquals("fresh", Pagination.inconsistentContinue(e));
  }

  @Test
  void anAnswerThatIsNotAListThrowsNamingTheRequest() {
    ApiException e = assertThrows(ApiException.class, () -> page(200, "[1,2]"));

    assertTrue(
        ApiRetry.describe(e).startsWith("GET /list on API server api.invalid:6443: "),
        ApiRetry.describe(e));
    assertThrows(ApiException.class, () -> page(200, "{\"items\":[{\"metadata\":"));
  }
}
