package io.fqdnjob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
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

  @Test
  void helpListsEveryExitCode() {
    StringWriter out = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    assertEquals(0, cli.execute("--help"));
    assertTrue(out.toString().contains("3   run cut short by --deadline"), out.toString());
    StringWriter runHelp = new StringWriter();
    CommandLine run = Main.commandLine();
    run.setOut(new PrintWriter(runHelp, true));
    assertEquals(0, run.execute("run", "--help"));
    assertTrue(runHelp.toString().contains("3   run cut short by --deadline"), runHelp.toString());
    assertTrue(runHelp.toString().contains("--deadline=DURATION"), runHelp.toString());
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
