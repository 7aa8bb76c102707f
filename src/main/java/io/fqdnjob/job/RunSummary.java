package io.fqdnjob.job;

import io.fqdnjob.model.ResolveReason;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Counts of one run, printed as its last log line.
 *
 * @param listed resources read
 * @param due resources processed in this run
 * @param applied due resources whose NetworkPolicy was created or updated
 * @param unchanged due resources whose NetworkPolicy already matched
 * @param failed resources that could not be written after retries (exit code {@value #EXIT_FAILED})
 * @param conflicts due resources whose NetworkPolicy name is taken by an object they do not control
 * @param tooLarge due resources whose NetworkPolicy would exceed the peer limit and was not applied
 * @param invalid resources whose spec cannot be used
 * @param abandoned due resources left untouched because their lookups did not finish
 * @param repaired resources not due whose NetworkPolicy another writer had deleted or changed, put
 *     back from their status
 * @param deleting resources being deleted, left alone
 * @param uniqueNames distinct (name, record type) lookups
 * @param queries DNS messages sent
 * @param networkPolicyWrites NetworkPolicy applies sent
 * @param statusWrites status applies sent
 * @param statusRefreshes of those, applies of a status whose content had not changed, sent on the
 *     resource's refresh turn ({@code --status-refresh})
 * @param lookupsByReason finished lookups of this run by outcome (unique names, not resources)
 * @param nextDue when the earliest listed resource becomes due by its TTL; {@code null} when
 *     nothing was listed
 * @param cutShort due resources left, wholly or partly, for the next run because the run's deadline
 *     passed ({@code --deadline}; exit code {@value #EXIT_CUT_SHORT})
 * @param list whether the resources could be listed at all
 */
public record RunSummary(
    int listed,
    int due,
    int applied,
    int unchanged,
    int failed,
    int conflicts,
    int tooLarge,
    int invalid,
    int abandoned,
    int repaired,
    int deleting,
    int uniqueNames,
    long queries,
    int networkPolicyWrites,
    int statusWrites,
    int statusRefreshes,
    Duration duration,
    Instant nextDue,
    Map<ResolveReason, Integer> lookupsByReason,
    int cutShort,
    ListOutcome list) {

  /** Exit code of a run that completed: every due resource written (or its failure reported). */
  public static final int EXIT_COMPLETED = 0;

  /**
   * Exit code of a run that could not write some resource, or could not list them; never 1, the
   * JVM's code for an uncaught error ({@code io.fqdnjob.cli.ExitCodes} lists every code).
   */
  public static final int EXIT_FAILED = 10;

  /**
   * Exit code of a run cut short by its deadline (or stopped by a signal): what is left is left for
   * the next run. Never 3, the JVM's code for {@code -XX:+ExitOnOutOfMemoryError}.
   */
  public static final int EXIT_CUT_SHORT = 11;

  /** Whether the resources were listed. */
  public enum ListOutcome {
    /** Listed; the counts describe the run. */
    LISTED,
    /** The list was given up because the run's deadline passed. */
    CUT_SHORT,
    /** The list failed (after retries): nothing was written. */
    FAILED
  }

  public RunSummary {
    lookupsByReason = Map.copyOf(lookupsByReason);
  }

  /** Returns the summary of a run that could not list the resources and so wrote nothing. */
  public static RunSummary unlisted(ListOutcome list, Duration duration) {
    return new RunSummary(
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, duration, null, Map.of(), 0, list);
  }

  /**
   * Returns the process exit code for this run: {@value #EXIT_FAILED} when some resource could not
   * be written or nothing could be listed, else {@value #EXIT_CUT_SHORT} when the deadline left
   * resources for the next run, else {@value #EXIT_COMPLETED}.
   */
  public int exitCode() {
    if (failed > 0 || list == ListOutcome.FAILED) {
      return EXIT_FAILED;
    }
    if (cutShort > 0 || list == ListOutcome.CUT_SHORT) {
      return EXIT_CUT_SHORT;
    }
    return EXIT_COMPLETED;
  }

  @Override
  public String toString() {
    return String.format(
        "listed=%d due=%d applied=%d unchanged=%d failed=%d conflicts=%d tooLarge=%d invalid=%d"
            + " abandoned=%d repaired=%d deleting=%d cutShort=%d"
            + " uniqueNames=%d queries=%d networkPolicyWrites=%d statusWrites=%d"
            + " statusRefreshes=%d duration=%.3fs"
            + "%s exit=%d",
        listed,
        due,
        applied,
        unchanged,
        failed,
        conflicts,
        tooLarge,
        invalid,
        abandoned,
        repaired,
        deleting,
        cutShort,
        uniqueNames,
        queries,
        networkPolicyWrites,
        statusWrites,
        statusRefreshes,
        duration.toMillis() / 1000.0,
        switch (list) {
          case LISTED -> "";
          case CUT_SHORT -> " list=cut-short";
          case FAILED -> " list=failed";
        },
        exitCode());
  }
}
