package io.fqdnjob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TerminalProgressTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final AtomicLong nanos = new AtomicLong();
  private final TerminalProgress progress =
      new TerminalProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), nanos::get);

  private String printed() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void shortRunShowsNothing() {
    progress.phase("resolving 3 names");
    progress.step(1, 3);
    progress.done();
    assertEquals("", printed());
  }

  @Test
  void longRunRewritesOneLineAndClearsItAtTheEnd() {
    progress.phase("writing 10 resources");
    nanos.set(3_000_000_000L);
    progress.step(4, 10);
    nanos.addAndGet(100_000_000L);
    progress.step(5, 10); // too soon after the last redraw
    nanos.addAndGet(300_000_000L);
    progress.step(6, 10);
    progress.done();
    assertEquals(
        "\r\033[Kwriting 10 resources: 4/10\r\033[Kwriting 10 resources: 6/10\r\033[K", printed());
    assertTrue(printed().endsWith("\r\033[K"));
  }
}
