package io.fqdnjob.model;

/**
 * Outcome of resolving one name, as written to {@code status.fqdns[].resolveReason}.
 *
 * <p>The declaration order is the priority used when several names of one resource fail: the first
 * constant has the highest priority. The names and the order of the reference controller's reasons
 * are kept; {@link #NODATA} is new and sits just below {@link #NXDOMAIN}.
 */
public enum ResolveReason {
  OTHER_ERROR(true),
  INVALID_DOMAIN(false),
  NXDOMAIN(false),
  NODATA(false),
  TIMEOUT(true),
  TEMPORARY(true),
  UNKNOWN(true),
  SUCCESS(false);

  private final boolean isTransient;

  ResolveReason(boolean isTransient) {
    this.isTransient = isTransient;
  }

  /**
   * Returns whether a failure with this reason may go away by itself, so that the name's previous
   * addresses are kept until the resource's retry window has passed.
   */
  public boolean isTransient() {
    return isTransient;
  }

  /** Returns whether this reason outranks {@code other} in the aggregated Resolve condition. */
  public boolean outranks(ResolveReason other) {
    return ordinal() < other.ordinal();
  }

  /**
   * Returns the reason named by {@code value}, or {@link #UNKNOWN} for a value this version does
   * not know (a status written by a newer release or by hand).
   */
  public static ResolveReason parse(String value) {
    if (value == null) {
      return UNKNOWN;
    }
    try {
      return valueOf(value);
    } catch (IllegalArgumentException e) {
      return UNKNOWN;
    }
  }
}
