package io.fqdnjob.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution tarball as a user gets it: unpacked with {@code tar} into a folder whose path
 * holds a blank, started through {@code bin/fqdn-job}, with no cluster and no network (DNS goes to
 * a closed loopback port). Runs after {@code package}, so the tarball is the one built from the
 * tested sources. Needs no test bed.
 */
class DistributionIT {
  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static final Pattern TARBALL = Pattern.compile("fqdn-job-(.+)-dist\\.tar\\.gz");
  private static final Path JDK_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
  private static final List<String> EXAMPLES =
      List.of("web-https", "dual-stack", "billing", "log-shipping");

  @TempDir static Path temp;

  private static Path root;
  private static Path tarball;
  private static String version;
  private static Path dist;
  private static Path javaHome;
  private static Path examples;

  /** What one run of a program did. */
  record Result(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  @BeforeAll
  static void unpack() throws Exception {
    String projectDir = System.getenv("FQDN_PROJECT_DIR");
    root = Path.of(projectDir != null ? projectDir : System.getProperty("user.dir"));
    List<Path> tarballs;
    try (Stream<Path> files = Files.list(root.resolve("target"))) {
      tarballs = files.filter(f -> TARBALL.matcher(f.getFileName().toString()).matches()).toList();
    }
    assertEquals(1, tarballs.size(), "exactly one distribution in target/: " + tarballs);
    tarball = tarballs.get(0);
    Matcher m = TARBALL.matcher(tarball.getFileName().toString());
    assertTrue(m.matches());
    version = m.group(1);
    javaHome = Path.of(System.getProperty("java.home"));
    dist = unpackInto(temp.resolve("unpacked here"));

    // All example resources in one file, as several YAML documents.
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.list(root.resolve("kustomize/examples"))) {
      for (Path file : files.sorted().toList()) {
        String text = Files.readString(file);
        if (text.contains("apiVersion: fqdn.konsole.is/")) {
          all.append("---\n").append(text);
        }
      }
    }
    examples = Files.writeString(temp.resolve("examples.yaml"), all);
  }

  @Test
  void tarballHoldsTheLauncherAndEveryRuntimeJar() throws Exception {
    assertEquals(List.of("bin", "lib"), names(dist));
    assertEquals(List.of("fqdn-job"), names(dist.resolve("bin")));
    assertEquals(
        "rwxr-xr-x",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(dist.resolve("bin/fqdn-job"))));
    TreeSet<String> expected = new TreeSet<>(names(root.resolve("target/lib")));
    expected.add("fqdn-job-" + version + ".jar");
    assertEquals(expected, new TreeSet<>(names(dist.resolve("lib"))));
  }

  @Test
  void versionNamesTheReleaseAndTheJava() {
    Result result = launch(Map.of(), "--version");
    assertEquals(0, result.exitCode(), result.toString());
    assertEquals(
        "fqdn-job " + version + "\nJava " + Runtime.version() + "\n",
        result.stdout(),
        result.toString());
    assertEquals("", result.stderr(), result.toString());
  }

  @Test
  void helpListsTheCommandsAndExitCodes() {
    Result result = launch(Map.of(), "--help");
    assertEquals(0, result.exitCode(), result.toString());
    for (String text : List.of("Usage: fqdn-job", "run ", "render ", "resolve ", "Exit codes:")) {
      assertTrue(result.stdout().contains(text), text + " in " + result);
    }
  }

  @Test
  void usageAndConfigurationErrorsExitTwo() {
    Result unknown = launch(Map.of(), "--no-such-option");
    assertEquals(2, unknown.exitCode(), unknown.toString());
    assertTrue(unknown.stderr().contains("Unknown option: '--no-such-option'"), unknown.toString());

    Result missing = launch(Map.of(), "render");
    assertEquals(2, missing.exitCode(), missing.toString());
    assertTrue(missing.stderr().contains("Missing required option"), missing.toString());

    Result unreadable = launch(Map.of(), "render", "-f", temp.resolve("absent.yaml").toString());
    assertEquals(2, unreadable.exitCode(), unreadable.toString());
    assertTrue(unreadable.stderr().contains("cannot read"), unreadable.toString());
  }

  @Test
  void renderWorksOfflineAndFailsClosed() throws Exception {
    Result result = renderExamples(Map.of(), dist, "--status");
    assertEquals(0, result.exitCode(), result.toString());
    String out = result.stdout();
    assertTrue(out.startsWith("---\n"), "nothing but YAML on stdout: " + result);
    for (String name : EXAMPLES) {
      assertTrue(out.contains("\n  name: " + name + "\n"), name + " in " + result);
    }
    // No name resolved: every policy denies all egress, none allows "anywhere".
    assertEquals(EXAMPLES.size(), count(out, "  egress: []\n"), result.toString());
    assertEquals(EXAMPLES.size(), count(out, "reason: EmptyRules"), result.toString());
    assertFalse(out.contains("ipBlock"), result.toString());
    assertFalse(out.contains("to: []"), result.toString());
    assertTrue(out.contains("nothing listens on that port"), result.toString());
    assertFalse(result.stderr().contains("[warning]"), result.toString());
    assertFalse(result.stderr().contains("[error"), result.toString());
  }

  @Test
  void refusesJava17WithAClearMessage() throws Exception {
    Path old;
    if (Files.isExecutable(JDK_17.resolve("bin/java"))) {
      old = JDK_17;
    } else {
      // No JDK 17 on this machine: a runtime that says it is 17 and fails the test if started.
      System.err.println(
          "DistributionIT: " + JDK_17 + " is absent; checking the refusal with a fake Java 17");
      old = fakeRuntime("fake17", "JAVA_VERSION=\"17.0.2\"", "exit 99");
    }
    Result result = launch(Map.of("JAVA_HOME", old.toString()), "--version");
    assertEquals(2, result.exitCode(), result.toString());
    assertEquals("", result.stdout(), result.toString());
    assertTrue(
        result.stderr().startsWith("fqdn-job: " + old.resolve("bin/java") + " is Java 17."),
        result.toString());
    assertTrue(result.stderr().contains("needs Java 21 or newer"), result.toString());
    assertFalse(result.stderr().contains("UnsupportedClassVersionError"), result.toString());
  }

  @Test
  void asksJavaForItsVersionWhenTheRuntimeHasNoReleaseFile() throws Exception {
    for (String version : List.of("17.0.9", "1.8.0_402")) {
      Path runtime =
          fakeRuntime(
              "norelease-" + version,
              null,
              "[ \"$1\" = -version ] || exit 99\n"
                  + "echo 'openjdk version \""
                  + version
                  + "\" 2023-10-17' >&2");
      Result result = launch(Map.of("JAVA_HOME", runtime.toString()), "--version");
      assertEquals(2, result.exitCode(), result.toString());
      assertTrue(result.stderr().contains("is Java " + version + ";"), result.toString());
    }
  }

  @Test
  void reportsAMissingJava() throws Exception {
    Result badHome = launch(Map.of("JAVA_HOME", "/nonexistent"), "--version");
    assertEquals(2, badHome.exitCode(), badHome.toString());
    assertTrue(
        badHome.stderr().contains("JAVA_HOME is '/nonexistent' but /nonexistent/bin/java"),
        badHome.toString());

    // The tools the launcher needs, and no java.
    Path tools = Files.createDirectories(temp.resolve("tools-without-java"));
    for (String tool : List.of("dirname", "ls")) {
      Files.createSymbolicLink(tools.resolve(tool), which(tool));
    }
    Map<String, String> env = new HashMap<>();
    env.put("JAVA_HOME", null);
    env.put("PATH", tools.toString());
    Result noJava = launch(env, "--version");
    assertEquals(2, noJava.exitCode(), noJava.toString());
    assertTrue(noJava.stderr().startsWith("fqdn-job: no Java found"), noJava.toString());
  }

  @Test
  void findsJavaOnThePathThroughSymbolicLinks() throws Exception {
    Path bin = Files.createDirectories(temp.resolve("path with java"));
    Path link = Files.createSymbolicLink(temp.resolve("java-link"), javaHome.resolve("bin/java"));
    Files.createSymbolicLink(bin.resolve("java"), link);
    Map<String, String> env = new HashMap<>();
    env.put("JAVA_HOME", null);
    env.put("PATH", bin + ":/usr/bin:/bin");
    Result result = launch(env, "--version");
    assertEquals(0, result.exitCode(), result.toString());
    assertTrue(result.stdout().contains("Java " + Runtime.version()), result.toString());
  }

  @Test
  void runsThroughASymbolicLinkToTheLauncher() throws Exception {
    Path links = Files.createDirectories(temp.resolve("links"));
    Path link = Files.createSymbolicLink(links.resolve("fqdn-job"), dist.resolve("bin/fqdn-job"));
    Result result = run(Map.of(), temp, link.toString(), "--version");
    assertEquals(0, result.exitCode(), result.toString());
    assertTrue(result.stdout().startsWith("fqdn-job " + version + "\n"), result.toString());
  }

  /**
   * The launcher's command line, seen by a fake Java that records it: fixed options, the AOT cache
   * only from Java 25 on, the option variables in order and never globbed, the class path sorted,
   * the arguments untouched, and the exit code passed through.
   */
  @Test
  void buildsTheJavaCommandLine() throws Exception {
    Path copy = unpackInto(temp.resolve("recorded"));
    Files.writeString(copy.resolve("lib/fqdn-job.aot"), "not a real cache");
    Path recorded = temp.resolve("recorded-args.txt");
    // A file that -Xlog:gc* would match if the launcher let the shell glob it.
    Path cwd = Files.createDirectories(temp.resolve("cwd"));
    Files.writeString(cwd.resolve("-Xlog:gc-matches"), "");
    Path realLib = copy.toRealPath().resolve("lib");
    String classpath;
    try (Stream<Path> jars = Files.list(realLib)) {
      classpath =
          jars.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".jar"))
              .sorted()
              .map(n -> realLib.resolve(n).toString())
              .collect(Collectors.joining(":"));
    }
    for (String javaVersion : List.of("25.0.1", "21.0.7")) {
      Path runtime =
          fakeRuntime(
              "recording-" + javaVersion,
              "JAVA_VERSION=\"" + javaVersion + "\"",
              "printf '%s\\n' \"$@\" >\"$RECORD\"\nexit 42");
      Map<String, String> env =
          Map.of(
              "JAVA_HOME",
              runtime.toString(),
              "RECORD",
              recorded.toString(),
              "JAVA_OPTS",
              " -Da=1  -Xlog:gc* ",
              "FQDN_JOB_JAVA_OPTS",
              "-Db=2");
      Result result =
          run(env, cwd, copy.resolve("bin/fqdn-job").toString(), "render", "a b", "", "*");
      assertEquals(42, result.exitCode(), result.toString());
      List<String> expected = new ArrayList<>();
      expected.addAll(List.of("-Xlog:disable", "-Xlog:all=warning:stderr"));
      if (javaVersion.startsWith("25")) {
        expected.add("-XX:AOTCache=" + realLib.resolve("fqdn-job.aot"));
      }
      expected.addAll(
          List.of(
              "-XX:TieredStopAtLevel=1",
              "-Da=1",
              "-Xlog:gc*",
              "-Db=2",
              "-cp",
              classpath,
              "io.fqdnjob.cli.Main",
              "render",
              "a b",
              "",
              "*"));
      assertEquals(expected, Files.readAllLines(recorded), "Java " + javaVersion);
    }
  }

  /**
   * On Java 25 and newer: scripts/aot-train.sh makes a cache that the JVM maps (AOTMode=on fails
   * otherwise) and that changes nothing in the output; a stale cache is reported on stderr only. On
   * older Java: training is refused and a cache file is ignored.
   */
  @Test
  void aotCacheIsTrainedUsedAndNeverBreaksTheOutput() throws Exception {
    Path copy = unpackInto(temp.resolve("aot trained"));
    Path cache = copy.resolve("lib/fqdn-job.aot");
    String script = root.resolve("scripts/aot-train.sh").toString();
    Map<String, String> env = Map.of("FQDN_JOB_AOT_PORT", Integer.toString(closedPort()));
    Result badUsage = run(env, root, script, "--workload", "nope", copy.toString());
    assertEquals(2, badUsage.exitCode(), badUsage.toString());
    assertTrue(badUsage.stderr().contains("usage:"), badUsage.toString());

    Result train = run(env, root, script, copy.toString());
    if (Runtime.version().feature() < 25) {
      assertEquals(2, train.exitCode(), train.toString());
      assertTrue(train.stderr().contains("needs Java 25 or newer"), train.toString());
      Files.writeString(cache, "not a real cache");
      Result result = run(Map.of(), temp, copy.resolve("bin/fqdn-job").toString(), "--version");
      assertEquals(0, result.exitCode(), result.toString());
      assertEquals("", result.stderr(), result.toString());
      return;
    }
    assertEquals(0, train.exitCode(), train.toString());
    assertTrue(train.stderr().contains("on 'render'"), train.toString());
    assertTrue(Files.size(cache) > 1_000_000, "cache of " + Files.size(cache) + " bytes");
    try (Stream<Path> files = Files.list(copy.resolve("lib"))) {
      assertEquals(
          List.of(),
          files.map(p -> p.getFileName().toString()).filter(n -> n.contains(".aot.")).toList(),
          "no leftovers of the training");
    }

    Result without = renderExamples(Map.of(), dist);
    assertEquals(0, without.exitCode(), without.toString());
    Result with = renderExamples(Map.of("FQDN_JOB_JAVA_OPTS", "-XX:AOTMode=on"), copy);
    assertEquals(0, with.exitCode(), with.toString());
    assertEquals(without.stdout(), with.stdout());

    // Trained on `run` against an API address where nothing listens: loads and changes nothing.
    Path runCopy = unpackInto(temp.resolve("aot trained on run"));
    Result trainRun = run(env, root, script, "--workload", "run", runCopy.toString());
    assertEquals(0, trainRun.exitCode(), trainRun.toString());
    assertTrue(trainRun.stderr().contains("on 'run'"), trainRun.toString());
    Result withRunCache = renderExamples(Map.of("FQDN_JOB_JAVA_OPTS", "-XX:AOTMode=on"), runCopy);
    assertEquals(0, withRunCache.exitCode(), withRunCache.toString());
    assertEquals(without.stdout(), withRunCache.stdout());

    // A jar changed after training: the JVM refuses the cache, on stderr, and the job still runs.
    Path jar = copy.resolve("lib/fqdn-job-" + version + ".jar");
    Files.setLastModifiedTime(
        jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 3_600_000));
    Result stale = renderExamples(Map.of(), copy);
    assertEquals(0, stale.exitCode(), stale.toString());
    assertEquals(without.stdout(), stale.stdout());
    assertTrue(stale.stderr().contains("[aot]"), stale.toString());
  }

  // --- helpers

  private static Result renderExamples(Map<String, String> env, Path distribution, String... extra)
      throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                distribution.resolve("bin/fqdn-job").toString(),
                "render",
                "-f",
                examples.toString(),
                "--dns-server",
                "127.0.0.1:" + closedUdpPort()));
    command.addAll(List.of(extra));
    return run(env, temp, command.toArray(String[]::new));
  }

  /** A loopback UDP port that was free a moment ago: queries to it get "port unreachable". */
  private static int closedUdpPort() throws IOException {
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** A loopback port that was free for both TCP and UDP a moment ago. */
  private static int closedPort() throws IOException {
    for (int attempt = 0; attempt < 20; attempt++) {
      try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
          DatagramSocket udp =
              new DatagramSocket(tcp.getLocalPort(), InetAddress.getLoopbackAddress())) {
        return udp.getLocalPort();
      } catch (BindException e) {
        // UDP port in use: try another.
      }
    }
    throw new AssertionError("no loopback port free for both TCP and UDP");
  }

  private static Result launch(Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>();
    command.add(dist.resolve("bin/fqdn-job").toString());
    command.addAll(List.of(args));
    return run(env, temp, command.toArray(String[]::new));
  }

  /**
   * Runs a program with this JVM as JAVA_HOME, no JVM options from the environment, and {@code env}
   * on top (a null value removes the variable).
   */
  private static Result run(Map<String, String> env, Path cwd, String... command) {
    try {
      Path out = Files.createTempFile(temp, "out", ".txt");
      Path err = Files.createTempFile(temp, "err", ".txt");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(cwd.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      Map<String, String> environment = builder.environment();
      environment
          .keySet()
          .removeAll(List.of("JAVA_OPTS", "FQDN_JOB_JAVA_OPTS", "JAVA_TOOL_OPTIONS"));
      environment.put("JAVA_HOME", javaHome.toString());
      env.forEach((name, value) -> {
        if (value == null) {
          environment.remove(name);
        } else {
          environment.put(name, value);
        }
      });
      Process process = builder.start();
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(
            String.join(" ", command) + " did not finish within " + TIMEOUT.toSeconds() + " s");
      }
      return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new AssertionError("could not run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + String.join(" ", command), e);
    }
  }

  /** Unpacks the tarball into {@code folder} with tar; returns the distribution's folder. */
  private static Path unpackInto(Path folder) throws IOException {
    Files.createDirectories(folder);
    Result result = run(Map.of(), root, "tar", "-xzf", tarball.toString(), "-C", folder.toString());
    assertEquals(0, result.exitCode(), "tar: " + result);
    assertEquals(List.of("fqdn-job-" + version), names(folder));
    return folder.resolve("fqdn-job-" + version);
  }

  /**
   * A Java runtime folder whose {@code release} file holds {@code release} (none when null) and
   * whose {@code bin/java} is a shell script with {@code body}.
   */
  private static Path fakeRuntime(String name, String release, String body) throws IOException {
    Path home = Files.createDirectories(temp.resolve("runtimes").resolve(name));
    Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
    Files.writeString(java, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    if (release != null) {
      Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\n" + release + "\n");
    }
    return home;
  }

  private static Path which(String tool) {
    for (String dir : List.of("/usr/bin", "/bin")) {
      Path candidate = Path.of(dir, tool);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError(tool + " is in neither /usr/bin nor /bin");
  }

  private static List<String> names(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
      n++;
    }
    return n;
  }
}
