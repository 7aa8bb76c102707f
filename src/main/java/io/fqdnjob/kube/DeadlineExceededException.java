package io.fqdnjob.kube;

import io.kubernetes.client.openapi.ApiException;

/**
 * An API call given up because the run's {@link Deadline} passed, or would have before its next
 * attempt. The object is left as it was for the next run; this is not a failure of the object.
 */
public final class DeadlineExceededException extends ApiException {
  private final String message;

  DeadlineExceededException(String what, int attempts, ApiException last) {
    super(message(what, attempts, last), last, last == null ? 0 : last.getCode(), null, null);
    this.message = message(what, attempts, last);
  }

  /** Returns what was given up and why, with the last failure when there was one. */
  @Override
  public String getMessage() {
    return message;
  }

  private static String message(String what, int attempts, ApiException last) {
    if (last == null) {
      return what + ": not attempted, the run's deadline has passed";
    }
    return what
        + ": given up after "
        + attempts
        + (attempts == 1 ? " attempt" : " attempts")
        + ", the run's deadline passes before the next; last failure: "
        + ApiRetry.describe(last);
  }
}
