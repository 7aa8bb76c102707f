package io.fqdnjob.cli;

import io.fqdnjob.job.RunSummary;

/**
 * Every exit code of the process, the job's own and the JVM's, and their lines in --help.
 *
 * <p>The job's codes never take a value the JVM uses for itself (1 for an uncaught error, 3 with
 * {@code -XX:+ExitOnOutOfMemoryError}, 128+N after signal N), so that a Job's podFailurePolicy can
 * tell a run that must not be retried ({@link #CONFIG}, {@link #CUT_SHORT}) from a crash.
 */
public final class ExitCodes {
  private ExitCodes() {}

  /** The run completed; DNS failures are reported in status, not here. */
  public static final int COMPLETED = RunSummary.EXIT_COMPLETED;

  /** Set by the JVM: an uncaught error, a defect. */
  public static final int JVM_UNCAUGHT_ERROR = 1;

  /** A usage or configuration error, or missing rights that make the run impossible. */
  public static final int CONFIG = 2;

  /** Set by the JVM with {@code -XX:+ExitOnOutOfMemoryError}: out of memory. */
  public static final int JVM_OUT_OF_MEMORY = 3;

  /** Some resources could not be written after retries, or none could be listed. */
  public static final int RUN_FAILED = RunSummary.EXIT_FAILED;

  /** The run was cut short by --deadline or stopped by SIGTERM/SIGINT. */
  public static final int CUT_SHORT = RunSummary.EXIT_CUT_SHORT;

  /** {@code check}: findings that block or need action. */
  public static final int CHECK_FINDINGS = 12;

  /** {@code check}: incomplete, a right or an API call was missing. */
  public static final int CHECK_INCOMPLETE = 13;

  /** A second SIGINT: the process stops at once (128 + 2). */
  public static final int SECOND_SIGINT = 130;

  /** SIGKILL, from the kubelet after the grace period or the kernel's OOM killer (128 + 9). */
  public static final int SIGKILL = 137;

  /** A second SIGTERM: the process stops at once (128 + 15). */
  public static final int SECOND_SIGTERM = 143;

  // The lines of --help's exit code lists, "CODE:TEXT" as picocli takes them. Compile-time
  // constants, so that the command annotations can use them.
  static final String HELP_COMPLETED =
      COMPLETED + ":completed (DNS failures are reported in status, not here)";
  static final String HELP_JVM_UNCAUGHT_ERROR =
      JVM_UNCAUGHT_ERROR + ":(the JVM) uncaught error: a defect; a Job retries the pod";
  static final String HELP_CONFIG =
      CONFIG + ":usage or configuration error, or rights missing that make the run impossible";
  static final String HELP_JVM_OUT_OF_MEMORY =
      JVM_OUT_OF_MEMORY + ":(the JVM) out of memory, with -XX:+ExitOnOutOfMemoryError";
  static final String HELP_RUN_FAILED =
      RUN_FAILED
          + ":run failed: some resources could not be written after retries, none could be"
          + " listed, the API server stalled, or the DNS Service could not be read; the next run"
          + " retries; with --loop: no run could list for --give-up-after";
  static final String HELP_CUT_SHORT =
      CUT_SHORT
          + ":run cut short by --deadline or stopped by SIGTERM/SIGINT; resources not written"
          + " are left for the next run";
  static final String HELP_CHECK_FINDINGS =
      CHECK_FINDINGS + ":check: findings that block or need action (listed in the report)";
  static final String HELP_CHECK_INCOMPLETE =
      CHECK_INCOMPLETE + ":check: incomplete, a right or API call missing (named in the report)";
  static final String HELP_SIGNALS =
      SECOND_SIGINT
          + ", "
          + SECOND_SIGTERM
          + ":a second SIGINT or SIGTERM stops at once (128+N); "
          + SIGKILL
          + " is SIGKILL";
  static final String HELP_COMPLETED_RESOLVE = COMPLETED + ":every name resolved";
  static final String HELP_RESOLVE_FAILED = RUN_FAILED + ":some name did not resolve";
}
