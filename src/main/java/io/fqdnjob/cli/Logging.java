package io.fqdnjob.cli;

import io.fqdnjob.kube.ConfigurationException;
import io.fqdnjob.log.JsonLogProvider;
import java.io.PrintWriter;
import org.slf4j.LoggerFactory;

/**
 * Sets up logging before the first logger is made: SLF4J chooses its provider then, and
 * slf4j-simple reads its settings once. Text logs are slf4j-simple's; {@code --log-format json}
 * chooses {@link JsonLogProvider}. Both take their levels from the same system properties ({@code
 * org.slf4j.simpleLogger.*}).
 */
final class Logging {
  private static final String SIMPLE = "org.slf4j.simpleLogger.";

  private static volatile boolean json;

  private Logging() {}

  static void configure(boolean verbose) {
    if (verbose) {
      System.setProperty(SIMPLE + "log.io.fqdnjob", "debug");
    }
  }

  static void configure(boolean verbose, String format) throws ConfigurationException {
    switch (format) {
      case "text" -> configure(verbose);
      case "json" -> {
        configure(verbose);
        JsonLogProvider.select();
        json = true;
        // What would otherwise go to standard error as text: the JVM's report of an exception
        // that ended a thread.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) ->
            LoggerFactory.getLogger(Logging.class)
                .error("uncaught exception in thread {}", thread.getName(), e));
      }
      default ->
          throw new ConfigurationException(
              "--log-format must be text or json, got '" + format + "'");
    }
  }

  /** Returns whether log events are written as JSON lines. */
  static boolean json() {
    return json;
  }

  /**
   * Reports a configuration error found while the command ran: with JSON logs as an ERROR event, so
   * that standard error stays JSON lines, else as {@code fqdn-job: MESSAGE} on {@code err}.
   */
  static void configurationError(PrintWriter err, ConfigurationException e) {
    if (json) {
      LoggerFactory.getLogger(Main.class).error(e.getMessage());
    } else {
      err.println("fqdn-job: " + e.getMessage());
    }
  }

  /**
   * Reports an error no handler knows (a defect) as an ERROR event with its stack trace and returns
   * {@code true} with JSON logs; returns {@code false} without, leaving it to picocli.
   */
  static boolean uncaught(Exception e) {
    if (json) {
      LoggerFactory.getLogger(Main.class).error("uncaught error", e);
    }
    return json;
  }
}
