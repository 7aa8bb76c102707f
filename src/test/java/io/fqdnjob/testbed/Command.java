package io.fqdnjob.testbed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs external programs (the bed's script, kubectl, release tools) with a deadline. */
public final class Command {
  /** What a finished program left behind. */
  public record Result(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  private Command() {}

  /**
   * Runs {@code command}, feeding it {@code stdin} when not null. Output goes through temporary
   * files rather than pipes so that a chatty program can never block on a full pipe while this
   * thread waits for it.
   */
  static Result run(List<String> command, Map<String, String> env, String stdin, Duration timeout) {
    return run(command, env, null, stdin, timeout);
  }

  /** As {@link #run(List, Map, String, Duration)}, in the folder {@code cwd} (null: this one's). */
  public static Result run(
      List<String> command, Map<String, String> env, Path cwd, String stdin, Duration timeout) {
    Path out = null;
    Path err = null;
    Path in = null;
    try {
      out = Files.createTempFile("testbed-out", ".txt");
      err = Files.createTempFile("testbed-err", ".txt");
      ProcessBuilder builder =
          new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      if (cwd != null) {
        builder.directory(cwd.toFile());
      }
      builder.environment().putAll(env);
      if (stdin != null) {
        in = Files.createTempFile("testbed-in", ".txt");
        Files.writeString(in, stdin);
        builder.redirectInput(in.toFile());
      } else {
        builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      }
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new TestBedException(
            String.join(" ", command)
                + " did not finish within "
                + timeout.toSeconds()
                + " s; stderr so far: "
                + Files.readString(err));
      }
      return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new TestBedException("could not run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestBedException("interrupted while running " + String.join(" ", command), e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
      deleteQuietly(in);
    }
  }

  /**
   * Runs {@code command} and copies each line it prints (stdout and stderr together) to {@code
   * System.err} as it comes, so that a slow first start (building the Kubernetes binaries) shows
   * progress. Returns the exit code and everything printed.
   */
  static Result stream(List<String> command, Map<String, String> env, Duration timeout) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    try {
      Process process = builder.start();
      StringBuilder printed = new StringBuilder();
      Thread pump =
          Thread.ofPlatform()
              .daemon()
              .name("testbed-output")
              .start(() -> {
                try (BufferedReader reader =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = reader.readLine()) != null) {
                    System.err.println(line);
                    synchronized (printed) {
                      printed.append(line).append('\n');
                    }
                  }
                } catch (IOException e) {
                  // The program's output is informational; its exit code decides.
                }
              });
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new TestBedException(
            String.join(" ", command) + " did not finish within " + timeout.toMinutes() + " min");
      }
      pump.join(Duration.ofSeconds(5));
      synchronized (printed) {
        return new Result(process.exitValue(), printed.toString(), "");
      }
    } catch (IOException e) {
      throw new TestBedException("could not run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestBedException("interrupted while running " + String.join(" ", command), e);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // A leftover temporary file is harmless.
      }
    }
  }
}
