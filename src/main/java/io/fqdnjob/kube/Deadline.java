package io.fqdnjob.kube;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The moment after which a run starts no new API request, or none. Immutable; one per run.
 *
 * <p>{@link ApiRetry} never sleeps past it, and each attempt's call timeout is cut to what is left
 * of it, so a run that meets an API server that never answers still ends in time to report.
 */
public final class Deadline {
  private static final Deadline NONE = new Deadline(null, Clock.systemUTC());

  private final Instant at;
  private final Clock clock;

  private Deadline(Instant at, Clock clock) {
    this.at = at;
    this.clock = clock;
  }

  /** Returns a deadline that never passes. */
  public static Deadline none() {
    return NONE;
  }

  /** Returns the deadline {@code after} from now by {@code clock}; {@code null} means none. */
  public static Deadline after(Duration after, Clock clock) {
    return after == null ? NONE : new Deadline(clock.instant().plus(after), clock);
  }

  /** Returns when the deadline passes; {@link Instant#MAX} when never. */
  public Instant instant() {
    return at == null ? Instant.MAX : at;
  }

  /** Returns whether the deadline has passed. */
  public boolean passed() {
    return at != null && !clock.instant().isBefore(at);
  }

  /**
   * Returns {@code limit}, or what is left before the deadline when that is less (zero once it has
   * passed).
   */
  public Duration cap(Duration limit) {
    if (at == null) {
      return limit;
    }
    Duration left = Duration.between(clock.instant(), at);
    if (left.isNegative()) {
      return Duration.ZERO;
    }
    return left.compareTo(limit) < 0 ? left : limit;
  }

  @Override
  public String toString() {
    return at == null ? "no deadline" : "deadline " + at;
  }
}
