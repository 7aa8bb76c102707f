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
 * @param failed resources that could not be written after retries (exit code 1)
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
 * @param lookupsByReason finished lookups of this run by outcome (unique names, not resources)
 * @param nextDue when the earliest listed resource becomes due by its TTL; {@code null} when
 *     nothing was listed
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
    Duration duration,
    Instant nextDue,
    Map<ResolveReason, Integer> lookupsByReason) {

  public RunSummary {
    lookupsByReason = Map.copyOf(lookupsByReason);
  }

  /** Returns the process exit code for this run: 1 when some resource could not be written. */
  public int exitCode() {
    return failed > 0 ? 1 : 0;
  }

  @Override
  public String toString() {
    return String.format(
        "listed=%d due=%d applied=%d unchanged=%d failed=%d conflicts=%d tooLarge=%d invalid=%d"
            + " abandoned=%d repaired=%d deleting=%d"
            + " uniqueNames=%d queries=%d networkPolicyWrites=%d statusWrites=%d duration=%.3fs",
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
        uniqueNames,
        queries,
        networkPolicyWrites,
        statusWrites,
        duration.toMillis() / 1000.0);
  }
}
