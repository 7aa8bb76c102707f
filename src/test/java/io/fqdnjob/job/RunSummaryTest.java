package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.metrics.RunMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exit code and the summary line of a run, as the README documents them. */
class RunSummaryTest {
  private static RunSummary run(int failed) {
    return run(failed, 0);
  }

  private static RunSummary run(int failed, int cutShort) {
    return new RunSummary(
        3,
        2,
        1,
        0,
        failed,
        0,
        0,
        0,
        0,
        0,
        0,
        1,
        1,
        1,
        1,
        0,
        Duration.ofSeconds(1),
        null,
        Map.of(),
        cutShort,
        RunSummary.ListOutcome.LISTED);
  }

  @Test
  void aCompleteRunExitsZero() {
    assertEquals(0, run(0).exitCode());
  }

  @Test
  void aResourceNotWrittenExitsTenEvenWhenAlsoCutShort() {
    assertEquals(10, run(1).exitCode());
    assertEquals(10, run(1, 2).exitCode());
  }

  @Test
  void resourcesLeftByTheDeadlineExitEleven() {
    RunSummary summary = run(0, 2);
    assertEquals(11, summary.exitCode());
    assertTrue(summary.toString().contains("cutShort=2"), summary.toString());
    assertTrue(summary.toString().endsWith(" exit=11"), summary.toString());
  }

  @Test
  void aListGivenUpAtTheDeadlineExitsElevenAndAFailedListTen() {
    RunSummary cut = RunSummary.unlisted(RunSummary.ListOutcome.CUT_SHORT, Duration.ofSeconds(9));
    assertEquals(11, cut.exitCode());
    assertTrue(cut.toString().contains("listed=0 "), cut.toString());
    assertTrue(cut.toString().endsWith("list=cut-short exit=11"), cut.toString());
    assertEquals(10, RunSummary.unlisted(RunSummary.ListOutcome.FAILED, Duration.ZERO).exitCode());
  }

  @Test
  void metricsCarryTheExitCodeAndNoSuccessTimeWhenCutShort() {
    RunMetrics metrics = RunMetrics.of(run(0, 1), Instant.now());
    String names =
        metrics.registry().scrape().stream()
            .map(m -> m.getMetadata().getName() + "=" + m.getDataPoints())
            .toList()
            .toString();
    assertTrue(names.contains("fqdn_job_last_run_exit_code"), names);
    assertTrue(!metrics.succeeded(), "a cut-short run is no success");
  }
}
