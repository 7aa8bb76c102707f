package io.fqdnjob.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Standard error for {@code --log-format json}: each log event becomes exactly one JSON object on
 * one line, written with Gson: {@code time} (RFC 3339 in UTC, milliseconds), {@code level}, {@code
 * logger} (the full name), {@code thread}, {@code message}, and {@code exception} (the stack trace
 * as one string) when the event carries one. Line breaks, quotes and control characters inside the
 * values are escaped, so they never break the line.
 *
 * <p>How events are found. slf4j-simple, set up by {@link Logging} to write {@code LEVEL logger -
 * message}, writes one event on the logging thread as one {@code println(String)} of that head (the
 * message may hold line breaks), then the exception's stack trace, then {@code flush()}. So this
 * stream keeps what each thread writes apart until that same thread flushes, takes the first {@code
 * println(String)} of a thread's unflushed output as an event's head and the rest as its stack
 * trace; time and thread are taken when the head is written. Other text on standard error (a
 * library printing there) becomes an object with {@code time}, {@code thread} and {@code message}
 * only, once its thread flushes.
 */
final class JsonLogStream extends PrintStream {
  // Readable '<', '>', '&' and '=': the lines are no HTML.
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);

  private static final Pattern HEAD =
      Pattern.compile("(TRACE|DEBUG|INFO|WARN|ERROR) (\\S+) - (.*)", Pattern.DOTALL);

  /** What one thread wrote since it last flushed. */
  private static final class Pending {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    String head;
    Instant time;
  }

  /** Sends the bytes each thread writes to that thread's {@link Pending}. */
  private static final class PerThread extends OutputStream {
    final ThreadLocal<Pending> pending = ThreadLocal.withInitial(Pending::new);

    @Override
    public void write(int b) {
      pending.get().bytes.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      pending.get().bytes.write(b, off, len);
    }
  }

  private final PrintStream target;
  private final Clock clock;
  private final ThreadLocal<Pending> pending;

  /** Creates a stream that writes JSON lines to {@code target}. */
  JsonLogStream(PrintStream target) {
    this(target, Clock.systemUTC());
  }

  /** Creates a stream that writes JSON lines to {@code target}, with times from {@code clock}. */
  JsonLogStream(PrintStream target, Clock clock) {
    this(target, clock, new PerThread());
  }

  private JsonLogStream(PrintStream target, Clock clock, PerThread perThread) {
    super(perThread, false, StandardCharsets.UTF_8);
    this.target = target;
    this.clock = clock;
    this.pending = perThread.pending;
  }

  @Override
  public void println(String line) {
    Pending mine = pending.get();
    if (mine.head == null && mine.bytes.size() == 0) {
      // The start of this thread's output: slf4j-simple's head of one event.
      mine.head = String.valueOf(line);
      mine.time = clock.instant();
      return;
    }
    super.println(line);
  }

  @Override
  public void flush() {
    super.flush();
    Pending mine = pending.get();
    String rest = mine.bytes.toString(StandardCharsets.UTF_8);
    Instant time = mine.time != null ? mine.time : clock.instant();
    String head = mine.head;
    pending.remove();
    if (head == null && rest.isBlank()) {
      return;
    }
    String line = toJson(time, Thread.currentThread().getName(), head, rest);
    synchronized (target) {
      target.println(line);
      target.flush();
    }
  }

  @Override
  public void close() {
    flush();
  }

  /**
   * Returns the JSON line of one event.
   *
   * @param head the first line slf4j-simple wrote for it, or {@code null} when the text did not
   *     start with a line of its own
   * @param rest what followed the head: a stack trace, or all of the text when there is no head
   */
  static String toJson(Instant time, String thread, String head, String rest) {
    JsonObject json = new JsonObject();
    json.addProperty("time", TIME.format(time));
    Matcher event = head == null ? null : HEAD.matcher(head);
    if (event != null && event.matches()) {
      json.addProperty("level", event.group(1));
      json.addProperty("logger", event.group(2));
      json.addProperty("thread", thread);
      json.addProperty("message", event.group(3));
      String exception = rest.stripTrailing();
      if (!exception.isEmpty()) {
        json.addProperty("exception", exception);
      }
    } else {
      json.addProperty("thread", thread);
      String text = head == null ? rest : rest.isEmpty() ? head : head + "\n" + rest;
      json.addProperty("message", text.stripTrailing());
    }
    return GSON.toJson(json);
  }
}
