package io.fqdnjob.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The shipped alerts, evaluated by Prometheus's own rule engine: {@code promtool test rules} with
 * the cases of {@code alerts-test.yaml} (one failing shard among three, recovery, two
 * installations, a single failed Job). promtool comes from scripts/lib/prometheus-binary.sh, which
 * builds one pinned version on first use and caches it.
 */
class PromtoolRulesIT {
  static final Path RULE = Path.of("kustomize/components/monitoring/alerts/prometheusrule.yaml");
  private static final String TESTS = "alerts-test.yaml";

  private static Path promtool;

  @TempDir Path dir;

  @BeforeAll
  static void providePromtool() throws Exception {
    // The first build downloads and compiles Prometheus: minutes, not seconds.
    Result built = run(List.of("scripts/lib/prometheus-binary.sh"), Path.of("."), 30);
    assertEquals(0, built.exitCode, "scripts/lib/prometheus-binary.sh failed:\n" + built.output);
    String[] lines = built.stdout.strip().split("\n");
    promtool = Path.of(lines[lines.length - 1]);
    assertTrue(Files.isExecutable(promtool), promtool.toString());
  }

  @Test
  void theShippedRulesPassTheirTests() throws Exception {
    writeCase(Files.readString(RULE));
    Result checked = run(List.of(promtool.toString(), "check", "rules", "rules.yaml"), dir, 2);
    assertEquals(0, checked.exitCode, checked.output);
    Result tested = run(List.of(promtool.toString(), "test", "rules", TESTS), dir, 2);
    assertEquals(0, tested.exitCode, tested.output);
    assertTrue(tested.output.contains("SUCCESS"), tested.output);
  }

  /** The tests tell a rule that takes the maximum over the shards from one that keeps them. */
  @Test
  void aFailingShardHiddenByTheMaximumOverShardsFailsTheTests() throws Exception {
    String rule = Files.readString(RULE);
    String perShard = "max by (namespace, shard) (fqdn_job_last_run_failed";
    assertTrue(rule.contains(perShard), rule);
    writeCase(rule.replace(perShard, "max by (namespace) (fqdn_job_last_run_failed"));
    Result tested = run(List.of(promtool.toString(), "test", "rules", TESTS), dir, 2);
    assertNotEquals(0, tested.exitCode, tested.output);
    assertTrue(tested.output.contains("FqdnJobRunsFailing"), tested.output);
  }

  /** The tests tell a failed-Jobs alert that lasts as long as the Job's history. */
  @Test
  void aFailedJobsAlertWithoutTheWindowFailsTheTests() throws Exception {
    String rule = Files.readString(RULE);
    String window = "(time() - kube_job_status_start_time < 900)";
    assertTrue(rule.contains(window), rule);
    writeCase(rule.replace(window, "kube_job_status_start_time"));
    Result tested = run(List.of(promtool.toString(), "test", "rules", TESTS), dir, 2);
    assertNotEquals(0, tested.exitCode, tested.output);
    assertTrue(tested.output.contains("FqdnJobFailedJobs"), tested.output);
  }

  /**
   * Writes the PrometheusRule's spec, a Prometheus rule file, to rules.yaml (as JSON, which is
   * YAML) and the test cases beside it.
   */
  private void writeCase(String prometheusRule) throws IOException {
    Map<String, Object> parsed =
        new Yaml(new SafeConstructor(new LoaderOptions())).load(prometheusRule);
    assertEquals("PrometheusRule", parsed.get("kind"));
    Files.writeString(dir.resolve("rules.yaml"), new Gson().toJson(parsed.get("spec")));
    try (InputStream in = PromtoolRulesIT.class.getResourceAsStream(TESTS)) {
      Files.write(dir.resolve(TESTS), in.readAllBytes());
    }
  }

  private record Result(int exitCode, String stdout, String output) {}

  private static Result run(List<String> command, Path workDir, int timeoutMinutes)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("promtool", ".log");
    Path out = Files.createTempFile("promtool", ".out");
    try {
      Process process =
          new ProcessBuilder(new ArrayList<>(command))
              .directory(workDir.toFile())
              .redirectOutput(out.toFile())
              .redirectError(log.toFile())
              .start();
      if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError(command + " did not finish within " + timeoutMinutes + " min");
      }
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      return new Result(
          process.exitValue(), stdout, stdout + Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
      Files.deleteIfExists(out);
    }
  }
}
