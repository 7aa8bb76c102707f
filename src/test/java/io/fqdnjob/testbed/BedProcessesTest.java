package io.fqdnjob.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BedProcessesTest {
  private static final Path SCRIPT = Path.of("/repo/scripts/testbed.sh");

  @Test
  void bedIsStartedWithANodeByDefault() {
    assertEquals(List.of(SCRIPT.toString(), "up", "--node"), BedProcesses.upCommand(SCRIPT, null));
    // The value `testbed.sh env` exports for a node bed, when a shell has evaluated it.
    assertEquals(
        List.of(SCRIPT.toString(), "up", "--node"),
        BedProcesses.upCommand(SCRIPT, "fqdn-testbed-node"));
  }

  @Test
  void nodeZeroStartsTheBedWithoutANode() {
    assertEquals(List.of(SCRIPT.toString(), "up"), BedProcesses.upCommand(SCRIPT, "0"));
  }
}
