package io.fqdnjob.cli;

import io.fqdnjob.kube.ConfigurationException;
import java.util.TimeZone;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code fqdn-job} command. */
@Command(
    name = "fqdn-job",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Keeps Kubernetes NetworkPolicies in step with the addresses of DNS names, one run at a time.",
      "",
      "Reads fqdn custom resources (fqdnnetworkpolicies.fqdn.konsole.is, the CRD of"
          + " fqdn-controller), resolves their names, and server-side-applies a standard"
          + " networking.k8s.io/v1 NetworkPolicy for each, then exits. Run it from a CronJob, or"
          + " with 'run --loop' for TTLs under a minute."
    },
    subcommands = {RunCommand.class, RenderCommand.class, ResolveCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {Main.EXIT_0, Main.EXIT_1, Main.EXIT_2, Main.EXIT_3})
public final class Main implements Runnable {
  // The exit codes as --help lists them, here and under `run`; README.md documents the same.
  static final String EXIT_0 =
      "0:the run completed (DNS failures are reported in status, not here)";
  static final String EXIT_1 =
      "1:some resources could not be written after retries, or none could be listed";
  static final String EXIT_2 = "2:usage or configuration error";
  static final String EXIT_3 =
      "3:run cut short by --deadline; resources not written are left for the next run";

  /** Exit code of a usage or configuration error. */
  public static final int EXIT_CONFIG = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  /** Returns the configured command line, shared by {@link #main} and tests. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    // Picocli maps its own parse errors (unknown option, missing value) through this mapper too.
    cli.setExitCodeExceptionMapper(e ->
        e instanceof ConfigurationException || e instanceof CommandLine.ParameterException
            ? EXIT_CONFIG
            : 1);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof ConfigurationException) {
        commandLine.getErr().println("fqdn-job: " + e.getMessage());
        return EXIT_CONFIG;
      }
      throw e;
    });
    return cli;
  }

  public static void main(String[] args) {
    // Every timestamp the job writes or logs is UTC, whatever the machine's zone.
    TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
    System.exit(commandLine().execute(args));
  }
}
