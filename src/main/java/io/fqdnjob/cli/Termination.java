package io.fqdnjob.cli;

import io.fqdnjob.dns.DnsResolver;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGTERM and SIGINT into a request to stop, instead of the JVM's immediate shutdown: the
 * lookups still running are cancelled, the work that finished is written, resources that needed an
 * unfinished lookup are left exactly as they were, and the process exits normally: a single run
 * with {@link ExitCodes#CUT_SHORT}, a loop with {@link ExitCodes#COMPLETED}. A second signal stops
 * the process at once with 128 + the signal's number, as the JVM would: 130 for SIGINT, 143 for
 * SIGTERM.
 */
final class Termination implements AutoCloseable {
  private final CountDownLatch requested = new CountDownLatch(1);
  private volatile DnsResolver resolver;
  private SignalHandler previousTerm;
  private SignalHandler previousInt;

  private Termination() {}

  /** Installs the handlers until {@link #close()}. */
  static Termination install() {
    Termination termination = new Termination();
    SignalHandler handler = termination::onSignal;
    termination.previousTerm = Signal.handle(new Signal("TERM"), handler);
    termination.previousInt = Signal.handle(new Signal("INT"), handler);
    return termination;
  }

  private void onSignal(Signal signal) {
    if (requested.getCount() == 0) {
      Runtime.getRuntime().halt(exitOnSecondSignal(signal.getNumber()));
    }
    requested.countDown();
    DnsResolver current = resolver;
    if (current != null) {
      current.cancel();
    }
  }

  /** The exit code after a second signal {@code number}: 128 + N, the shell's convention. */
  static int exitOnSecondSignal(int number) {
    return 128 + number;
  }

  /** Makes {@code current} the resolver whose lookups a stop cancels. */
  void watch(DnsResolver current) {
    resolver = current;
    if (requested()) {
      current.cancel();
    }
  }

  /** Returns whether a stop was requested. */
  boolean requested() {
    return requested.getCount() == 0;
  }

  /** Waits until {@code wake}, returning early when a stop is requested. */
  void awaitUntil(Instant wake) throws InterruptedException {
    Duration wait = Duration.between(Instant.now(), wake);
    if (!wait.isNegative()) {
      requested.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void close() {
    Signal.handle(new Signal("TERM"), previousTerm);
    Signal.handle(new Signal("INT"), previousInt);
  }
}
