package io.fqdnjob.model;

import java.time.Instant;

/** A status condition ({@code status.conditions[]}) in the usual Kubernetes shape. */
public record Condition(
    String type,
    String status,
    String reason,
    String message,
    Instant lastTransitionTime,
    Long observedGeneration) {

  public static final String READY = "Ready";
  public static final String RESOLVE = "Resolve";
  public static final String TRUE = "True";
  public static final String FALSE = "False";

  public boolean isTrue() {
    return TRUE.equals(status);
  }
}
