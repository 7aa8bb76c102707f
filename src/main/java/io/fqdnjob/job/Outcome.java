package io.fqdnjob.job;

/**
 * What a run did with one listed resource: exactly one per resource. The summary line, the metrics
 * and the exit code are counted from these.
 */
public enum Outcome {
  /** Due: its NetworkPolicy was created or updated. */
  APPLIED("applied"),
  /** Due: its NetworkPolicy already matched. */
  UNCHANGED("unchanged"),
  /** Due: the NetworkPolicy's name is taken by an object the resource does not control. */
  CONFLICT("conflict"),
  /** Due: the NetworkPolicy would exceed --max-peers-per-policy and was not applied. */
  TOO_LARGE("too_large"),
  /** Due: left untouched because its lookups did not finish. */
  ABANDONED("abandoned"),
  /** Its spec cannot be used; reported in its status. */
  INVALID("invalid"),
  /** Not due: its NetworkPolicy, changed or deleted by another writer, was put back. */
  REPAIRED("repaired"),
  /** Not due: its NetworkPolicy is as its status says, nothing to do. */
  IN_PLACE("in_place"),
  /** Being deleted: left alone. */
  DELETING("deleting"),
  /** A write failed after retries. */
  FAILED("failed"),
  /** Left as it was for the next run: the run's deadline passed or the run was stopped first. */
  CUT_SHORT("cut_short");

  private final String label;

  Outcome(String label) {
    this.label = label;
  }

  /** Returns the value of the {@code outcome} label of the resources metric. */
  public String label() {
    return label;
  }
}
