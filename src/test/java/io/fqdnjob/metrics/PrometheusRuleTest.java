package io.fqdnjob.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.job.Outcome;
import io.fqdnjob.job.RunSummary;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The example alerts only use metric names that the job really pushes. */
class PrometheusRuleTest {
  @Test
  void everyFqdnJobMetricInTheAlertsIsPushedByARun() throws Exception {
    String rules = Files.readString(PromtoolRulesIT.RULE);
    Set<String> referenced = new TreeSet<>();
    Matcher m = Pattern.compile("fqdn_job_[a-z_]+").matcher(rules);
    while (m.find()) {
      referenced.add(m.group());
    }
    assertFalse(referenced.isEmpty());

    RunSummary summary =
        new RunSummary(
            Map.of(Outcome.APPLIED, 1),
            1,
            new RunSummary.Lookups(1, 1, Map.of()),
            new RunSummary.Writes(1, 1, 0),
            Duration.ofSeconds(1),
            null,
            RunSummary.Ending.LISTED);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create()
        .write(out, RunMetrics.of(summary, Instant.EPOCH).registry().scrape());
    String exposed = out.toString(StandardCharsets.UTF_8);
    for (String name : referenced) {
      assertTrue(
          exposed.contains("\n" + name + " ") || exposed.contains("\n" + name + "{"),
          name + " in\n" + exposed);
    }
  }

  @Test
  void aFailedRunCarriesNoLastSuccessTime() throws Exception {
    RunSummary failed =
        new RunSummary(
            Map.of(Outcome.FAILED, 1),
            1,
            new RunSummary.Lookups(1, 1, Map.of()),
            new RunSummary.Writes(1, 1, 0),
            Duration.ofSeconds(1),
            null,
            RunSummary.Ending.LISTED);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create()
        .write(out, RunMetrics.of(failed, Instant.EPOCH).registry().scrape());
    String exposed = out.toString(StandardCharsets.UTF_8);
    assertFalse(exposed.contains("fqdn_job_last_success_timestamp_seconds"), exposed);
    assertTrue(exposed.contains("fqdn_job_last_run_failed 1"), exposed);
  }

  @Test
  void aRunThatCouldNotListPushesTheFailedExitCode() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create()
        .write(
            out,
            RunMetrics.of(
                    RunSummary.unlisted(RunSummary.Ending.LIST_FAILED, Duration.ZERO),
                    Instant.EPOCH)
                .registry()
                .scrape());
    String exposed = out.toString(StandardCharsets.UTF_8);
    assertTrue(
        exposed.contains("fqdn_job_last_run_exit_code " + RunSummary.EXIT_FAILED + ".0\n")
            || exposed.contains("fqdn_job_last_run_exit_code " + RunSummary.EXIT_FAILED + "\n"),
        exposed);
    assertTrue(exposed.contains("fqdn_job_last_run_failed 1"), exposed);
    assertFalse(exposed.contains("fqdn_job_last_success_timestamp_seconds"), exposed);
  }
}
