package io.fqdnjob.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The loop Deployment's liveness probe, run by a POSIX shell as the image's busybox runs it,
 * against a heartbeat file as the loop writes it (seconds since the epoch).
 */
class LoopLivenessProbeTest {
  private static final Path DEPLOYMENT = Path.of("kustomize/components/loop/deployment.yaml");

  @SuppressWarnings("unchecked")
  private static Map<String, Object> container() throws Exception {
    Map<String, Object> deployment = new Yaml().load(Files.readString(DEPLOYMENT));
    Map<String, Object> spec = (Map<String, Object>) deployment.get("spec");
    Map<String, Object> template = (Map<String, Object>) spec.get("template");
    Map<String, Object> podSpec = (Map<String, Object>) template.get("spec");
    return ((List<Map<String, Object>>) podSpec.get("containers")).get(0);
  }

  @SuppressWarnings("unchecked")
  private static int probe(Path heartbeat) throws Exception {
    Map<String, Object> container = container();
    String file = null;
    for (Map<String, Object> variable : (List<Map<String, Object>>) container.get("env")) {
      if (variable.get("name").equals("FQDN_JOB_HEARTBEAT_FILE")) {
        file = (String) variable.get("value");
      }
    }
    Map<String, Object> exec =
        (Map<String, Object>) ((Map<String, Object>) container.get("livenessProbe")).get("exec");
    List<String> command = new ArrayList<>();
    for (String part : (List<String>) exec.get("command")) {
      command.add(part.replace(file, heartbeat.toString()));
    }
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getInputStream().readAllBytes();
    process.waitFor(10, TimeUnit.SECONDS);
    return process.exitValue();
  }

  @Test
  void aRecentHeartbeatPassesAndAnOldOrMissingOneFails(@TempDir Path dir) throws Exception {
    Path heartbeat = dir.resolve("heartbeat");
    Files.writeString(heartbeat, Instant.now().getEpochSecond() + "\n");
    assertEquals(0, probe(heartbeat), "written just now");

    Files.writeString(
        heartbeat, Instant.now().minus(Duration.ofMinutes(6)).getEpochSecond() + "\n");
    assertNotEquals(0, probe(heartbeat), "no progress for 6 minutes");

    Files.delete(heartbeat);
    assertNotEquals(0, probe(heartbeat), "never written");
  }
}
