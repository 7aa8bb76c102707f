package io.fqdnjob.cli;

import io.fqdnjob.kube.ConfigurationException;

/** Sets up logging before the first logger is created (slf4j-simple reads its settings once). */
final class Logging {
  private static final String SIMPLE = "org.slf4j.simpleLogger.";

  private Logging() {}

  static void configure(boolean verbose) {
    if (verbose) {
      System.setProperty(SIMPLE + "log.io.fqdnjob", "debug");
    }
  }

  static void configure(boolean verbose, String format) throws ConfigurationException {
    configure(verbose);
    switch (format) {
      case "text" -> {}
      case "json" -> {
        // slf4j-simple writes each event as one line "LEVEL logger - message", then the stack
        // trace, then flushes; the stream turns that into one JSON line and adds time and thread
        // itself (a thread name in the text could not be told from the message).
        System.setProperty(SIMPLE + "showDateTime", "false");
        System.setProperty(SIMPLE + "showThreadName", "false");
        System.setProperty(SIMPLE + "showThreadId", "false");
        System.setProperty(SIMPLE + "levelInBrackets", "false");
        System.setProperty(SIMPLE + "warnLevelString", "WARN");
        System.setProperty(SIMPLE + "showShortLogName", "false");
        System.setProperty(SIMPLE + "showLogName", "true");
        System.setErr(new JsonLogStream(System.err));
      }
      default ->
          throw new ConfigurationException(
              "--log-format must be text or json, got '" + format + "'");
    }
  }
}
