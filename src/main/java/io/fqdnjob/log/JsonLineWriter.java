package io.fqdnjob.log;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.slf4j.event.Level;

/**
 * Writes log events as JSON lines: {@code time} (RFC 3339 in UTC, milliseconds), {@code level},
 * {@code logger} (its full name), {@code thread}, {@code message}, and {@code exception} (the stack
 * trace as one string) when the event carries one. Line breaks, quotes and control characters in
 * the values are escaped, so that an event never takes more than its line. Each line goes out in
 * one write under a lock, then the stream is flushed: lines of concurrent threads never mix.
 */
final class JsonLineWriter {
  // Readable '<', '>', '&' and '=': the lines are no HTML.
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);

  private final PrintStream out;
  private final Clock clock;
  private final Object lock = new Object();

  JsonLineWriter(PrintStream out, Clock clock) {
    this.out = out;
    this.clock = clock;
  }

  /** Writes one event, timed now, on the calling thread's name. */
  void write(Level level, String logger, String message, Throwable error) {
    String line =
        line(clock.instant(), level, logger, Thread.currentThread().getName(), message, error);
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    synchronized (lock) {
      out.write(bytes, 0, bytes.length);
      out.flush();
    }
  }

  /** Returns the JSON text of one event, without the line break. */
  static String line(
      Instant time, Level level, String logger, String thread, String message, Throwable error) {
    JsonObject json = new JsonObject();
    json.addProperty("time", TIME.format(time));
    json.addProperty("level", level.toString());
    json.addProperty("logger", logger);
    json.addProperty("thread", thread);
    json.addProperty("message", String.valueOf(message));
    if (error != null) {
      StringWriter trace = new StringWriter();
      try (PrintWriter writer = new PrintWriter(trace)) {
        error.printStackTrace(writer);
      }
      json.addProperty("exception", trace.toString().stripTrailing());
    }
    return GSON.toJson(json);
  }
}
