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
    subcommands = {RunCommand.class, RenderCommand.class, ResolveCommand.class, CheckCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      ExitCodes.HELP_COMPLETED,
      ExitCodes.HELP_JVM_UNCAUGHT_ERROR,
      ExitCodes.HELP_CONFIG,
      ExitCodes.HELP_JVM_OUT_OF_MEMORY,
      ExitCodes.HELP_RUN_FAILED,
      ExitCodes.HELP_CUT_SHORT,
      ExitCodes.HELP_CHECK_FINDINGS,
      ExitCodes.HELP_CHECK_INCOMPLETE,
      ExitCodes.HELP_SIGNALS
    })
public final class Main implements Runnable {
  /** Exit code of a usage or configuration error. */
  public static final int EXIT_CONFIG = ExitCodes.CONFIG;

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
            : ExitCodes.JVM_UNCAUGHT_ERROR);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof ConfigurationException configuration) {
        Logging.configurationError(commandLine.getErr(), configuration);
        return EXIT_CONFIG;
      }
      if (Logging.uncaught(e)) {
        return ExitCodes.JVM_UNCAUGHT_ERROR;
      }
      throw e;
    });
    return cli;
  }

  /**
   * The key-exchange groups TLS connections offer on Java 25 when {@code -Djdk.tls.namedGroups} is
   * not given: the JDK's default list with P-384 moved before P-256.
   *
   * <p>A TLS 1.3 client sends a key share for the first X25519-type group it offers and one for the
   * first elliptic-curve group. On Java 25 the first P-256 key a process makes builds a table of
   * precomputed points, about 0.1 s of CPU: on every run of a CronJob, a twentieth of what a run
   * over 100 resources costs. P-384 has no such table. Every group stays offered, so a server that
   * takes neither X25519 nor P-384 asks for another one (a HelloRetryRequest) and the handshake
   * goes on. Other Java versions keep their own defaults.
   */
  static final String TLS_GROUPS_JAVA_25 =
      "x25519,secp384r1,secp256r1,secp521r1,x448,ffdhe2048,ffdhe3072,ffdhe4096,ffdhe6144,ffdhe8192";

  static final String TLS_GROUPS = "jdk.tls.namedGroups";

  public static void main(String[] args) {
    // Every timestamp the job writes or logs is UTC, whatever the machine's zone.
    TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
    preferCheapTlsGroups(Runtime.version().feature());
    System.exit(commandLine().execute(args));
  }

  /**
   * Sets {@code jdk.tls.namedGroups} to {@link #TLS_GROUPS_JAVA_25} when the JVM is Java 25 and the
   * property is not set; before any TLS connection, as the JDK reads it once.
   */
  static void preferCheapTlsGroups(int javaVersion) {
    if (javaVersion == 25 && System.getProperty(TLS_GROUPS) == null) {
      System.setProperty(TLS_GROUPS, TLS_GROUPS_JAVA_25);
    }
  }
}
