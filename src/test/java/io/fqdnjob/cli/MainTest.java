package io.fqdnjob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Exit codes of the command line that need no network: usage errors are 2, as documented. */
class MainTest {
  private final StringWriter err = new StringWriter();

  private int execute(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(new StringWriter(), true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void unknownOptionIsAUsageError() {
    assertEquals(2, execute("--no-such-option"));
    assertTrue(err.toString().contains("Unknown option: '--no-such-option'"), err.toString());
  }

  @Test
  void unknownSubcommandIsAUsageError() {
    assertEquals(2, execute("no-such-command"));
  }

  @Test
  void missingSubcommandIsAUsageError() {
    assertEquals(2, execute());
    assertTrue(err.toString().contains("a subcommand is required"), err.toString());
  }

  @Test
  void missingRequiredOptionIsAUsageError() {
    assertEquals(2, execute("render"));
    assertTrue(err.toString().contains("--filename"), err.toString());
  }

  @Test
  void badOptionValueIsAUsageError() {
    assertEquals(2, execute("run", "--due-slack", "soon"));
    assertTrue(err.toString().contains("'soon' is not a duration"), err.toString());
  }

  @Test
  void policyWithNamespaceOrSelectorIsAUsageError() {
    assertEquals(2, execute("run", "--policy", "a/x", "--namespace", "b"));
    assertTrue(
        err.toString().contains("--policy cannot be combined with --namespace"), err.toString());
    assertEquals(2, execute("run", "--policy", "a/x", "-l", "team=a"));
    assertTrue(
        err.toString().contains("--policy cannot be combined with --selector"), err.toString());
  }

  @Test
  void versionAndHelpExitZero() {
    assertEquals(0, execute("--version"));
    assertEquals(0, execute("--help"));
    assertEquals(0, execute("render", "--help"));
  }

  @Test
  void deadlineBelowOneSecondIsAUsageError() {
    assertEquals(2, execute("run", "--deadline", "500ms"));
    assertTrue(err.toString().contains("--deadline must be at least 1s"), err.toString());
  }

  @Test
  void aLookupDeadlineTooShortForAnyLookupIsAUsageError() {
    assertEquals(2, execute("run", "--lookup-deadline", "0s"));
    assertTrue(err.toString().contains("--lookup-deadline must be at least 1s"), err.toString());
  }

  @Test
  void loopOptionsAreRefusedWithoutTheLoopOrBelowItsInterval() {
    assertEquals(2, execute("run", "--give-up-after", "5m"));
    assertTrue(err.toString().contains("--give-up-after is for --loop"), err.toString());
    assertEquals(2, execute("run", "--heartbeat-file", "/tmp/heartbeat"));
    assertTrue(err.toString().contains("--heartbeat-file is for --loop"), err.toString());
    assertEquals(2, execute("run", "--loop", "--max-interval", "2m", "--give-up-after", "1m"));
    assertTrue(
        err.toString().contains("--give-up-after must be at least --max-interval (120s)"),
        err.toString());
  }

  @Test
  void sampleIntervalNeedsSeveralSamplesAndMustFitTheDeadline() {
    assertEquals(2, execute("run", "--dns-union", "--dns-sample-interval", "31s"));
    assertTrue(
        err.toString().contains("--dns-sample-interval needs --dns-union and --dns-samples 2"),
        err.toString());
    assertEquals(
        2,
        execute(
            "run",
            "--deadline",
            "40s",
            "--dns-union",
            "--dns-samples",
            "3",
            "--dns-sample-interval",
            "31s"));
    assertTrue(
        err.toString().contains("spreads each lookup over 62s, which leaves less than 5s"),
        err.toString());
    assertEquals(
        2, execute("run", "--dns-union", "--dns-samples", "2", "--dns-sample-interval", "3m"));
    assertTrue(
        err.toString().contains("--dns-sample-interval must be between 0s and 120s"),
        err.toString());
  }

  private static String help(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    assertEquals(0, cli.execute(args));
    return out.toString();
  }

  /** Whether --help's exit code list has CODE with a text starting with TEXT. */
  private static boolean lists(String help, String code, String text) {
    return Pattern.compile("(?m)^  " + Pattern.quote(code) + " +" + Pattern.quote(text))
        .matcher(help)
        .find();
  }

  @Test
  void helpListsEveryExitCodeTheJvmsIncluded() {
    String main = help("--help");
    assertTrue(lists(main, "0", "completed"), main);
    assertTrue(lists(main, "1", "(the JVM) uncaught error"), main);
    assertTrue(lists(main, "2", "usage or configuration error"), main);
    assertTrue(lists(main, "3", "(the JVM) out of memory"), main);
    assertTrue(lists(main, "10", "run failed"), main);
    assertTrue(lists(main, "11", "run cut short by --deadline or stopped by SIGTERM/SIGINT"), main);
    assertTrue(lists(main, "12", "check: findings"), main);
    assertTrue(lists(main, "13", "check: incomplete"), main);
    assertTrue(lists(main, "130, 143", "a second SIGINT or SIGTERM"), main);
    assertTrue(main.contains("137 is SIGKILL"), main);
    String run = help("run", "--help");
    assertTrue(lists(run, "10", "run failed"), run);
    assertTrue(lists(run, "11", "run cut short by --deadline"), run);
    assertTrue(lists(run, "3", "(the JVM) out of memory"), run);
    assertTrue(run.contains("--deadline=DURATION"), run);
    assertTrue(run.replaceAll("\\s+", " ").contains("the exit code is 11."), run);
    String resolve = help("resolve", "--help");
    assertTrue(lists(resolve, "10", "some name did not resolve"), resolve);
  }

  @Test
  void theJobsExitCodesNeverTakeOneTheJvmUses() {
    List<Integer> jvm = List.of(1, 3, 130, 137, 143);
    for (int code :
        List.of(
            ExitCodes.COMPLETED,
            ExitCodes.CONFIG,
            ExitCodes.RUN_FAILED,
            ExitCodes.CUT_SHORT,
            ExitCodes.CHECK_FINDINGS,
            ExitCodes.CHECK_INCOMPLETE)) {
      assertTrue(!jvm.contains(code) && code < 128, "exit code " + code);
    }
    assertEquals(10, ExitCodes.RUN_FAILED);
    assertEquals(11, ExitCodes.CUT_SHORT);
    assertEquals(ExitCodes.CONFIG, Main.EXIT_CONFIG);
  }

  @Test
  void aSecondSignalExitsWith128PlusItsNumber() {
    assertEquals(ExitCodes.SECOND_SIGINT, Termination.exitOnSecondSignal(2));
    assertEquals(ExitCodes.SECOND_SIGTERM, Termination.exitOnSecondSignal(15));
  }

  @Test
  void anUncaughtErrorExitsOneAsTheJvmWould() {
    CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err, true));
    // A command whose code throws what no handler knows: a defect.
    CommandLine.Model.CommandSpec spec =
        CommandLine.Model.CommandSpec.wrapWithoutInspection(
            (Runnable)
                () -> {
                  throw new IllegalStateException("a defect");
                });
    cli.addSubcommand("boom", spec);
    assertEquals(ExitCodes.JVM_UNCAUGHT_ERROR, cli.execute("boom"));
  }

  /** A kubeconfig with two contexts on a server where nothing listens; no request is sent. */
  private static Path kubeconfig(Path dir) throws IOException {
    Path file = dir.resolve("config");
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: nowhere
          cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}
        users:
        - name: someone
          user: {token: not-a-token}
        contexts:
        - name: plain
          context: {cluster: nowhere, user: someone}
        - name: team
          context: {cluster: nowhere, user: someone, namespace: team-a}
        current-context: plain
        """);
    return file;
  }

  @Test
  void withAKubeconfigARunOverEveryNamespaceNeedsAllNamespaces(@TempDir Path dir)
      throws IOException {
    String config = kubeconfig(dir).toString();
    assertEquals(2, execute("run", "--kubeconfig", config, "--dns-server", "127.0.0.1"));
    assertTrue(
        err.toString().contains("a run without -n would write in every namespace: give -n NS"),
        err.toString());
    assertTrue(err.toString().contains("or -A/--all-namespaces"), err.toString());
    assertTrue(err.toString().contains("context plain"), err.toString());

    assertEquals(2, execute("run", "--kubeconfig", config, "--context", "team", "-l", "a=b"));
    assertTrue(err.toString().contains("e.g. -n team-a (the context's namespace)"), err.toString());
  }

  @Test
  void allNamespacesExcludesNamespaceAndPolicy() {
    assertEquals(2, execute("run", "-A", "-n", "a"));
    assertTrue(
        err.toString().contains("-A/--all-namespaces cannot be combined with --namespace"),
        err.toString());
    assertEquals(2, execute("run", "--all-namespaces", "--policy", "a/b"));
    assertTrue(
        err.toString().contains("-A/--all-namespaces cannot be combined with --policy"),
        err.toString());
  }

  @Test
  void aContextNotInTheKubeconfigNamesItAndListsTheOthers(@TempDir Path dir) throws IOException {
    String config = kubeconfig(dir).toString();
    assertEquals(2, execute("run", "--kubeconfig", config, "--context", "prod", "-A"));
    assertTrue(
        err.toString().contains("--context 'prod' is not a context of kubeconfig " + config),
        err.toString());
    assertTrue(err.toString().contains("contexts: plain, team"), err.toString());
  }

  @Test
  void aDnsServerThatIsNeitherAnAddressNorANameIsAUsageError() {
    assertEquals(2, execute("resolve", "example.com", "--dns-server", "not an address"));
    assertTrue(
        err.toString()
            .contains("--dns-server 'not an address': 'not an address' is neither an IP address"),
        err.toString());
  }

  @Test
  void anUnknownOutputFormatIsAUsageError() {
    assertEquals(2, execute("resolve", "example.com", "-o", "wide"));
    assertTrue(
        err.toString().contains("-o/--output must be text or json or yaml, got 'wide'"),
        err.toString());
  }

  @Test
  void onJava25TlsOffersP384BeforeP256UnlessTheGroupsAreGiven() {
    String given = System.getProperty(Main.TLS_GROUPS);
    try {
      System.clearProperty(Main.TLS_GROUPS);
      Main.preferCheapTlsGroups(21);
      assertNull(System.getProperty(Main.TLS_GROUPS), "other Java versions keep their defaults");

      Main.preferCheapTlsGroups(25);
      String groups = System.getProperty(Main.TLS_GROUPS);
      assertEquals(Main.TLS_GROUPS_JAVA_25, groups);
      List<String> order = List.of(groups.split(","));
      assertTrue(order.indexOf("secp384r1") < order.indexOf("secp256r1"), groups);
      assertEquals("x25519", order.get(0), groups);

      System.setProperty(Main.TLS_GROUPS, "secp521r1");
      Main.preferCheapTlsGroups(25);
      assertEquals("secp521r1", System.getProperty(Main.TLS_GROUPS), "a given list is kept");
    } finally {
      if (given == null) {
        System.clearProperty(Main.TLS_GROUPS);
      } else {
        System.setProperty(Main.TLS_GROUPS, given);
      }
    }
  }
}
