package io.fqdnjob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
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
}
