package io.fqdnjob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class JsonLogStreamTest {
  private static List<String> lines(String text) {
    List<String> lines = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      if (!line.isEmpty()) {
        lines.add(line);
      }
    }
    return lines;
  }

  private static JsonObject parse(String line) {
    return JsonParser.parseString(line).getAsJsonObject();
  }

  @Test
  @Timeout(60)
  void eachEventOfSlf4jSimpleIsOneJsonLine() throws Exception {
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                JsonLogSample.class.getName())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "sample did not end");
    assertEquals(0, process.exitValue(), err);

    List<String> lines = lines(err);
    assertEquals(3, lines.size(), err);
    JsonObject info = parse(lines.get(0));
    assertEquals("first line\nsecond line", info.get("message").getAsString(), info.toString());
    assertFalse(info.has("exception"), info.toString());
    assertEquals("INFO", info.get("level").getAsString(), info.toString());
    assertEquals("io.fqdnjob.sample.Sample", info.get("logger").getAsString());
    assertEquals("sample-main", info.get("thread").getAsString());
    assertTrue(
        info.get("time")
            .getAsString()
            .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"),
        info.toString());

    JsonObject warn = parse(lines.get(1));
    assertEquals("WARN", warn.get("level").getAsString(), warn.toString());
    assertEquals("io.fqdnjob.sample.Sample", warn.get("logger").getAsString());
    assertEquals("failed to list things", warn.get("message").getAsString());
    String exception = warn.get("exception").getAsString();
    assertTrue(
        exception.startsWith("java.lang.IllegalStateException: boom\nsecond line of boom\n\tat "),
        exception);
    assertTrue(exception.contains("JsonLogSample.main"), exception);
    assertFalse(exception.endsWith("\n"), exception);

    JsonObject error = parse(lines.get(2));
    assertEquals("ERROR", error.get("level").getAsString(), error.toString());
    assertEquals(
        "quote \" backslash \\ tab \t bell \u0007 done", error.get("message").getAsString());
    // Control characters are escaped, so that the line stays one line of printable text.
    assertTrue(lines.get(2).contains("\\t bell \\u0007 done"), lines.get(2));
  }

  private static final Instant NOW = Instant.parse("2026-11-29T21:00:00.123456Z");

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final JsonLogStream stream =
      new JsonLogStream(
          new PrintStream(out, true, StandardCharsets.UTF_8), Clock.fixed(NOW, ZoneOffset.UTC));

  private List<JsonObject> written() {
    return lines(out.toString(StandardCharsets.UTF_8)).stream()
        .map(JsonLogStreamTest::parse)
        .toList();
  }

  /** Writes one event the way slf4j-simple's SimpleLogger.write does. */
  private void log(String head, Throwable error) {
    stream.println(head);
    if (error != null) {
      error.printStackTrace(stream);
    }
    stream.flush();
  }

  @Test
  void eventWithAStackTraceIsOneObject() {
    log("ERROR io.fqdnjob.job.RunJob - run failed: it broke", new IOException("disk\nfull"));

    List<JsonObject> lines = written();
    assertEquals(1, lines.size(), out.toString(StandardCharsets.UTF_8));
    JsonObject event = lines.get(0);
    assertEquals("2026-11-29T21:00:00.123Z", event.get("time").getAsString());
    assertEquals("ERROR", event.get("level").getAsString());
    assertEquals("io.fqdnjob.job.RunJob", event.get("logger").getAsString());
    assertEquals(Thread.currentThread().getName(), event.get("thread").getAsString());
    assertEquals("run failed: it broke", event.get("message").getAsString());
    assertTrue(
        event
            .get("exception")
            .getAsString()
            .startsWith("java.io.IOException: disk\nfull\n\tat io.fqdnjob.cli.JsonLogStreamTest"),
        event.toString());
  }

  @Test
  void messageMayHoldTheSeparatorAndLineBreaks() {
    log("INFO io.fqdnjob.Main - a - b\n\nc\n", null);

    JsonObject event = written().get(0);
    assertEquals("io.fqdnjob.Main", event.get("logger").getAsString());
    assertEquals("a - b\n\nc\n", event.get("message").getAsString());
    assertFalse(event.has("exception"), event.toString());
  }

  @Test
  void quotesBackslashesAndControlCharactersAreEscapedOnOneLine() {
    String message = "say \"hi\" \\ C:\\dir\r\n\u0000\u001b[31m\u2028end";
    log("WARN x.Y - " + message, null);

    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(1, text.split("\n", -1).length - 1, text);
    assertTrue(text.chars().noneMatch(c -> c < 0x20 && c != '\n'), text);
    assertTrue(text.contains("\\u0000\\u001b[31m\\u2028end"), text);
    assertEquals(message, written().get(0).get("message").getAsString());
  }

  @Test
  void eventsOfTwoThreadsDoNotMix() throws Exception {
    CountDownLatch headWritten = new CountDownLatch(1);
    CountDownLatch otherLogged = new CountDownLatch(1);
    Thread slow =
        new Thread(
            () -> {
              stream.println("ERROR a.Slow - slow one");
              headWritten.countDown();
              try {
                otherLogged.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              new IllegalStateException("slow failure").printStackTrace(stream);
              stream.flush();
            },
            "slow-thread");
    slow.start();
    headWritten.await();
    log("INFO b.Fast - fast one", null);
    otherLogged.countDown();
    slow.join();

    List<JsonObject> lines = written();
    assertEquals(2, lines.size(), out.toString(StandardCharsets.UTF_8));
    assertEquals("fast one", lines.get(0).get("message").getAsString());
    assertFalse(lines.get(0).has("exception"), lines.get(0).toString());
    assertEquals("slow one", lines.get(1).get("message").getAsString());
    assertEquals("slow-thread", lines.get(1).get("thread").getAsString());
    assertTrue(
        lines
            .get(1)
            .get("exception")
            .getAsString()
            .startsWith("java.lang.IllegalStateException: slow failure"),
        lines.get(1).toString());
  }

  @Test
  void otherTextIsKeptWholeAsTheMessage() {
    stream.print("Exception in thread \"worker\" ");
    new IllegalStateException("uncaught").printStackTrace(stream);
    stream.flush();

    List<JsonObject> lines = written();
    assertEquals(1, lines.size(), out.toString(StandardCharsets.UTF_8));
    JsonObject event = lines.get(0);
    assertFalse(event.has("level"), event.toString());
    assertTrue(
        event
            .get("message")
            .getAsString()
            .startsWith(
                "Exception in thread \"worker\" java.lang.IllegalStateException: uncaught\n\tat "),
        event.toString());
  }

  @Test
  void lineThatIsNoEventHeadIsKeptAsTheMessage() {
    stream.println("Usage: fqdn-job run [OPTIONS]");
    stream.println("  --verbose");
    stream.flush();

    JsonObject event = written().get(0);
    assertFalse(event.has("level"), event.toString());
    assertEquals("Usage: fqdn-job run [OPTIONS]\n  --verbose", event.get("message").getAsString());
  }

  @Test
  void flushWithNothingWrittenWritesNothing() {
    stream.flush();
    stream.print("  \n");
    stream.flush();

    assertEquals("", out.toString(StandardCharsets.UTF_8));
  }
}
