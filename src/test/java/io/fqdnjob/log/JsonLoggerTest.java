package io.fqdnjob.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.event.Level;

class JsonLoggerTest {
  private static final Instant NOW = Instant.parse("2026-11-29T21:00:00.123456Z");

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private JsonLoggerFactory factory(String... levels) {
    Properties properties = new Properties();
    for (int i = 0; i < levels.length; i += 2) {
      properties.setProperty(levels[i], levels[i + 1]);
    }
    return new JsonLoggerFactory(
        new LogLevels(properties),
        new JsonLineWriter(
            new PrintStream(out, false, StandardCharsets.UTF_8), Clock.fixed(NOW, ZoneOffset.UTC)));
  }

  private String text() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private List<String> lines() {
    String text = text();
    assertTrue(text.isEmpty() || text.endsWith("\n"), text);
    return text.isEmpty() ? List.of() : List.of(text.split("\n", -1)).subList(0, count(text));
  }

  private static int count(String text) {
    return (int) text.chars().filter(c -> c == '\n').count();
  }

  private List<JsonObject> events() {
    return lines().stream().map(line -> JsonParser.parseString(line).getAsJsonObject()).toList();
  }

  @Test
  void anEventIsOneLineWithTheFieldsInTheirOrder() {
    Thread.currentThread().setName("worker-1");
    factory().getLogger("io.fqdnjob.job.RunJob").info("run finished: listed={}", 3);

    assertEquals(
        "{\"time\":\"2026-11-29T21:00:00.123Z\",\"level\":\"INFO\","
            + "\"logger\":\"io.fqdnjob.job.RunJob\",\"thread\":\"worker-1\","
            + "\"message\":\"run finished: listed=3\"}\n",
        text());
  }

  @Test
  void eachLevelIsNamedAsSlf4jNamesIt() {
    Logger log = factory(LogLevels.DEFAULT, "trace").getLogger("a.B");
    log.trace("t");
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");

    assertEquals(
        List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR"),
        events().stream().map(e -> e.get("level").getAsString()).toList());
  }

  @Test
  void anExceptionIsItsStackTraceAsOneString() {
    factory()
        .getLogger("io.fqdnjob.kube.ApiRetry")
        .warn("failed to list {}", "things", new IOException("disk\nfull", new Exception("cause")));

    List<JsonObject> events = events();
    assertEquals(1, events.size(), text());
    JsonObject event = events.get(0);
    assertEquals("failed to list things", event.get("message").getAsString());
    String exception = event.get("exception").getAsString();
    assertTrue(
        exception.startsWith(
            "java.io.IOException: disk\nfull\n\tat io.fqdnjob.log.JsonLoggerTest."),
        exception);
    assertTrue(exception.contains("\nCaused by: java.lang.Exception: cause\n"), exception);
    assertFalse(exception.endsWith("\n"), exception);
  }

  @Test
  void anExceptionAfterEveryPlaceholderIsTheEventsException() {
    Logger log = factory().getLogger("a.B");
    log.error("{} and {} failed", "one", "two", new IllegalStateException("both"));
    log.error("failed", new IllegalStateException("alone"));

    List<JsonObject> events = events();
    assertEquals("one and two failed", events.get(0).get("message").getAsString());
    assertTrue(
        events.get(0).get("exception").getAsString().startsWith("java.lang.IllegalStateException"));
    assertEquals("failed", events.get(1).get("message").getAsString());
    assertTrue(events.get(1).get("exception").getAsString().contains("alone"));
  }

  @Test
  void lineBreaksQuotesAndControlCharactersAreEscapedOnOneLine() {
    String message = "say \"hi\" \\ C:\\dir\r\n\nnext\u0000\u001b[31m\u2028end <a&b=c>";
    factory().getLogger("x.Y").warn(message);

    String text = text();
    assertEquals(1, count(text), text);
    assertTrue(text.chars().noneMatch(c -> c < 0x20 && c != '\n'), text);
    assertTrue(text.contains("\\r\\n\\nnext\\u0000\\u001b[31m\\u2028end <a&b=c>"), text);
    assertEquals(message, events().get(0).get("message").getAsString());
  }

  @Test
  void aMissingMessageIsWrittenAsNull() {
    factory().getLogger("x.Y").info(null);

    assertEquals("null", events().get(0).get("message").getAsString());
  }

  @Test
  @Timeout(60)
  void concurrentThreadsWriteWholeLines() throws Exception {
    JsonLoggerFactory factory = factory();
    int threads = 8;
    int events = 400;
    // Long messages with line breaks: a line cut by another thread's would not parse.
    String filler = "x\n\"y\"".repeat(500);
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread writer =
          new Thread(
              () -> {
                Logger log = factory.getLogger("io.fqdnjob.Thread" + thread);
                try {
                  start.await();
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
                for (int i = 0; i < events; i++) {
                  log.info("{} {}", i, filler, i % 50 == 0 ? new IllegalStateException("e") : null);
                }
              },
              "writer-" + t);
      writer.start();
      started.add(writer);
    }
    start.countDown();
    for (Thread thread : started) {
      thread.join();
    }

    List<JsonObject> written = events();
    assertEquals(threads * events, written.size());
    Map<String, Integer> next = new HashMap<>();
    for (JsonObject event : written) {
      String thread = event.get("thread").getAsString();
      assertEquals(
          "io.fqdnjob.Thread" + thread.substring("writer-".length()),
          event.get("logger").getAsString());
      int expected = next.getOrDefault(thread, 0);
      assertEquals(expected + " " + filler, event.get("message").getAsString());
      assertEquals(expected % 50 == 0, event.has("exception"), event.toString());
      next.put(thread, expected + 1);
    }
    assertEquals(threads, next.size());
  }

  @Test
  void infoIsTheDefaultLevel() {
    Logger log = factory().getLogger("io.kubernetes.client.openapi.ApiClient");
    log.debug("hidden");
    log.info("shown");

    assertFalse(log.isDebugEnabled());
    assertTrue(log.isInfoEnabled());
    assertEquals(
        List.of("shown"), events().stream().map(e -> e.get("message").getAsString()).toList());
  }

  @Test
  void verboseLevelsTheJobsLoggersAsSlf4jSimpleDoes() {
    // What --verbose sets (Logging.configure): debug for the job, the default for the rest.
    JsonLoggerFactory factory =
        factory(
            LogLevels.LOGGER + "io.fqdnjob", "debug", LogLevels.LOGGER + "io.fqdnjob.dns", "warn");
    factory.getLogger("io.fqdnjob.kube.FirstRequestLog").debug("job debug");
    factory.getLogger("io.fqdnjob.dns.Lookup").info("nearer name says warn");
    factory.getLogger("io.fqdnjob.dns.Lookup").warn("dns warn");
    factory.getLogger("io.kubernetes.client.util.Watch").debug("client debug");
    factory.getLogger("io.fqdnjobs.Other").debug("a name that only starts alike");

    assertEquals(
        List.of("job debug", "dns warn"),
        events().stream().map(e -> e.get("message").getAsString()).toList());
  }

  @Test
  void levelValuesAreReadAsSlf4jSimpleReadsThem() {
    assertEquals(LogLevels.OFF, new LogLevels(props(LogLevels.DEFAULT, "off")).threshold("a"));
    assertEquals(
        Level.ERROR.toInt(), new LogLevels(props(LogLevels.DEFAULT, " ERROR ")).threshold("a"));
    assertEquals(
        Level.INFO.toInt(), new LogLevels(props(LogLevels.DEFAULT, "loud")).threshold("a"));
    assertEquals(
        Level.TRACE.toInt(),
        new LogLevels(props(LogLevels.LOGGER + "a.b.C", "trace")).threshold("a.b.C"));
    Logger off = factory(LogLevels.LOGGER + "noisy", "off").getLogger("noisy.Thing");
    off.error("never");
    assertFalse(off.isErrorEnabled());
    assertEquals("", text());
  }

  private static Properties props(String key, String value) {
    Properties properties = new Properties();
    properties.setProperty(key, value);
    return properties;
  }

  @Test
  void oneLoggerPerName() {
    JsonLoggerFactory factory = factory();
    assertTrue(factory.getLogger("a.B") == factory.getLogger("a.B"));
    assertEquals("a.B", factory.getLogger("a.B").getName());
  }
}
