package io.fqdnjob.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubernetes.client.openapi.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Retries within the run's deadline: never an attempt or a sleep past it. */
class ApiRetryTest {
  private static final Clock FROZEN =
      Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  private static ApiException throttled(long retryAfterSeconds) {
    return new ApiException(
        "Too Many Requests",
        429,
        Map.of("Retry-After", List.of(String.valueOf(retryAfterSeconds))),
        "{}");
  }

  @Test
  void retriesUntilTheCallSucceedsWhenThereIsNoDeadline() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    ApiRetry retry = new ApiRetry(5, Duration.ofMillis(1), Duration.ofMillis(2));
    String result =
        retry.call(
            "get x",
            () -> {
              if (attempts.incrementAndGet() < 3) {
                throw new ApiException("boom", 503, null, "");
              }
              return "ok";
            });
    assertEquals("ok", result);
    assertEquals(3, attempts.get());
  }

  @Test
  void givesUpAtOnceWhenRetryAfterEndsPastTheDeadline() {
    AtomicInteger attempts = new AtomicInteger();
    ApiRetry retry =
        new ApiRetry(5, Duration.ofMillis(200), Duration.ofSeconds(5))
            .withDeadline(Deadline.after(Duration.ofSeconds(3), FROZEN));
    DeadlineExceededException e =
        assertThrows(
            DeadlineExceededException.class,
            () ->
                retry.call(
                    "apply networkpolicy a/b",
                    () -> {
                      attempts.incrementAndGet();
                      throw throttled(4);
                    }));
    assertEquals(1, attempts.get(), "no sleep past the deadline, no second attempt");
    assertEquals(429, e.getCode());
    assertTrue(
        e.getMessage().startsWith("apply networkpolicy a/b: given up after 1 attempt"),
        e.getMessage());
  }

  @Test
  void startsNoAttemptOnceTheDeadlineHasPassed() {
    AtomicInteger attempts = new AtomicInteger();
    ApiRetry retry = ApiRetry.standard().withDeadline(Deadline.after(Duration.ZERO, FROZEN));
    DeadlineExceededException e =
        assertThrows(
            DeadlineExceededException.class,
            () -> retry.call("apply status of a/b", attempts::incrementAndGet));
    assertEquals(0, attempts.get());
    assertEquals(
        "apply status of a/b: not attempted, the run's deadline has passed", ApiRetry.describe(e));
  }

  @Test
  void singleMakesOneAttempt() {
    AtomicInteger attempts = new AtomicInteger();
    ApiRetry retry = ApiRetry.standard().single();
    assertThrows(
        ApiException.class,
        () ->
            retry.call(
                "create event",
                () -> {
                  attempts.incrementAndGet();
                  throw new ApiException("boom", 503, null, "");
                }));
    assertEquals(1, attempts.get());
  }

  @Test
  void deadlineCapsALimitToWhatIsLeft() {
    Deadline deadline = Deadline.after(Duration.ofSeconds(10), FROZEN);
    assertEquals(Duration.ofSeconds(10), deadline.cap(Duration.ofSeconds(30)));
    assertEquals(Duration.ofSeconds(5), deadline.cap(Duration.ofSeconds(5)));
    assertEquals(Duration.ofSeconds(30), Deadline.none().cap(Duration.ofSeconds(30)));
    assertTrue(Deadline.after(Duration.ZERO, FROZEN).passed());
  }

  @Test
  void aLastAttemptCutByTheDeadlineIsCutShortNotFailed() {
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    AtomicInteger attempts = new AtomicInteger();
    Clock clock =
        new Clock() {
          @Override
          public Instant instant() {
            // The second attempt ends after the deadline, as a call timeout cut to it does.
            return attempts.get() < 2 ? start : start.plusSeconds(2);
          }

          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }
        };
    ApiRetry retry =
        new ApiRetry(2, Duration.ofMillis(1), Duration.ofMillis(1))
            .withDeadline(Deadline.after(Duration.ofSeconds(1), clock));
    assertThrows(
        DeadlineExceededException.class,
        () ->
            retry.call(
                "apply networkpolicy a/b",
                () -> {
                  attempts.incrementAndGet();
                  throw new ApiException(
                      "timeout", new java.io.InterruptedIOException("timeout"), 0, null);
                }));
    assertEquals(2, attempts.get());
  }
}
