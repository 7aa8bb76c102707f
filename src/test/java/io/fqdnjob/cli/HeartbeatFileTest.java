package io.fqdnjob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeartbeatFileTest {
  private static final Instant T = Instant.parse("2026-12-07T12:00:00Z");

  @Test
  void holdsTheSecondOfTheLastBeatWrittenAtMostEveryTwoSeconds(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("heartbeat");
    HeartbeatFile heartbeat = new HeartbeatFile(file);
    heartbeat.beat(T);
    assertEquals(T.getEpochSecond() + "\n", Files.readString(file));
    heartbeat.beat(T.plusSeconds(1));
    assertEquals(T.getEpochSecond() + "\n", Files.readString(file), "not rewritten within 2 s");
    heartbeat.beat(T.plusSeconds(2));
    assertEquals(T.plusSeconds(2).getEpochSecond() + "\n", Files.readString(file));
  }

  @Test
  void aFileThatCannotBeWrittenDoesNotStopTheLoop(@TempDir Path dir) {
    new HeartbeatFile(dir.resolve("missing/heartbeat")).beat(T); // logged once, not thrown
  }
}
