package io.fqdnjob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --log-format json} as a user gets it: each case runs a JVM of its own (SLF4J chooses its
 * provider once per JVM) on the test class path, where slf4j-simple is the registered provider.
 */
class JsonLogsTest {
  private record Ended(int exitCode, String stderr) {
    List<String> lines() {
      List<String> lines = new ArrayList<>();
      for (String line : stderr.split("\n", -1)) {
        if (!line.isEmpty()) {
          lines.add(line);
        }
      }
      return lines;
    }

    /** Every line parsed; fails on a line that is not one JSON object. */
    List<JsonObject> events() {
      List<JsonObject> events = new ArrayList<>();
      for (String line : lines()) {
        JsonElement parsed;
        try {
          parsed = JsonParser.parseString(line);
        } catch (RuntimeException e) {
          throw new AssertionError("not JSON: " + line + "\nin:\n" + stderr, e);
        }
        assertTrue(parsed.isJsonObject(), line);
        events.add(parsed.getAsJsonObject());
      }
      return events;
    }
  }

  private static Ended java(String mainClass, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "did not end: " + command);
    return new Ended(process.exitValue(), err);
  }

  /**
   * A kubeconfig whose API server is a port of this machine where nothing listens: every request is
   * refused at once, and nothing leaves the machine.
   */
  private static Path deadApiServer(Path dir) throws IOException {
    return Files.writeString(
        dir.resolve("dead.kubeconfig"),
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: dead
          cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}
        users:
        - name: someone
          user: {token: not-a-token}
        contexts:
        - name: dead
          context: {cluster: dead, user: someone, namespace: default}
        current-context: dead
        """);
  }

  private static String[] run(Path kubeconfig, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "--kubeconfig",
                kubeconfig.toString(),
                "--dns-server",
                "127.0.0.1",
                "--all-namespaces",
                "--deadline",
                "2s"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  private static boolean isTime(String text) {
    return text.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
  }

  @Test
  @Timeout(90)
  void aRunWithJsonLogsWritesOnlyJsonLinesToStandardError(@TempDir Path dir) throws Exception {
    Ended ended =
        java(Main.class.getName(), run(deadApiServer(dir), "--log-format", "json", "--verbose"));

    List<JsonObject> events = ended.events();
    assertFalse(events.isEmpty(), ended.stderr());
    for (JsonObject event : events) {
      assertTrue(isTime(event.get("time").getAsString()), event.toString());
      assertTrue(
          event.has("level") && event.has("logger") && event.has("thread"), event.toString());
      assertTrue(event.has("message"), event.toString());
    }
    // --verbose: the job's own debug events are written.
    assertTrue(
        events.stream()
            .anyMatch(e ->
                e.get("level").getAsString().equals("DEBUG")
                    && e.get("logger").getAsString().startsWith("io.fqdnjob.")),
        ended.stderr());
    JsonObject last = events.get(events.size() - 1);
    assertEquals("INFO", last.get("level").getAsString(), last.toString());
    assertTrue(last.get("message").getAsString().startsWith("run finished: "), last.toString());
    assertFalse(ended.stderr().contains("SLF4J"), ended.stderr());
  }

  @Test
  @Timeout(90)
  void textLogsStaySlf4jSimpleAndNeitherFormatHearsOfTwoProviders(@TempDir Path dir)
      throws Exception {
    Ended ended = java(Main.class.getName(), run(deadApiServer(dir)));

    List<String> lines = ended.lines();
    assertFalse(lines.isEmpty(), ended.stderr());
    for (String line : lines) {
      assertTrue(line.matches("\\S+Z \\[(DEBUG|INFO|WARN|ERROR)] \\S+ - .*"), line);
    }
    assertTrue(
        lines.get(lines.size() - 1).contains("] Lifecycle - run finished: "), lines.toString());
    assertFalse(ended.stderr().contains("SLF4J"), ended.stderr());
  }

  @Test
  @Timeout(60)
  void aConfigurationErrorWithJsonLogsIsAnErrorEvent() throws Exception {
    Ended ended =
        java(
            Main.class.getName(),
            "run",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "--all-namespaces",
            "--log-format",
            "json");

    assertEquals(ExitCodes.CONFIG, ended.exitCode(), ended.stderr());
    List<JsonObject> events = ended.events();
    assertEquals(1, events.size(), ended.stderr());
    JsonObject event = events.get(0);
    assertEquals("ERROR", event.get("level").getAsString());
    assertEquals(Main.class.getName(), event.get("logger").getAsString());
    assertTrue(
        event.get("message").getAsString().contains("/nonexistent/kubeconfig"), event.toString());
  }

  @Test
  @Timeout(60)
  void eachEventIsOneJsonLineWithItsFields() throws Exception {
    Ended ended = java(JsonLogSample.class.getName());
    assertEquals(0, ended.exitCode(), ended.stderr());

    List<JsonObject> events = ended.events();
    assertEquals(4, events.size(), ended.stderr());
    JsonObject info = events.get(0);
    assertEquals("first line\nsecond line", info.get("message").getAsString(), info.toString());
    assertFalse(info.has("exception"), info.toString());
    assertEquals("INFO", info.get("level").getAsString(), info.toString());
    assertEquals("io.fqdnjob.sample.Sample", info.get("logger").getAsString());
    assertEquals("sample-main", info.get("thread").getAsString());
    assertTrue(isTime(info.get("time").getAsString()), info.toString());

    JsonObject warn = events.get(1);
    assertEquals("WARN", warn.get("level").getAsString(), warn.toString());
    assertEquals("failed to list things", warn.get("message").getAsString());
    String exception = warn.get("exception").getAsString();
    assertTrue(
        exception.startsWith("java.lang.IllegalStateException: boom\nsecond line of boom\n\tat "),
        exception);
    assertTrue(exception.contains("JsonLogSample.main"), exception);
    assertFalse(exception.endsWith("\n"), exception);

    JsonObject error = events.get(2);
    assertEquals("ERROR", error.get("level").getAsString(), error.toString());
    assertEquals(
        "quote \" backslash \\ tab \t bell \u0007 done", error.get("message").getAsString());
    // Control characters are escaped, so that the line stays one line of printable text.
    assertTrue(ended.lines().get(2).contains("\\t bell \\u0007 done"), ended.lines().get(2));

    JsonObject died = events.get(3);
    assertEquals("ERROR", died.get("level").getAsString(), died.toString());
    assertEquals("uncaught exception in thread dying-thread", died.get("message").getAsString());
    assertEquals("dying-thread", died.get("thread").getAsString());
    assertTrue(
        died.get("exception").getAsString().startsWith("java.lang.IllegalArgumentException: died"),
        died.toString());
  }
}
