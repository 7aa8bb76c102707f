package io.fqdnjob.cli;

import io.fqdnjob.kube.StopSignal;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGTERM and SIGINT into a request to stop ({@link StopSignal}), instead of the JVM's
 * immediate shutdown: no new request starts, reads and lookups in flight are cancelled, writes in
 * flight end within --api-timeout, resources not finished are left exactly as they were, the
 * summary and metrics are written, and the process exits: a single run with {@link
 * ExitCodes#CUT_SHORT} when it left work, a loop with {@link ExitCodes#COMPLETED}. A second signal
 * stops the process at once with 128 + the signal's number, as the JVM would: 130 for SIGINT, 143
 * for SIGTERM.
 */
final class Termination implements AutoCloseable {
  private final StopSignal stop;
  private SignalHandler previousTerm;
  private SignalHandler previousInt;

  private Termination(StopSignal stop) {
    this.stop = stop;
  }

  /** Installs the handlers, which request {@code stop}, until {@link #close()}. */
  static Termination install(StopSignal stop) {
    Termination termination = new Termination(stop);
    SignalHandler handler = termination::onSignal;
    termination.previousTerm = Signal.handle(new Signal("TERM"), handler);
    termination.previousInt = Signal.handle(new Signal("INT"), handler);
    return termination;
  }

  private void onSignal(Signal signal) {
    if (!stop.request(StopSignal.Reason.SIGNAL, "SIG" + signal.getName())) {
      Runtime.getRuntime().halt(exitOnSecondSignal(signal.getNumber()));
    }
    LoggerFactory.getLogger(Termination.class)
        .info(
            "SIG{}: stopping; no new request starts, writes in flight end within --api-timeout;"
                + " a second signal ends the process at once (exit code {})",
            signal.getName(),
            exitOnSecondSignal(signal.getNumber()));
  }

  /** The exit code after a second signal {@code number}: 128 + N, the shell's convention. */
  static int exitOnSecondSignal(int number) {
    return 128 + number;
  }

  @Override
  public void close() {
    Signal.handle(new Signal("TERM"), previousTerm);
    Signal.handle(new Signal("INT"), previousInt);
  }
}
