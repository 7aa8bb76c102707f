package io.fqdnjob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CheckCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void checkNeedsToBeToldWhatToCheck() {
    assertEquals(2, run("check"));
    assertTrue(err.toString().contains("--migration"), err.toString());
  }

  @Test
  void unknownOutputFormatIsAUsageError(@TempDir Path dir) {
    assertEquals(2, run("check", "--migration", "-o", "yaml"));
    assertTrue(err.toString().contains("--output must be text or json"), err.toString());
  }

  @Test
  void unreadableKubeconfigIsAConfigurationError(@TempDir Path dir) {
    assertEquals(
        2, run("check", "--migration", "--kubeconfig", dir.resolve("missing.yaml").toString()));
    assertTrue(err.toString().contains("cannot read kubeconfig"), err.toString());
  }

  @Test
  void helpListsTheExitCodes() {
    assertEquals(0, run("check", "--help"));
    String help = out.toString();
    assertTrue(help.contains("12   findings block the switch"), help);
    assertTrue(help.contains("13   incomplete"), help);
  }
}
