package io.fqdnjob.log;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * A logger of {@link JsonLogProvider}: formats the message as every SLF4J logger does ({@code {}}
 * placeholders) and hands the event to its {@link JsonLineWriter}. Markers are ignored.
 */
final class JsonLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;

  private final transient int threshold;
  private final transient JsonLineWriter writer;

  JsonLogger(String name, int threshold, JsonLineWriter writer) {
    this.name = name;
    this.threshold = threshold;
    this.writer = writer;
  }

  private boolean enabled(Level level) {
    return level.toInt() >= threshold;
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String pattern, Object[] arguments, Throwable error) {
    writer.write(level, name, MessageFormatter.basicArrayFormat(pattern, arguments), error);
  }
}
