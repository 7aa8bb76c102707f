package io.fqdnjob.job;

import io.fqdnjob.model.ResolveReason;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * What one run did, printed as its last log line and pushed as its metrics: every listed resource
 * with its one {@link Outcome}, the lookups, the writes, and how the run ended.
 *
 * @param resources listed resources by outcome; every listed resource has exactly one
 * @param due resources that were due for a lookup
 * @param lookups the DNS work of the run
 * @param writes the API writes sent
 * @param nextDue when the earliest listed resource whose lookups finished becomes due by its TTL;
 *     {@code null} when there is none
 * @param ending how the run ended
 */
public record RunSummary(
    Map<Outcome, Integer> resources,
    int due,
    Lookups lookups,
    Writes writes,
    Duration duration,
    Instant nextDue,
    Ending ending) {

  /** Exit code of a run that completed: every due resource written (or its failure reported). */
  public static final int EXIT_COMPLETED = 0;

  /**
   * Exit code of a run that could not read what it works on because the credentials lack a right
   * (HTTP 401 or 403): no retry helps, as for a usage or configuration error.
   */
  public static final int EXIT_REFUSED = 2;

  /**
   * Exit code of a run that could not write some resource, or could not list them; never 1, the
   * JVM's code for an uncaught error ({@code io.fqdnjob.cli.ExitCodes} lists every code).
   */
  public static final int EXIT_FAILED = 10;

  /**
   * Exit code of a run cut short by its deadline or stopped by a signal: what is left is left for
   * the next run. Never 3, the JVM's code for {@code -XX:+ExitOnOutOfMemoryError}.
   */
  public static final int EXIT_CUT_SHORT = 11;

  /**
   * The DNS work of a run.
   *
   * @param uniqueNames distinct (name, record type) lookups
   * @param queries DNS messages sent
   * @param byReason finished lookups by outcome (unique names, not resources)
   */
  public record Lookups(int uniqueNames, long queries, Map<ResolveReason, Integer> byReason) {
    public static final Lookups NONE = new Lookups(0, 0, Map.of());

    public Lookups {
      byReason = Map.copyOf(byReason);
    }
  }

  /**
   * The API writes of a run.
   *
   * @param networkPolicies NetworkPolicy applies sent
   * @param statuses status applies sent
   * @param statusRefreshes of those, applies of a status whose content had not changed, sent on the
   *     resource's refresh turn ({@code --status-refresh})
   */
  public record Writes(int networkPolicies, int statuses, int statusRefreshes) {
    public static final Writes NONE = new Writes(0, 0, 0);
  }

  /** How a run ended. */
  public enum Ending {
    /** Every resource in scope was listed; the outcomes say what became of each. */
    LISTED(""),
    /** The list was given up because the run's deadline passed or the run was stopped. */
    LIST_CUT_SHORT(" list=cut-short"),
    /** The list failed after retries: what was not listed was not written. */
    LIST_FAILED(" list=failed"),
    /** The list or a get was refused (HTTP 401/403): the credentials lack a right. */
    LIST_REFUSED(" list=refused"),
    /**
     * The API server did not answer a request within --api-timeout: the run started no request
     * after it, what was not written is left for the next run, and the run failed.
     */
    API_STALLED(" api=stalled"),
    /** The DNS servers of --dns-from-service could not be read: nothing was listed. */
    DNS_SERVICE_FAILED(" dns-service=failed");

    private final String suffix;

    Ending(String suffix) {
      this.suffix = suffix;
    }
  }

  public RunSummary {
    EnumMap<Outcome, Integer> copy = new EnumMap<>(Outcome.class);
    resources.forEach((outcome, count) -> {
      if (count > 0) {
        copy.put(outcome, count);
      }
    });
    resources = Map.copyOf(copy);
  }

  /** Returns the summary of a run that listed nothing and so wrote nothing. */
  public static RunSummary unlisted(Ending ending, Duration duration) {
    return new RunSummary(Map.of(), 0, Lookups.NONE, Writes.NONE, duration, null, ending);
  }

  /** Returns how many listed resources had {@code outcome}. */
  public int count(Outcome outcome) {
    return resources.getOrDefault(outcome, 0);
  }

  /** Returns how many resources were listed. */
  public int listed() {
    return resources.values().stream().mapToInt(Integer::intValue).sum();
  }

  public int applied() {
    return count(Outcome.APPLIED);
  }

  public int unchanged() {
    return count(Outcome.UNCHANGED);
  }

  public int failed() {
    return count(Outcome.FAILED);
  }

  public int conflicts() {
    return count(Outcome.CONFLICT);
  }

  public int tooLarge() {
    return count(Outcome.TOO_LARGE);
  }

  public int invalid() {
    return count(Outcome.INVALID);
  }

  public int abandoned() {
    return count(Outcome.ABANDONED);
  }

  public int repaired() {
    return count(Outcome.REPAIRED);
  }

  public int deleting() {
    return count(Outcome.DELETING);
  }

  public int cutShort() {
    return count(Outcome.CUT_SHORT);
  }

  public int uniqueNames() {
    return lookups.uniqueNames();
  }

  public long queries() {
    return lookups.queries();
  }

  public int networkPolicyWrites() {
    return writes.networkPolicies();
  }

  public int statusWrites() {
    return writes.statuses();
  }

  public int statusRefreshes() {
    return writes.statusRefreshes();
  }

  public Map<ResolveReason, Integer> lookupsByReason() {
    return lookups.byReason();
  }

  /** Returns whether the run listed its resources (to the end, or until it was cut short). */
  public boolean ran() {
    return ending == Ending.LISTED || ending == Ending.LIST_CUT_SHORT;
  }

  /**
   * Returns the process exit code for this run: {@value #EXIT_REFUSED} when the credentials may not
   * read the resources; {@value #EXIT_FAILED} when some resource could not be written, nothing
   * could be listed or the API server stalled; else {@value #EXIT_CUT_SHORT} when resources were
   * left for the next run by the deadline or a stop; else {@value #EXIT_COMPLETED}.
   */
  public int exitCode() {
    return switch (ending) {
      case LIST_REFUSED -> EXIT_REFUSED;
      case LIST_FAILED, API_STALLED, DNS_SERVICE_FAILED -> EXIT_FAILED;
      case LIST_CUT_SHORT -> failed() > 0 ? EXIT_FAILED : EXIT_CUT_SHORT;
      case LISTED -> failed() > 0 ? EXIT_FAILED : cutShort() > 0 ? EXIT_CUT_SHORT : EXIT_COMPLETED;
    };
  }

  @Override
  public String toString() {
    return String.format(
        "listed=%d due=%d applied=%d unchanged=%d failed=%d conflicts=%d tooLarge=%d invalid=%d"
            + " abandoned=%d repaired=%d deleting=%d cutShort=%d"
            + " uniqueNames=%d queries=%d networkPolicyWrites=%d statusWrites=%d"
            + " statusRefreshes=%d duration=%.3fs"
            + "%s exit=%d",
        listed(),
        due,
        applied(),
        unchanged(),
        failed(),
        conflicts(),
        tooLarge(),
        invalid(),
        abandoned(),
        repaired(),
        deleting(),
        cutShort(),
        lookups.uniqueNames(),
        lookups.queries(),
        writes.networkPolicies(),
        writes.statuses(),
        writes.statusRefreshes(),
        duration.toMillis() / 1000.0,
        ending.suffix,
        exitCode());
  }
}
