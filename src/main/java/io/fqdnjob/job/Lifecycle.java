package io.fqdnjob.job;

import io.fqdnjob.kube.ConfigurationException;
import io.fqdnjob.kube.Deadline;
import io.fqdnjob.kube.StopSignal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of the process's runs, a single one or a loop: each run's deadline and stop signal, when
 * the next run starts, what is reported after each, and the exit code.
 *
 * <p>A run ends at its {@code --deadline} or at the process's {@link StopSignal} (SIGTERM, SIGINT),
 * whichever comes first, and still reports: its summary line and its metrics. A loop sleeps until
 * the next resource is due by its TTL (never earlier: {@code --due-slack} widens what a run takes,
 * not when it wakes), at least {@link Settings#minPause} and at most {@link Settings#maxInterval};
 * it backs off when lookups did not finish or a run failed, and ends with {@link
 * RunSummary#EXIT_FAILED} when no run could list anything for {@link Settings#giveUpAfter}.
 */
public final class Lifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);

  /** One run, within the deadline it is given. */
  @FunctionalInterface
  public interface Round {
    /**
     * Runs once; a failure to list or write is in the summary. Throws {@link
     * ConfigurationException} when the run cannot start as configured (a DNS Service that does not
     * exist, a right missing to read it).
     */
    RunSummary run(Deadline deadline) throws InterruptedException, ConfigurationException;
  }

  /** Where the end of each run is reported: the metrics. */
  public interface Sink {
    /**
     * A run ended with {@code summary}.
     *
     * @param failedRounds rounds of a loop in a row that could not run, this one included
     */
    void finished(RunSummary summary, int failedRounds, Instant at);

    /** A round of a loop ended with an unexpected error, the {@code failedRounds}-th in a row. */
    void failed(int failedRounds, Instant at);

    Sink NONE =
        new Sink() {
          @Override
          public void finished(RunSummary summary, int failedRounds, Instant at) {}

          @Override
          public void failed(int failedRounds, Instant at) {}
        };
  }

  /** Waits between the rounds of a loop. */
  @FunctionalInterface
  public interface Sleeper {
    /** Waits until {@code wake}; returns early, false, when the process is asked to stop. */
    boolean sleepUntil(Instant wake) throws InterruptedException;
  }

  /** Tells a liveness probe that the process still makes progress. */
  @FunctionalInterface
  public interface Heartbeat {
    void beat(Instant now);

    Heartbeat NONE = now -> {};
  }

  /**
   * How runs follow each other.
   *
   * @param deadline each run's {@code --deadline}, or {@code null} for none
   * @param maxInterval the longest sleep of a loop between two runs
   * @param minPause the shortest: a loop never lists the cluster again sooner
   * @param giveUpAfter a loop whose runs could list nothing for this long exits
   */
  public record Settings(
      Duration deadline, Duration maxInterval, Duration minPause, Duration giveUpAfter) {
    /** The first pause after a run whose lookups did not finish, doubled each run after. */
    static final Duration UNFINISHED_BACKOFF = Duration.ofSeconds(5);
  }

  private final Settings settings;
  private final Clock clock;
  private final StopSignal stop;
  private final Round round;
  private final Sink sink;
  private final Sleeper sleeper;
  private final Heartbeat heartbeat;

  public Lifecycle(
      Settings settings,
      Clock clock,
      StopSignal stop,
      Round round,
      Sink sink,
      Sleeper sleeper,
      Heartbeat heartbeat) {
    this.settings = settings;
    this.clock = clock;
    this.stop = stop;
    this.round = round;
    this.sink = sink;
    this.sleeper = sleeper;
    this.heartbeat = heartbeat;
  }

  /** Returns a sleeper that waits on {@code stop} by the system's time. */
  public static Sleeper sleeperOn(StopSignal stop, Clock clock) {
    return wake -> !stop.await(Duration.between(clock.instant(), wake));
  }

  /**
   * Runs once and returns the exit code of the run ({@link RunSummary#exitCode()}).
   *
   * @throws ConfigurationException when the run cannot start as configured
   */
  public int once() throws InterruptedException, ConfigurationException {
    RunSummary summary = runRound();
    report(summary, 0);
    return summary.exitCode();
  }

  /**
   * Runs until the process is asked to stop, and returns 0 then; or {@link RunSummary#EXIT_FAILED}
   * when no run could list anything for {@link Settings#giveUpAfter}.
   *
   * @throws ConfigurationException when the first run cannot start as configured
   */
  public int loop() throws InterruptedException, ConfigurationException {
    LOG.info(
        "loop mode: waking when a resource is due, at least every {}s",
        settings.maxInterval().toSeconds());
    Instant lastRan = clock.instant();
    int failedRounds = 0;
    int unfinishedRounds = 0;
    boolean first = true;
    while (!stop.requested()) {
      heartbeat.beat(clock.instant());
      RunSummary summary = null;
      try {
        summary = runRound();
      } catch (ConfigurationException e) {
        if (first) {
          throw e;
        }
        LOG.error("run failed: {}", e.getMessage());
      } catch (RuntimeException e) {
        LOG.error("run failed with an unexpected error; the loop goes on", e);
      }
      first = false;
      Instant now = clock.instant();
      heartbeat.beat(now);
      Instant wake;
      if (summary != null && summary.ran()) {
        failedRounds = 0;
        lastRan = now;
        unfinishedRounds = summary.abandoned() > 0 ? unfinishedRounds + 1 : 0;
        report(summary, 0);
        wake = nextWake(summary, unfinishedRounds, now);
      } else {
        failedRounds++;
        if (summary != null) {
          report(summary, failedRounds);
        } else {
          sink.failed(failedRounds, now);
        }
        if (stop.requested()) {
          break;
        }
        Duration failing = Duration.between(lastRan, now);
        if (failing.compareTo(settings.giveUpAfter()) >= 0) {
          LOG.error(
              "no run could list the resources for {}s ({} runs in a row failed, at most"
                  + " --give-up-after {}s): exit code {}",
              failing.toSeconds(),
              failedRounds,
              settings.giveUpAfter().toSeconds(),
              RunSummary.EXIT_FAILED);
          return RunSummary.EXIT_FAILED;
        }
        wake = now.plus(backoff(settings.minPause(), failedRounds));
        LOG.info("next run in {}s", Duration.between(now, wake).toSeconds());
      }
      if (!sleep(wake)) {
        break;
      }
    }
    LOG.info("stopping on {}", stop.why() == null ? "request" : stop.why());
    return RunSummary.EXIT_COMPLETED;
  }

  /** Runs one round with a deadline and stop signal of its own. */
  private RunSummary runRound() throws InterruptedException, ConfigurationException {
    StopSignal runStop = stop.child();
    try {
      return round.run(Deadline.after(settings.deadline(), clock, runStop));
    } finally {
      runStop.close();
    }
  }

  /**
   * Returns when a loop runs next after {@code summary}: when the next resource is due by its TTL;
   * soon when a deadline left work; after a growing pause when lookups did not finish; never sooner
   * than the minimum pause nor later than the longest interval.
   */
  Instant nextWake(RunSummary summary, int unfinishedRounds, Instant now) {
    Instant wake = now.plus(settings.maxInterval());
    if (summary.nextDue() != null && summary.nextDue().isBefore(wake)) {
      wake = summary.nextDue();
    }
    if (unfinishedRounds > 0) {
      Instant retry = now.plus(backoff(Settings.UNFINISHED_BACKOFF, unfinishedRounds));
      wake = retry.isBefore(wake) ? retry : wake;
    }
    if (summary.cutShort() > 0 || summary.ending() == RunSummary.Ending.LIST_CUT_SHORT) {
      wake = now; // Work is left: go on after the pause.
    }
    Instant earliest = now.plus(settings.minPause());
    return wake.isBefore(earliest) ? earliest : wake;
  }

  /**
   * Returns {@code first} doubled for each failure after the first, at most the longest interval.
   */
  private Duration backoff(Duration first, int failures) {
    Duration wait = first;
    for (int i = 1; i < failures && wait.compareTo(settings.maxInterval()) < 0; i++) {
      wait = wait.multipliedBy(2);
    }
    return wait.compareTo(settings.maxInterval()) > 0 ? settings.maxInterval() : wait;
  }

  /** Sleeps until {@code wake}, beating the heartbeat at least every ten seconds. */
  private boolean sleep(Instant wake) throws InterruptedException {
    Duration slice = Duration.ofSeconds(10);
    for (Instant now = clock.instant(); now.isBefore(wake); now = clock.instant()) {
      Instant until = now.plus(slice).isBefore(wake) ? now.plus(slice) : wake;
      if (!sleeper.sleepUntil(until)) {
        return false;
      }
      heartbeat.beat(clock.instant());
    }
    return !stop.requested();
  }

  /** Logs the summary line (and why the run ended early), and hands it to the sink. */
  private void report(RunSummary summary, int failedRounds) {
    switch (summary.ending()) {
      case API_STALLED ->
          LOG.error(
              "the API server did not answer within --api-timeout: nothing more was sent; {}"
                  + " resources left as they were for the next run",
              summary.listed() == 0 ? "all" : summary.cutShort() + " listed and all not listed");
      case LIST_CUT_SHORT, LISTED -> {
        if (summary.exitCode() == RunSummary.EXIT_CUT_SHORT) {
          LOG.warn(
              "run {}: {} resources left as they were for the next run",
              stop.requested()
                  ? "stopped by " + stop.why()
                  : settings.deadline() == null
                      ? "cut short"
                      : "cut short by --deadline " + settings.deadline().toSeconds() + "s",
              summary.ending() == RunSummary.Ending.LISTED
                  ? summary.cutShort()
                  : summary.listed() == 0
                      ? "all"
                      : summary.cutShort() + " listed and all not yet listed");
        }
      }
      default -> {}
    }
    LOG.info("run finished: {}", summary);
    sink.finished(summary, failedRounds, clock.instant());
  }
}
