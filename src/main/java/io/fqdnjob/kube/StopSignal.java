package io.fqdnjob.kube;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A request to stop, made once: by SIGTERM or SIGINT for the whole process, or by a run for itself
 * (its API server stopped answering). Whatever checks it (each API request, each retry's backoff,
 * the DNS lookups, the loop's sleep) starts nothing new once it is requested; actions registered
 * with {@link #onStop} run at that moment (cancelling reads and lookups in flight).
 *
 * <p>A run's signal is the {@link #child} of the process's: stopping the process stops the run, and
 * a run stopping itself leaves the process (a loop) running.
 */
public final class StopSignal {
  /** Why a stop was requested. */
  public enum Reason {
    /** SIGTERM or SIGINT: the process is asked to end. */
    SIGNAL,
    /** The API server did not answer a request within --api-timeout: the run gives up. */
    STALLED
  }

  /** A registered action; {@link #close()} removes it. */
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicReference<Stop> stop = new AtomicReference<>();
  private final List<Runnable> actions = new CopyOnWriteArrayList<>();
  private final Registration parent;

  private record Stop(Reason reason, String why) {}

  private StopSignal(StopSignal parent) {
    this.parent = parent == null ? () -> {} : parent.onStop(() -> request(parent));
  }

  /** Returns a signal that nothing has requested yet. */
  public static StopSignal create() {
    return new StopSignal(null);
  }

  /**
   * Returns a signal that is requested when this one is, and may be requested on its own; {@link
   * #close()} it when its run ends, so that a long loop does not collect them.
   */
  public StopSignal child() {
    return new StopSignal(this);
  }

  private void request(StopSignal from) {
    Stop cause = from.stop.get();
    request(cause.reason(), cause.why());
  }

  /**
   * Requests a stop; returns false when one was requested already (the first reason stays).
   *
   * @param why what asked, for the log: e.g. {@code SIGTERM}
   */
  public boolean request(Reason reason, String why) {
    if (!stop.compareAndSet(null, new Stop(reason, why))) {
      return false;
    }
    stopped.countDown();
    for (Runnable action : actions) {
      action.run();
    }
    return true;
  }

  /** Returns whether a stop was requested. */
  public boolean requested() {
    return stopped.getCount() == 0;
  }

  /** Returns why the stop was requested, or {@code null} when it was not. */
  public Reason reason() {
    Stop current = stop.get();
    return current == null ? null : current.reason();
  }

  /** Returns what asked for the stop, e.g. {@code SIGTERM}, or {@code null}. */
  public String why() {
    Stop current = stop.get();
    return current == null ? null : current.why();
  }

  /**
   * Runs {@code action} when a stop is requested, on the requesting thread (a signal handler's): it
   * must be quick and must not block. Runs it at once when a stop was requested already.
   */
  public Registration onStop(Runnable action) {
    actions.add(action);
    if (requested() && actions.remove(action)) {
      action.run();
    }
    return () -> actions.remove(action);
  }

  /** Waits at most {@code timeout}; returns true when a stop was requested. */
  public boolean await(Duration timeout) throws InterruptedException {
    if (timeout.isNegative() || timeout.isZero()) {
      return requested();
    }
    return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Detaches a child from its parent; nothing else. */
  public void close() {
    parent.close();
  }
}
