package io.fqdnjob.kube;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * When a run starts no new API request: at a moment ({@code --deadline}), or as soon as its {@link
 * StopSignal} is requested (SIGTERM, SIGINT, or an API server that stopped answering), whichever
 * comes first; or never. One per run.
 *
 * <p>{@link ApiRetry} never starts an attempt or sleeps past it, each attempt's call timeout is cut
 * to what is left of it, and reads in flight are cancelled by a stop ({@link RawCalls}), so a run
 * that is told to end, or meets an API server that never answers, ends in time to report.
 */
public final class Deadline {
  private final Instant at;
  private final Clock clock;
  private final StopSignal stop;

  private Deadline(Instant at, Clock clock, StopSignal stop) {
    this.at = at;
    this.clock = clock;
    this.stop = stop;
  }

  /**
   * Returns a deadline with no time limit and a stop signal of its own: it passes only when the
   * calls bounded by it find the API server stalled.
   */
  public static Deadline none() {
    return new Deadline(null, Clock.systemUTC(), StopSignal.create());
  }

  /** Returns the deadline {@code after} from now by {@code clock}; {@code null} means none. */
  public static Deadline after(Duration after, Clock clock) {
    return after(after, clock, StopSignal.create());
  }

  /**
   * Returns the deadline {@code after} from now by {@code clock} ({@code null}: no time limit),
   * that also passes when {@code stop} is requested.
   */
  public static Deadline after(Duration after, Clock clock, StopSignal stop) {
    return new Deadline(after == null ? null : clock.instant().plus(after), clock, stop);
  }

  /** Returns when the deadline passes by time; {@link Instant#MAX} when it has no time limit. */
  public Instant instant() {
    return at == null ? Instant.MAX : at;
  }

  /** Returns the stop signal that ends this deadline early. */
  public StopSignal stop() {
    return stop;
  }

  /** Returns whether the deadline has passed, or a stop was requested. */
  public boolean passed() {
    return stop.requested() || timePassed();
  }

  private boolean timePassed() {
    return at != null && !clock.instant().isBefore(at);
  }

  /**
   * Returns why the deadline passed, for messages: "the run was stopped (SIGTERM)", "the run's
   * deadline has passed"; {@code null} when it has not.
   */
  public String why() {
    if (stop.requested()) {
      return stop.reason() == StopSignal.Reason.STALLED
          ? "the run gave up: " + stop.why()
          : "the run was stopped (" + stop.why() + ")";
    }
    return timePassed() ? "the run's deadline has passed" : null;
  }

  /**
   * Returns {@code limit}, or what is left before the deadline when that is less (zero once it has
   * passed).
   */
  public Duration cap(Duration limit) {
    if (stop.requested()) {
      return Duration.ZERO;
    }
    if (at == null) {
      return limit;
    }
    Duration left = Duration.between(clock.instant(), at);
    if (left.isNegative()) {
      return Duration.ZERO;
    }
    return left.compareTo(limit) < 0 ? left : limit;
  }

  /**
   * Sleeps {@code wait}, or until the deadline passes or a stop is requested; returns whether the
   * whole wait was slept.
   */
  public boolean sleep(Duration wait) throws InterruptedException {
    Duration capped = cap(wait);
    if (stop.await(capped)) {
      return false;
    }
    return capped.compareTo(wait) >= 0;
  }

  @Override
  public String toString() {
    return at == null ? "no deadline" : "deadline " + at;
  }
}
