package io.fqdnjob.cli;

import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A standard-error stream that writes each flushed log record as one JSON object per line, for log
 * pipelines: {@code {"time":...,"level":...,"logger":...,"message":...}} plus {@code "stack"} when
 * the record carries an exception. Text that does not look like a record is kept whole as the
 * message.
 */
final class JsonLogStream extends PrintStream {
  /** The timestamp format slf4j-simple is told to use, so the time field is RFC 3339 in UTC. */
  static final String TIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSX";

  private static final Pattern RECORD =
      Pattern.compile("(\\S+) \\[(TRACE|DEBUG|INFO|WARN|ERROR)\\] (\\S+) - (.*)", Pattern.DOTALL);

  private final PrintStream target;
  private final ByteArrayOutputStream buffer;

  JsonLogStream(PrintStream target) {
    this(target, new ByteArrayOutputStream());
  }

  private JsonLogStream(PrintStream target, ByteArrayOutputStream buffer) {
    super(buffer, false, StandardCharsets.UTF_8);
    this.target = target;
    this.buffer = buffer;
  }

  @Override
  public synchronized void flush() {
    super.flush();
    String text = buffer.toString(StandardCharsets.UTF_8);
    buffer.reset();
    if (!text.isBlank()) {
      target.println(toJson(text.stripTrailing()));
      target.flush();
    }
  }

  @Override
  public void close() {
    flush();
  }

  /** Returns the JSON line of one record. */
  static String toJson(String record) {
    JsonObject json = new JsonObject();
    Matcher m = RECORD.matcher(record);
    if (m.matches()) {
      String rest = m.group(4);
      int newline = rest.indexOf('\n');
      json.addProperty("time", m.group(1));
      json.addProperty("level", m.group(2));
      json.addProperty("logger", m.group(3));
      json.addProperty("message", newline < 0 ? rest : rest.substring(0, newline));
      if (newline >= 0) {
        json.addProperty("stack", rest.substring(newline + 1));
      }
    } else {
      json.addProperty("message", record);
    }
    return json.toString();
  }
}
