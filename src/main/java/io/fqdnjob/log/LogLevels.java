package io.fqdnjob.log;

import java.util.Locale;
import java.util.Properties;
import org.slf4j.event.Level;

/**
 * Which events a logger writes, read from the system properties that configure slf4j-simple, so
 * that one setting serves both log formats: {@code org.slf4j.simpleLogger.defaultLogLevel} (INFO
 * when not set) and {@code org.slf4j.simpleLogger.log.NAME} for the logger NAME and those below it
 * (the nearest name wins). Values are {@code trace}, {@code debug}, {@code info}, {@code warn},
 * {@code error} and {@code off}; any other value counts as INFO, as slf4j-simple takes it.
 */
final class LogLevels {
  static final String PREFIX = "org.slf4j.simpleLogger.";
  static final String DEFAULT = PREFIX + "defaultLogLevel";
  static final String LOGGER = PREFIX + "log.";

  /** A threshold above every level: nothing is written. */
  static final int OFF = Integer.MAX_VALUE;

  private final Properties properties;

  /** Levels from {@code properties} (a copy is kept). */
  LogLevels(Properties properties) {
    this.properties = new Properties();
    this.properties.putAll(properties);
  }

  /** Levels from the system properties as they are now. */
  static LogLevels fromSystemProperties() {
    return new LogLevels(System.getProperties());
  }

  /** Returns the lowest {@link Level#toInt()} that logger {@code name} writes, or {@link #OFF}. */
  int threshold(String name) {
    String value = null;
    for (String prefix = name; value == null && !prefix.isEmpty(); prefix = parent(prefix)) {
      value = properties.getProperty(LOGGER + prefix);
    }
    if (value == null) {
      value = properties.getProperty(DEFAULT, "info");
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "trace" -> Level.TRACE.toInt();
      case "debug" -> Level.DEBUG.toInt();
      case "warn" -> Level.WARN.toInt();
      case "error" -> Level.ERROR.toInt();
      case "off" -> OFF;
      default -> Level.INFO.toInt();
    };
  }

  private static String parent(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(0, dot);
  }
}
