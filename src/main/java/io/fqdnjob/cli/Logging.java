package io.fqdnjob.cli;

import io.fqdnjob.kube.ConfigurationException;

/** Sets up logging before the first logger is created (slf4j-simple reads its settings once). */
final class Logging {
  private Logging() {}

  static void configure(boolean verbose) {
    if (verbose) {
      System.setProperty("org.slf4j.simpleLogger.log.io.fqdnjob", "debug");
    }
  }

  static void configure(boolean verbose, String format) throws ConfigurationException {
    configure(verbose);
    switch (format) {
      case "text" -> {}
      case "json" -> {
        // slf4j-simple writes each record as text and flushes once per record; the stream turns
        // each flushed record into one JSON line.
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", JsonLogStream.TIME_FORMAT);
        System.setErr(new JsonLogStream(System.err));
      }
      default ->
          throw new ConfigurationException(
              "--log-format must be text or json, got '" + format + "'");
    }
  }
}
