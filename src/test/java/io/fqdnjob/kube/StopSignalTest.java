package io.fqdnjob.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One stop for the whole process, and one per run under it. */
class StopSignalTest {
  private static final Clock FROZEN =
      Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC);

  @Test
  void theFirstRequestWinsAndRunsTheActionsOnce() {
    StopSignal stop = StopSignal.create();
    List<String> ran = new ArrayList<>();
    stop.onStop(() -> ran.add("cancel reads"));
    assertTrue(stop.request(StopSignal.Reason.SIGNAL, "SIGTERM"));
    assertFalse(
        stop.request(StopSignal.Reason.SIGNAL, "SIGINT"), "a second signal is the caller's");
    assertEquals("SIGTERM", stop.why());
    assertEquals(List.of("cancel reads"), ran);
    stop.onStop(() -> ran.add("registered late"));
    assertEquals(List.of("cancel reads", "registered late"), ran, "runs at once when stopped");
  }

  @Test
  void aRemovedActionDoesNotRun() {
    StopSignal stop = StopSignal.create();
    List<String> ran = new ArrayList<>();
    stop.onStop(() -> ran.add("a read that ended")).close();
    stop.request(StopSignal.Reason.SIGNAL, "SIGTERM");
    assertEquals(List.of(), ran);
  }

  @Test
  void theProcessStopsEveryRunAndARunStopsOnlyItself() {
    StopSignal process = StopSignal.create();
    StopSignal stalled = process.child();
    stalled.request(StopSignal.Reason.STALLED, "no answer to list networkpolicies");
    assertFalse(process.requested(), "a loop goes on after a stalled run");
    stalled.close();

    StopSignal run = process.child();
    process.request(StopSignal.Reason.SIGNAL, "SIGTERM");
    assertTrue(run.requested());
    assertEquals(StopSignal.Reason.SIGNAL, run.reason());
    assertTrue(process.child().requested(), "a run started after the stop is stopped");
  }

  @Test
  void aDeadlinePassesAtItsTimeOrAtAStopWhicheverIsFirst() throws Exception {
    StopSignal stop = StopSignal.create();
    Deadline deadline = Deadline.after(Duration.ofSeconds(40), FROZEN, stop);
    assertFalse(deadline.passed());
    assertNull(deadline.why());
    assertEquals(Duration.ofSeconds(30), deadline.cap(Duration.ofSeconds(30)));
    stop.request(StopSignal.Reason.SIGNAL, "SIGINT");
    assertTrue(deadline.passed());
    assertEquals(Duration.ZERO, deadline.cap(Duration.ofSeconds(30)));
    assertEquals("the run was stopped (SIGINT)", deadline.why());
    assertFalse(deadline.sleep(Duration.ofHours(1)), "no sleep after a stop");

    Deadline past = Deadline.after(Duration.ZERO, FROZEN, StopSignal.create());
    assertEquals("the run's deadline has passed", past.why());
  }
}
