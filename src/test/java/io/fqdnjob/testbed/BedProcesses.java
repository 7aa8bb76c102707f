package io.fqdnjob.testbed;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The bed as seen by one JVM: started (or found running) once, and stopped at the end only when
 * this JVM started it, so that a bed kept running between builds is reused and left alone.
 *
 * <p>Kept in the root context store, which JUnit closes after the last test of the run.
 */
final class BedProcesses implements AutoCloseable {
  /** A first start may build the Kubernetes binaries from source, which takes many minutes. */
  private static final Duration UP_TIMEOUT = Duration.ofMinutes(60);

  private static final Duration SHORT_TIMEOUT = Duration.ofMinutes(2);
  private static final int READ_TIMEOUT_MILLIS = 30_000;

  private final Path script;
  private final boolean startedHere;
  private final BedEnvironment environment;
  private final ApiClient adminClient;

  private BedProcesses(
      Path script, boolean startedHere, BedEnvironment environment, ApiClient adminClient) {
    this.script = script;
    this.startedHere = startedHere;
    this.environment = environment;
    this.adminClient = adminClient;
  }

  /**
   * Brings the bed up (or finds it running) and reads its addresses. A bed that is not running is
   * started with a node ({@code up --node}) unless {@code FQDN_TESTBED_NODE=0}; a running bed is
   * used as it is, with or without a node.
   */
  static BedProcesses start() {
    Path repoRoot = findRepoRoot();
    Path script = repoRoot.resolve("scripts/testbed.sh");
    if (!Files.isExecutable(script)) {
      throw new TestBedException(script + " is missing or not executable");
    }
    boolean running =
        Command.run(List.of(script.toString(), "status"), Map.of(), null, SHORT_TIMEOUT).exitCode()
            == 0;
    if (!running) {
      List<String> up = upCommand(script, System.getenv("FQDN_TESTBED_NODE"));
      Command.Result result = Command.stream(up, Map.of(), UP_TIMEOUT);
      if (result.exitCode() != 0) {
        throw new TestBedException(
            "scripts/testbed.sh "
                + String.join(" ", up.subList(1, up.size()))
                + " failed (exit "
                + result.exitCode()
                + "):\n"
                + result.stdout());
      }
    }
    Command.Result env =
        Command.run(List.of(script.toString(), "env"), Map.of(), null, SHORT_TIMEOUT);
    if (env.exitCode() != 0) {
      throw new TestBedException("scripts/testbed.sh env failed:\n" + env.stderr());
    }
    BedEnvironment environment = BedEnvironment.parse(repoRoot, env.stdout());
    return new BedProcesses(script, !running, environment, adminClient(environment));
  }

  /**
   * {@code testbed.sh up --node}, or plain {@code up} when {@code nodeSetting} (the environment
   * variable {@code FQDN_TESTBED_NODE}) is {@code 0}: a node needs root and a few minutes more, and
   * only the node tests use it; they then fail saying how to get one.
   */
  static List<String> upCommand(Path script, String nodeSetting) {
    return "0".equals(nodeSetting)
        ? List.of(script.toString(), "up")
        : List.of(script.toString(), "up", "--node");
  }

  private static ApiClient adminClient(BedEnvironment environment) {
    try {
      ApiClient client = Config.fromConfig(environment.kubeconfig().toString());
      client.setReadTimeout(READ_TIMEOUT_MILLIS);
      return client;
    } catch (IOException e) {
      throw new TestBedException(
          "could not build an API client from " + environment.kubeconfig(), e);
    }
  }

  /**
   * The repository root: {@code FQDN_PROJECT_DIR} (set by the Failsafe configuration) or the
   * nearest folder holding {@code pom.xml} and {@code scripts/testbed.sh}, walking up from the
   * working directory.
   */
  static Path findRepoRoot() {
    String configured = System.getenv("FQDN_PROJECT_DIR");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured).toAbsolutePath().normalize();
    }
    Path start = Path.of("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("pom.xml"))
          && Files.isRegularFile(dir.resolve("scripts/testbed.sh"))) {
        return dir;
      }
    }
    throw new TestBedException(
        "cannot find the repository root: FQDN_PROJECT_DIR is not set and no folder above "
            + start
            + " holds pom.xml and scripts/testbed.sh");
  }

  BedEnvironment environment() {
    return environment;
  }

  ApiClient adminClient() {
    return adminClient;
  }

  /** Stops the bed if this JVM started it, unless {@code FQDN_TESTBED_KEEP=1}. */
  @Override
  public void close() {
    if (!startedHere || "1".equals(System.getenv("FQDN_TESTBED_KEEP"))) {
      return;
    }
    Command.Result down =
        Command.stream(List.of(script.toString(), "down"), Map.of(), SHORT_TIMEOUT);
    if (down.exitCode() != 0) {
      throw new TestBedException("scripts/testbed.sh down failed:\n" + down.stdout());
    }
  }
}
