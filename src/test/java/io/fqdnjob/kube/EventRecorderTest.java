package io.fqdnjob.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fqdnjob.model.ResourceId;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;

/** Events are best effort: one attempt, none after the deadline; an interceptor answers. */
class EventRecorderTest {
  private final AtomicInteger sent = new AtomicInteger();

  private ApiClient unavailable() {
    ApiClient client = new ApiClient();
    client.setBasePath("https://api.invalid:6443");
    client.setHttpClient(
        new OkHttpClient.Builder()
            .addInterceptor(chain -> {
              sent.incrementAndGet();
              return new Response.Builder()
                  .request(chain.request())
                  .protocol(Protocol.HTTP_2)
                  .code(503)
                  .message("Service Unavailable")
                  .body(ResponseBody.create("{}", MediaType.get("application/json")))
                  .build();
            })
            .build());
    return client;
  }

  @Test
  void aFailedEventIsNotRetried() {
    new EventRecorder(unavailable(), ApiRetry.standard(), "pod-1")
        .record(new ResourceId("a", "b"), "uid", EventRecorder.Type.Normal, "Updated", "m");
    assertEquals(1, sent.get());
  }

  @Test
  void noEventIsSentAfterTheDeadline() {
    ApiRetry retry =
        ApiRetry.standard().withDeadline(Deadline.after(Duration.ZERO, Clock.systemUTC()));
    new EventRecorder(unavailable(), retry, "pod-1")
        .record(new ResourceId("a", "b"), "uid", EventRecorder.Type.Normal, "Updated", "m");
    assertEquals(0, sent.get());
  }
}
