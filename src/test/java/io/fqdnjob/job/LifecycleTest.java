package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.kube.ConfigurationException;
import io.fqdnjob.kube.Deadline;
import io.fqdnjob.kube.StopSignal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The schedule of runs, on a clock the test moves: no test here waits; the sleeper moves the clock
 * to the moment the lifecycle wakes.
 */
class LifecycleTest {
  private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");

  /** What the lifecycle did, as seen from its round, sink, sleeper and heartbeat. */
  private static final class Bed {
    final InProcessRun.TestClock clock = new InProcessRun.TestClock(START);
    final StopSignal stop = StopSignal.create();
    final List<Instant> starts = new ArrayList<>();
    final List<Deadline> deadlines = new ArrayList<>();
    final List<String> reported = new ArrayList<>();
    final List<Instant> beats = new ArrayList<>();
    Duration runTime = Duration.ofMillis(300);
    int stopAfter = Integer.MAX_VALUE;

    Lifecycle lifecycle(
        Duration deadline,
        Duration maxInterval,
        Duration giveUpAfter,
        Function<Integer, RunSummary> runs) {
      Lifecycle.Round round =
          d -> {
            starts.add(clock.instant());
            deadlines.add(d);
            RunSummary summary = runs.apply(starts.size());
            clock.advance(runTime);
            if (starts.size() >= stopAfter) {
              stop.request(StopSignal.Reason.SIGNAL, "SIGTERM");
            }
            return summary;
          };
      Lifecycle.Sink sink =
          new Lifecycle.Sink() {
            @Override
            public void finished(RunSummary summary, int failedRounds, Instant at) {
              reported.add("exit=" + summary.exitCode() + " failedRounds=" + failedRounds);
            }

            @Override
            public void failed(int failedRounds, Instant at) {
              reported.add("failed failedRounds=" + failedRounds);
            }
          };
      Lifecycle.Sleeper sleeper =
          wake -> {
            if (stop.requested()) {
              return false;
            }
            if (wake.isAfter(clock.instant())) {
              clock.set(wake);
            }
            return true;
          };
      return new Lifecycle(
          new Lifecycle.Settings(deadline, maxInterval, Duration.ofSeconds(1), giveUpAfter),
          clock,
          stop,
          round,
          sink,
          sleeper,
          beats::add);
    }

    /** A lifecycle without --deadline, --max-interval 60s and --give-up-after 15m. */
    Lifecycle lifecycle(Function<Integer, RunSummary> runs) {
      return lifecycle(null, Duration.ofSeconds(60), Duration.ofMinutes(15), runs);
    }

    /** Seconds from each round's start to the next one's. */
    List<Long> gaps() {
      List<Long> gaps = new ArrayList<>();
      for (int i = 1; i < starts.size(); i++) {
        gaps.add(Duration.between(starts.get(i - 1), starts.get(i)).toMillis() / 1000);
      }
      return gaps;
    }
  }

  private static RunSummary summary(Map<Outcome, Integer> outcomes, Instant nextDue) {
    return new RunSummary(
        outcomes,
        0,
        RunSummary.Lookups.NONE,
        RunSummary.Writes.NONE,
        Duration.ofMillis(300),
        nextDue,
        RunSummary.Ending.LISTED);
  }

  @Test
  void aSingleRunGetsItsDeadlineFromItsStartAndExitsWithItsSummarysCode() throws Exception {
    Bed bed = new Bed();
    int code =
        bed.lifecycle(
                Duration.ofSeconds(40),
                Duration.ofSeconds(60),
                Duration.ofMinutes(15),
                n -> summary(Map.of(Outcome.CUT_SHORT, 2, Outcome.APPLIED, 1), null))
            .once();
    assertEquals(RunSummary.EXIT_CUT_SHORT, code);
    assertEquals(START.plusSeconds(40), bed.deadlines.get(0).instant());
    assertEquals(List.of("exit=11 failedRounds=0"), bed.reported);
  }

  @Test
  void aSignalStopsTheRunInProgressThroughItsDeadline() throws Exception {
    Bed bed = new Bed();
    List<Boolean> passed = new ArrayList<>();
    Lifecycle lifecycle =
        bed.lifecycle(n -> {
          Deadline deadline = bed.deadlines.get(0);
          passed.add(deadline.passed());
          bed.stop.request(StopSignal.Reason.SIGNAL, "SIGTERM");
          passed.add(deadline.passed());
          return summary(Map.of(Outcome.CUT_SHORT, 1), null);
        });
    assertEquals(RunSummary.EXIT_CUT_SHORT, lifecycle.once());
    assertEquals(List.of(false, true), passed);
    assertEquals("the run was stopped (SIGTERM)", bed.deadlines.get(0).why());
  }

  @Test
  void theLoopWakesWhenTheNextResourceIsDueNotEarlier() throws Exception {
    Bed bed = new Bed();
    bed.stopAfter = 4;
    bed.lifecycle(n -> summary(Map.of(Outcome.APPLIED, 1), bed.clock.instant().plusSeconds(5)))
        .loop();
    // A ttlSeconds: 5 resource, due 5 s after its lookup: woken then, whatever --due-slack is.
    assertEquals(List.of(5L, 5L, 5L), bed.gaps());
  }

  @Test
  void unfinishedLookupsBackOffInsteadOfListingAgainEverySecond() throws Exception {
    Bed bed = new Bed();
    bed.stopAfter = 7;
    bed.lifecycle(n ->
            n < 6
                ? summary(Map.of(Outcome.ABANDONED, 1), null)
                : summary(Map.of(Outcome.APPLIED, 1), bed.clock.instant().plusSeconds(30)))
        .loop();
    assertEquals(List.of(5L, 10L, 20L, 40L, 60L, 30L), bed.gaps());
  }

  @Test
  void aDueResourceStillWakesTheLoopBeforeTheBackoffEnds() throws Exception {
    Bed bed = new Bed();
    bed.stopAfter = 3;
    bed.lifecycle(n ->
            summary(
                Map.of(Outcome.ABANDONED, 1, Outcome.APPLIED, 1),
                bed.clock.instant().plusSeconds(3)))
        .loop();
    assertEquals(List.of(3L, 3L), bed.gaps());
  }

  @Test
  void theLoopNeverRunsAgainWithinTheMinimumPause() throws Exception {
    Bed bed = new Bed();
    bed.stopAfter = 3;
    bed.runTime = Duration.ZERO;
    bed.lifecycle(n -> summary(Map.of(Outcome.APPLIED, 1), START)).loop();
    assertEquals(List.of(1L, 1L), bed.gaps());
  }

  @Test
  void workLeftByTheDeadlineIsTakenUpAfterTheMinimumPause() throws Exception {
    Bed bed = new Bed();
    bed.stopAfter = 2;
    bed.runTime = Duration.ofSeconds(20);
    bed.lifecycle(
            Duration.ofSeconds(20),
            Duration.ofSeconds(60),
            Duration.ofMinutes(15),
            n -> summary(Map.of(Outcome.CUT_SHORT, 10), bed.clock.instant().plusSeconds(50)))
        .loop();
    assertEquals(List.of(21L), bed.gaps());
  }

  @Test
  void anUnexpectedErrorIsCountedAndRetriedWithBackoffAndTheCountResets() throws Exception {
    Bed bed = new Bed();
    bed.stopAfter = 5;
    bed.runTime = Duration.ZERO;
    bed.lifecycle(
            n -> {
              if (n <= 3) {
                throw new IllegalStateException("a defect in round " + n);
              }
              return summary(Map.of(Outcome.APPLIED, 1), bed.clock.instant().plusSeconds(30));
            })
        .loop();
    assertEquals(
        List.of(
            "failed failedRounds=1",
            "failed failedRounds=2",
            "failed failedRounds=3",
            "exit=0 failedRounds=0",
            "exit=0 failedRounds=0"),
        bed.reported);
    assertEquals(List.of(1L, 2L, 4L, 30L), bed.gaps());
  }

  @Test
  void aLoopThatCannotListForTheConfiguredTimeExitsFailed() throws Exception {
    Bed bed = new Bed();
    bed.runTime = Duration.ofSeconds(1);
    int code =
        bed.lifecycle(
                null,
                Duration.ofSeconds(60),
                Duration.ofMinutes(5),
                n -> RunSummary.unlisted(RunSummary.Ending.LIST_FAILED, Duration.ofSeconds(1)))
            .loop();
    assertEquals(RunSummary.EXIT_FAILED, code);
    Duration failing = Duration.between(START, bed.clock.instant());
    assertTrue(failing.compareTo(Duration.ofMinutes(5)) >= 0, failing.toString());
    assertTrue(failing.compareTo(Duration.ofMinutes(6)) < 0, failing.toString());
    assertFalse(bed.stop.requested());
  }

  @Test
  void aStopBetweenRunsEndsTheLoopAtOnceWithZero() throws Exception {
    Bed bed = new Bed();
    List<Integer> rounds = new ArrayList<>();
    Lifecycle lifecycle =
        bed.lifecycle(n -> {
          rounds.add(n);
          return summary(Map.of(Outcome.IN_PLACE, 1), bed.clock.instant().plusSeconds(30));
        });
    // The signal comes while the loop sleeps: the sleeper reports it and no round follows.
    bed.stopAfter = 1;
    assertEquals(0, lifecycle.loop());
    assertEquals(List.of(1), rounds);
  }

  @Test
  void aConfigurationErrorOfTheFirstRunEndsTheLoop() {
    Bed bed = new Bed();
    Lifecycle lifecycle =
        new Lifecycle(
            new Lifecycle.Settings(
                null, Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofMinutes(15)),
            bed.clock,
            bed.stop,
            d -> {
              throw new ConfigurationException(
                  "--dns-from-service kube-system/nope: no EndpointSlice");
            },
            Lifecycle.Sink.NONE,
            wake -> true,
            Lifecycle.Heartbeat.NONE);
    assertThrows(ConfigurationException.class, lifecycle::loop);
  }

  @Test
  void theHeartbeatGoesOnWhileTheLoopSleeps() throws Exception {
    Bed bed = new Bed();
    bed.stopAfter = 2;
    bed.runTime = Duration.ZERO;
    bed.lifecycle(n -> summary(Map.of(Outcome.IN_PLACE, 1), bed.clock.instant().plusSeconds(60)))
        .loop();
    for (int i = 1; i < bed.beats.size(); i++) {
      Duration gap = Duration.between(bed.beats.get(i - 1), bed.beats.get(i));
      assertTrue(gap.compareTo(Duration.ofSeconds(10)) <= 0, "beats " + bed.beats);
    }
    assertEquals(START.plusSeconds(60), bed.starts.get(1));
  }
}
