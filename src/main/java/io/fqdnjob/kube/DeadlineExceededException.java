package io.fqdnjob.kube;

import io.kubernetes.client.openapi.ApiException;

/**
 * An API call given up because the run's {@link Deadline} passed (or would have before its next
 * attempt), or the run was stopped. The object is left as it was for the next run; this is not a
 * failure of the object.
 */
public final class DeadlineExceededException extends ApiException {
  private final String message;

  DeadlineExceededException(String what, int attempts, ApiException last, String why) {
    super(message(what, attempts, last, why), last, last == null ? 0 : last.getCode(), null, null);
    this.message = message(what, attempts, last, why);
  }

  /** Returns what was given up and why, with the last failure when there was one. */
  @Override
  public String getMessage() {
    return message;
  }

  private static String message(String what, int attempts, ApiException last, String why) {
    String reason = why == null ? "the run's deadline passes before the next" : why;
    if (last == null) {
      return what + ": not attempted, " + reason;
    }
    return what
        + ": given up after "
        + attempts
        + (attempts == 1 ? " attempt" : " attempts")
        + ", "
        + reason
        + "; last failure: "
        + ApiRetry.describe(last);
  }
}
