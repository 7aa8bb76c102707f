package io.fqdnjob.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
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
                  if (attempts.incrementAndGet() == 1) {
                    throw new ApiException(503, "unavailable");
                  }
                  throw new ApiException(
                      "timeout", new java.io.InterruptedIOException("timeout"), 0, null);
                }));
    assertEquals(2, attempts.get());
  }

  @Test
  void aRequestThatTimedOutIsNotRetriedAndStopsTheRunAsStalled() {
    Deadline deadline = Deadline.after(null, FROZEN);
    ApiRetry retry =
        new ApiRetry(5, Duration.ofMillis(1), Duration.ofMillis(1)).withDeadline(deadline);
    AtomicInteger attempts = new AtomicInteger();
    ApiException thrown =
        assertThrows(
            ApiException.class,
            () ->
                retry.call(
                    "list fqdnnetworkpolicies",
                    () -> {
                      attempts.incrementAndGet();
                      throw new ApiException(
                          "timeout", new java.io.InterruptedIOException("timeout"), 0, null);
                    }));
    assertEquals(1, attempts.get(), "one attempt: five would hold the run five timeouts long");
    assertTrue(ApiRetry.timedOut(thrown));
    assertTrue(deadline.passed(), "no request starts after it");
    assertEquals(StopSignal.Reason.STALLED, deadline.stop().reason());
    DeadlineExceededException next =
        assertThrows(
            DeadlineExceededException.class, () -> retry.call("apply status of a/b", () -> null));
    assertTrue(
        next.getMessage()
            .startsWith(
                "apply status of a/b: not attempted, the run gave up: no answer to list fqdnnetworkpolicies"),
        next.getMessage());
  }

  @Test
  void aRefusedConnectionIsRetriedAsBefore() throws Exception {
    ApiRetry retry = new ApiRetry(3, Duration.ofMillis(1), Duration.ofMillis(1));
    AtomicInteger attempts = new AtomicInteger();
    assertEquals(
        "ok",
        retry.call(
            "get a/b",
            () -> {
              if (attempts.incrementAndGet() < 3) {
                throw new ApiException(
                    "refused", new java.net.ConnectException("Connection refused"), 0, null);
              }
              return "ok";
            }));
    assertEquals(3, attempts.get());
    assertFalse(retry.deadline().passed());
  }

  @Test
  void aStopStartsNoAttemptAndEndsABackoffAtOnce() throws Exception {
    StopSignal stop = StopSignal.create();
    ApiRetry retry =
        new ApiRetry(5, Duration.ofHours(1), Duration.ofHours(1))
            .withDeadline(Deadline.after(null, Clock.systemUTC(), stop.child()));
    AtomicInteger attempts = new AtomicInteger();
    Thread stopper =
        new Thread(() -> {
          while (attempts.get() == 0) {
            Thread.onSpinWait();
          }
          stop.request(StopSignal.Reason.SIGNAL, "SIGTERM");
        });
    stopper.start();
    // The backoff is half an hour or more: only the stop can end the call within the minute.
    DeadlineExceededException e =
        assertTimeoutPreemptively(
            Duration.ofMinutes(1),
            () ->
                assertThrows(
                    DeadlineExceededException.class,
                    () ->
                        retry.call(
                            "list networkpolicies",
                            () -> {
                              attempts.incrementAndGet();
                              throw new ApiException(503, "unavailable");
                            })));
    stopper.join();
    assertEquals(1, attempts.get());
    assertTrue(e.getMessage().contains("the run was stopped (SIGTERM)"), e.getMessage());
    assertThrows(DeadlineExceededException.class, () -> retry.call("get a/b", () -> "never"));
  }
}
