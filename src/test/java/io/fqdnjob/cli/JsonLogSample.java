package io.fqdnjob.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a few awkward events with {@code --log-format json} set up as the job does it; run in a JVM
 * of its own by {@link JsonLogStreamTest}, as slf4j-simple reads its settings once per JVM.
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
  }
}
