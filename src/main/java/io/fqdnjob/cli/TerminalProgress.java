package io.fqdnjob.cli;

import io.fqdnjob.job.Progress;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A one-line progress display on standard error, for a person running the job in a terminal. It
 * appears only once a run has taken a while, rewrites itself in place, and clears itself at the
 * end, so short runs and log files see nothing of it.
 */
final class TerminalProgress implements Progress {
  private static final long QUIET_NANOS = Duration.ofSeconds(2).toNanos();
  private static final long REFRESH_NANOS = Duration.ofMillis(250).toNanos();

  private final PrintStream err;
  private final LongSupplier clock;
  private final long started;
  private String phase = "";
  private long lastDrawn;
  private boolean drawn;

  TerminalProgress(PrintStream err, LongSupplier nanoClock) {
    this.err = err;
    this.clock = nanoClock;
    this.started = nanoClock.getAsLong();
  }

  /** Returns a display when standard error is a terminal, else {@link Progress#NONE}. */
  static Progress forStandardError() {
    return isTerminal() ? new TerminalProgress(System.err, System::nanoTime) : Progress.NONE;
  }

  private static boolean isTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  @Override
  public synchronized void phase(String description) {
    phase = description;
    draw(phase, true);
  }

  @Override
  public synchronized void step(int done, int total) {
    draw(phase + ": " + done + "/" + total, done == total);
  }

  @Override
  public synchronized void done() {
    if (drawn) {
      err.print("\r\033[K");
      err.flush();
    }
  }

  private void draw(String line, boolean force) {
    long now = clock.getAsLong();
    if (now - started < QUIET_NANOS || (!force && now - lastDrawn < REFRESH_NANOS)) {
      return;
    }
    lastDrawn = now;
    drawn = true;
    err.print("\r\033[K" + line);
    err.flush();
  }
}
