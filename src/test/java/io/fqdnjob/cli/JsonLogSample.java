package io.fqdnjob.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a few awkward events with {@code --log-format json} set up as the job does it; run in a JVM
 * of its own by {@link JsonLogsTest}, as SLF4J chooses its provider once per JVM.
 */
final class JsonLogSample {
  private JsonLogSample() {}

  public static void main(String[] args) throws Exception {
    Logging.configure(false, "json");
    Logger log = LoggerFactory.getLogger("io.fqdnjob.sample.Sample");
    Thread.currentThread().setName("sample-main");
    log.info("first line\nsecond line");
    log.warn("failed to list {}", "things", new IllegalStateException("boom\nsecond line of boom"));
    log.error("quote \" backslash \\ tab \t bell \u0007 done");
    log.debug("not shown without --verbose");
    LoggerFactory.getLogger("io.kubernetes.client.Sample").debug("not shown either");
    // A thread that dies of an exception: the JVM's report of it is an event too.
    Thread dying =
        new Thread(
            () -> {
              throw new IllegalArgumentException("died");
            },
            "dying-thread");
    dying.start();
    dying.join();
  }
}
