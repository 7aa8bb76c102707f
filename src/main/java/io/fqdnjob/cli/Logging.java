package io.fqdnjob.cli;

/** Sets the log level before the first logger is created (slf4j-simple reads it once). */
final class Logging {
  private Logging() {}

  static void configure(boolean verbose) {
    if (verbose) {
      System.setProperty("org.slf4j.simpleLogger.log.io.fqdnjob", "debug");
    }
  }
}
