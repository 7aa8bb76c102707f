package io.fqdnjob.model;

/** A custom resource that cannot be used; the message names the object and the field. */
public final class InvalidResourceException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String field;

  public InvalidResourceException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
  }

  /** Returns the path of the offending field, for example {@code spec.egress[0].toFQDNS}. */
  public String field() {
    return field;
  }
}
