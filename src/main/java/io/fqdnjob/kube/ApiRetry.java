package io.fqdnjob.kube;

import io.kubernetes.client.openapi.ApiException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries API calls that failed for reasons that usually pass: throttling (429), server errors
 * (500, 502, 503, 504) and transport errors such as timeouts. Backoff is exponential with jitter
 * and honours {@code Retry-After}; the number of attempts is bounded, and so is the time: no
 * attempt starts and no backoff sleeps past the run's {@link Deadline}; such a call ends with a
 * {@link DeadlineExceededException}.
 */
public final class ApiRetry {
  private static final Logger LOG = LoggerFactory.getLogger(ApiRetry.class);

  /** An API call. */
  @FunctionalInterface
  public interface Call<T> {
    T run() throws ApiException;
  }

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Deadline deadline;

  public ApiRetry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    this(maxAttempts, initialBackoff, maxBackoff, Deadline.none());
  }

  private ApiRetry(
      int maxAttempts, Duration initialBackoff, Duration maxBackoff, Deadline deadline) {
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.deadline = deadline;
  }

  /** Returns this retry bounded by {@code deadline} (one per run). */
  public ApiRetry withDeadline(Deadline deadline) {
    return new ApiRetry(maxAttempts, initialBackoff, maxBackoff, deadline);
  }

  /** Returns this retry with a single attempt: for best-effort calls such as Events. */
  public ApiRetry single() {
    return new ApiRetry(1, initialBackoff, maxBackoff, deadline);
  }

  /** Returns the deadline no attempt starts after; each attempt's timeout is cut to it. */
  public Deadline deadline() {
    return deadline;
  }

  /** Five attempts, from 200 ms up to 5 s apart. */
  public static ApiRetry standard() {
    return new ApiRetry(5, Duration.ofMillis(200), Duration.ofSeconds(5));
  }

  /** Returns whether a failure with this exception is worth another attempt. */
  public static boolean isRetryable(ApiException e) {
    int code = e.getCode();
    return code == 0 || code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
  }

  /**
   * Runs {@code call}, retrying retryable failures; {@code what} names the call in logs.
   *
   * <p>An attempt that got no answer within the client's timeout ({@code --api-timeout}) is not
   * retried: an API server that did not answer one request in that time is not going to answer the
   * next one sooner, and five attempts would hold the run five timeouts long. It also stops the run
   * ({@link StopSignal.Reason#STALLED}): no new request starts, and the run ends as failed, within
   * about one timeout of the stall.
   */
  public <T> T call(String what, Call<T> call) throws ApiException {
    Duration backoff = initialBackoff;
    for (int attempt = 1; ; attempt++) {
      if (deadline.passed()) {
        throw new DeadlineExceededException(what, attempt - 1, null, deadline.why());
      }
      try {
        return call.run();
      } catch (ApiException e) {
        if (!isRetryable(e)) {
          throw e;
        }
        if (deadline.passed()) {
          // Cut short by the deadline (the call timeout is cut to it) or by a stop, not failed.
          throw new DeadlineExceededException(what, attempt, e, deadline.why());
        }
        if (timedOut(e)) {
          if (deadline
              .stop()
              .request(
                  StopSignal.Reason.STALLED, "no answer to " + what + " within --api-timeout")) {
            LOG.error(
                "{}: no answer within --api-timeout; no new request is started, the rest is left"
                    + " for the next run",
                what);
          }
          throw e;
        }
        if (attempt >= maxAttempts) {
          throw e;
        }
        Duration wait = retryAfter(e);
        if (wait == null) {
          long jittered =
              ThreadLocalRandom.current().nextLong(backoff.toMillis() / 2, backoff.toMillis() + 1);
          wait = Duration.ofMillis(jittered);
        }
        if (deadline.cap(wait).compareTo(wait) < 0) {
          // The next attempt would start after the deadline: give up now, not at the deadline.
          throw new DeadlineExceededException(what, attempt, e, deadline.why());
        }
        LOG.debug(
            "{} failed with {} (attempt {}), retrying in {} ms",
            what,
            describe(e),
            attempt,
            wait.toMillis());
        if (!sleep(wait)) {
          throw new DeadlineExceededException(what, attempt, e, deadline.why());
        }
        backoff =
            backoff.multipliedBy(2).compareTo(maxBackoff) > 0
                ? maxBackoff
                : backoff.multipliedBy(2);
      }
    }
  }

  /**
   * Returns whether the request got no answer in time: the client's call, connect or read timeout
   * ran out (a cancelled call is not a timeout).
   */
  public static boolean timedOut(ApiException e) {
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof java.io.InterruptedIOException) {
        return true;
      }
    }
    return false;
  }

  /** Returns a short description of an API failure: code and the server's message. */
  public static String describe(ApiException e) {
    if (e instanceof DeadlineExceededException || e instanceof DnsServiceUnavailableException) {
      return e.getMessage();
    }
    String request = e instanceof RequestFailedException r ? r.request() + ": " : "";
    return request + describeResponse(e);
  }

  private static String describeResponse(ApiException e) {
    if (e.getCode() == 0) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
    String body = e.getResponseBody();
    String message = null;
    if (body != null && body.startsWith("{")) {
      try {
        var json = com.google.gson.JsonParser.parseString(body).getAsJsonObject();
        if (json.has("message")) {
          message = json.get("message").getAsString();
        }
      } catch (RuntimeException ignored) {
        // Not a Status object; fall back to the raw body.
      }
    }
    if (message == null) {
      message = body == null || body.isBlank() ? e.getMessage() : body.strip();
    }
    return "HTTP " + e.getCode() + ": " + message;
  }

  private Duration retryAfter(ApiException e) {
    Map<String, List<String>> headers = e.getResponseHeaders();
    if (headers == null) {
      return null;
    }
    for (var entry : headers.entrySet()) {
      if ("retry-after".equalsIgnoreCase(entry.getKey()) && !entry.getValue().isEmpty()) {
        try {
          long seconds = Long.parseLong(entry.getValue().get(0).trim());
          return Duration.ofSeconds(Math.min(seconds, maxBackoff.toSeconds() * 2));
        } catch (NumberFormatException ignored) {
          return null;
        }
      }
    }
    return null;
  }

  /** Sleeps {@code wait}; returns false when the deadline passed or a stop came first. */
  private boolean sleep(Duration wait) throws ApiException {
    try {
      return deadline.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException("interrupted while waiting to retry", e, 0, null);
    }
  }
}
