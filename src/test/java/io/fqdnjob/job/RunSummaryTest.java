package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.metrics.RunMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exit code and the summary line of a run, counted from its resources' outcomes. */
class RunSummaryTest {
  private static RunSummary run(int failed, int cutShort) {
    Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
    outcomes.put(Outcome.APPLIED, 1);
    outcomes.put(Outcome.IN_PLACE, 1);
    outcomes.put(Outcome.FAILED, failed);
    outcomes.put(Outcome.CUT_SHORT, cutShort);
    return new RunSummary(
        outcomes,
        1 + failed + cutShort,
        new RunSummary.Lookups(1, 1, Map.of()),
        new RunSummary.Writes(1, 1, 0),
        Duration.ofSeconds(1),
        null,
        RunSummary.Ending.LISTED);
  }

  @Test
  void aCompleteRunExitsZero() {
    assertEquals(0, run(0, 0).exitCode());
    assertTrue(run(0, 0).toString().startsWith("listed=2 due=1 applied=1 "), run(0, 0).toString());
  }

  @Test
  void everyListedResourceIsCountedOnceByItsOutcome() {
    RunSummary summary = run(2, 3);
    assertEquals(7, summary.listed());
    assertEquals(2, summary.failed());
    assertEquals(3, summary.cutShort());
    assertTrue(summary.toString().contains("failed=2 "), summary.toString());
  }

  @Test
  void aResourceNotWrittenExitsTenEvenWhenAlsoCutShort() {
    assertEquals(10, run(1, 0).exitCode());
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
    RunSummary cut = RunSummary.unlisted(RunSummary.Ending.LIST_CUT_SHORT, Duration.ofSeconds(9));
    assertEquals(11, cut.exitCode());
    assertTrue(cut.toString().contains("listed=0 "), cut.toString());
    assertTrue(cut.toString().endsWith("list=cut-short exit=11"), cut.toString());
    assertEquals(10, RunSummary.unlisted(RunSummary.Ending.LIST_FAILED, Duration.ZERO).exitCode());
    assertEquals(
        10, RunSummary.unlisted(RunSummary.Ending.DNS_SERVICE_FAILED, Duration.ZERO).exitCode());
  }

  @Test
  void aStalledApiServerFailsTheRunWhateverWasLeft() {
    RunSummary stalled =
        new RunSummary(
            Map.of(Outcome.APPLIED, 3, Outcome.CUT_SHORT, 5),
            8,
            RunSummary.Lookups.NONE,
            new RunSummary.Writes(4, 3, 0),
            Duration.ofSeconds(31),
            null,
            RunSummary.Ending.API_STALLED);
    assertEquals(10, stalled.exitCode());
    assertTrue(stalled.toString().endsWith("api=stalled exit=10"), stalled.toString());
  }

  @Test
  void aRefusedListExitsTwoInTheSummaryAndTheMetricsAlike() {
    RunSummary refused = RunSummary.unlisted(RunSummary.Ending.LIST_REFUSED, Duration.ZERO);
    assertEquals(2, refused.exitCode());
    assertTrue(refused.toString().endsWith("list=refused exit=2"), refused.toString());
    String scraped =
        RunMetrics.of(refused, Instant.EPOCH).registry().scrape().stream()
            .filter(m -> m.getMetadata().getName().equals("fqdn_job_last_run_exit_code"))
            .map(m ->
                String.valueOf(
                    ((io.prometheus.metrics.model.snapshots.GaugeSnapshot) m)
                        .getDataPoints()
                        .get(0)
                        .getValue()))
            .toList()
            .toString();
    assertEquals("[2.0]", scraped);
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
    assertFalse(metrics.succeeded(), "a cut-short run is no success");
  }
}
