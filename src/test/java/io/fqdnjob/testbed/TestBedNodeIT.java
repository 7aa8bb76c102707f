package io.fqdnjob.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bed's node as a script user meets it: the state {@code env} describes, and the
 * one-node-per-machine rule, which must refuse a second node without touching the first.
 */
@ExtendWith(TestBedExtension.class)
class TestBedNodeIT {
  private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(3);

  @Test
  void envDescribesTheNodeAndItsImagesAreLoaded(TestBed bed) {
    TestNode node = bed.node();
    assertTrue(
        Files.exists(node.containerdSocket()), "containerd socket " + node.containerdSocket());
    String nodes = bed.kubectl("get", "nodes", "-o", "jsonpath={.items[*].metadata.name}");
    assertEquals(node.name(), nodes.strip());
    Command.Result images =
        Command.run(
            List.of(
                "ctr",
                "--address",
                node.containerdSocket().toString(),
                "-n",
                "k8s.io",
                "images",
                "ls",
                "-q"),
            Map.of(),
            null,
            SCRIPT_TIMEOUT);
    assertEquals(0, images.exitCode(), images.stderr());
    assertTrue(images.stdout().contains(node.imageName()), images.stdout());
    assertTrue(images.stdout().contains("bed-tools"), images.stdout());
  }

  @Test
  void secondNodeIsRefusedAndTheRunningOneIsLeftAlone(TestBed bed, @TempDir Path otherDir) {
    bed.node();
    Path script = bed.repoRoot().resolve("scripts/testbed.sh");
    Command.Result second =
        Command.run(
            List.of(script.toString(), "up", "--node"),
            Map.of("FQDN_TESTBED_DIR", otherDir.toString()),
            null,
            SCRIPT_TIMEOUT);
    assertEquals(1, second.exitCode(), second.stdout() + second.stderr());
    assertTrue(
        second.stderr().contains("runs a node on this machine")
            && second.stderr().contains(bed.stateDir().toString()),
        "the refusal names the bed that runs the node: " + second.stderr());
    assertFalse(second.stderr().contains("starting "), "nothing was started: " + second.stderr());

    Command.Result status =
        Command.run(
            List.of(script.toString(), "status"),
            Map.of("FQDN_TESTBED_DIR", bed.stateDir().toString()),
            null,
            SCRIPT_TIMEOUT);
    assertEquals(0, status.exitCode(), "the first bed is still whole: " + status.stderr());
    assertEquals(
        "True",
        bed.kubectl(
                "get",
                "node",
                bed.node().name(),
                "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")
            .strip());
  }
}
