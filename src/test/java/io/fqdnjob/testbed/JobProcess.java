package io.fqdnjob.testbed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the packaged job ({@code target/fqdn-job.jar} and {@code target/lib}) as a separate process,
 * the way a CronJob runs it: its own JVM, arguments, exit code, stdout and stderr. Failsafe runs
 * after {@code package}, so the jar is the one built from the tested sources.
 */
public final class JobProcess {
  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  /** What one run of the job did. */
  public record Result(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  private final TestBed bed;

  public JobProcess(TestBed bed) {
    this.bed = bed;
  }

  /** Returns the command line that starts the job with {@code args}. */
  public List<String> command(String... args) {
    Path target = bed.repoRoot().resolve("target");
    Path jar = target.resolve("fqdn-job.jar");
    if (!Files.isRegularFile(jar)) {
      throw new TestBedException(
          "the job is not packaged: " + jar + " is missing; run ./mvnw verify");
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(jar + java.io.File.pathSeparator + target.resolve("lib") + "/*");
    command.add("io.fqdnjob.cli.Main");
    command.addAll(List.of(args));
    return command;
  }

  /**
   * Starts the job with {@code args} in the background, its standard output and error both into
   * {@code output}; the caller stops it.
   */
  public Process start(Path output, String... args) throws java.io.IOException {
    return new ProcessBuilder(command(args))
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
  }

  /**
   * Waits until the output file of a job started in the background holds {@code text}; fails after
   * 30 s with what it holds.
   */
  public static void awaitOutput(Path output, String text) throws Exception {
    Instant limit = Instant.now().plus(Duration.ofSeconds(30));
    while (Instant.now().isBefore(limit)) {
      if (Files.readString(output).contains(text)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("'" + text + "' never printed:\n" + Files.readString(output));
  }

  /** Runs {@code fqdn-job run} against the bed with {@code args} added. */
  public Result run(String... args) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "run",
                "--kubeconfig",
                bed.kubeconfig().toString(),
                "--dns-server",
                bed.dnsServer()));
    all.addAll(List.of(args));
    return exec(all.toArray(String[]::new));
  }

  /**
   * Runs {@code fqdn-job run} against the bed as whoever {@code kubeconfig} authenticates, for
   * example a ServiceAccount through {@link TokenKubeconfig}, with {@code args} added.
   */
  public Result runWith(Path kubeconfig, String... args) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "run",
                "--kubeconfig",
                kubeconfig.toAbsolutePath().toString(),
                "--dns-server",
                bed.dnsServer()));
    all.addAll(List.of(args));
    return exec(all.toArray(String[]::new));
  }

  /** Runs the job with exactly {@code args} and no environment hint about a cluster. */
  public Result exec(String... args) {
    Command.Result result = Command.run(command(args), Map.of("KUBECONFIG", ""), null, TIMEOUT);
    return new Result(result.exitCode(), result.stdout(), result.stderr());
  }
}
