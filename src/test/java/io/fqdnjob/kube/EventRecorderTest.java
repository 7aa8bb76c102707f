package io.fqdnjob.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * Events are best effort (one attempt, none after the deadline; an interceptor answers), and their
 * names say what they are about, so that overlapping runs announce a change once.
 */
class EventRecorderTest {
  private static final ResourceId ID = new ResourceId("shop", "api-egress");
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
        .record(
            new ResourceId("a", "b"), "uid", "1/none", EventRecorder.Type.Normal, "Updated", "m");
    assertEquals(1, sent.get());
  }

  @Test
  void noEventIsSentAfterTheDeadline() {
    ApiRetry retry =
        ApiRetry.standard().withDeadline(Deadline.after(Duration.ZERO, Clock.systemUTC()));
    new EventRecorder(unavailable(), retry, "pod-1")
        .record(
            new ResourceId("a", "b"), "uid", "1/none", EventRecorder.Type.Normal, "Updated", "m");
    assertEquals(0, sent.get());
  }

  @Test
  void theSameDecisionFromTheSameStateHasTheSameName() {
    String name = EventRecorder.eventName(ID, "u-1", "41/none", "Created");
    assertEquals(name, EventRecorder.eventName(ID, "u-1", "41/none", "Created"));
    assertTrue(name.matches("api-egress\\.[0-9a-f]{16}"), name);
  }

  @Test
  void anotherStateReasonOrObjectHasAnotherName() {
    String name = EventRecorder.eventName(ID, "u-1", "41/none", "Created");
    assertNotEquals(name, EventRecorder.eventName(ID, "u-1", "42/none", "Created"));
    assertNotEquals(name, EventRecorder.eventName(ID, "u-1", "41/none", "ApplyFailed"));
    assertNotEquals(name, EventRecorder.eventName(ID, "u-2", "41/none", "Created"));
  }

  @Test
  void aLongResourceNameIsCutSoTheNameStaysValid() {
    ResourceId longName = new ResourceId("shop", "a".repeat(253));
    String name = EventRecorder.eventName(longName, "u-1", "1/none", "Created");
    assertEquals(253, name.length());
  }
}
