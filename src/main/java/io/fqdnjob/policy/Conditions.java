package io.fqdnjob.policy;

import io.fqdnjob.model.Condition;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.FqdnStatus;
import io.fqdnjob.model.ResolveReason;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/** Builds the Ready and Resolve conditions; {@code lastTransitionTime} moves only on a change. */
public final class Conditions {
  /** Ready reason: the NetworkPolicy allows the resolved addresses. */
  public static final String READY = "Ready";

  /** Ready reason: the NetworkPolicy is in place but allows no destination at all. */
  public static final String EMPTY_RULES = "EmptyRules";

  /** Ready reason: the NetworkPolicy could not be applied. */
  public static final String FAILED = "Failed";

  private Conditions() {}

  /**
   * Returns the Resolve condition: True when every name resolved, otherwise False with the
   * highest-priority reason among the names and that name's message.
   */
  public static Condition resolve(
      Collection<FqdnStatus> names,
      FqdnNetworkPolicyStatus previous,
      long generation,
      Instant now) {
    Optional<FqdnStatus> worst =
        names.stream()
            .filter(n -> n.resolveReason() != ResolveReason.SUCCESS)
            .min(Comparator.comparing(FqdnStatus::resolveReason));
    if (worst.isEmpty()) {
      return carry(
          new Condition(
              Condition.RESOLVE,
              Condition.TRUE,
              ResolveReason.SUCCESS.name(),
              "all " + names.size() + " names resolved",
              now,
              generation),
          previous);
    }
    FqdnStatus name = worst.get();
    long failing = names.stream().filter(n -> n.resolveReason() != ResolveReason.SUCCESS).count();
    String message =
        failing
            + " of "
            + names.size()
            + " names did not resolve; "
            + name.fqdn()
            + ": "
            + name.resolveMessage();
    return carry(
        new Condition(
            Condition.RESOLVE,
            Condition.FALSE,
            name.resolveReason().name(),
            message,
            now,
            generation),
        previous);
  }

  /** Returns a Ready condition with the given outcome. */
  public static Condition ready(
      boolean ready,
      String reason,
      String message,
      FqdnNetworkPolicyStatus previous,
      long generation,
      Instant now) {
    return carry(
        new Condition(
            Condition.READY,
            ready ? Condition.TRUE : Condition.FALSE,
            reason,
            message,
            now,
            generation),
        previous);
  }

  /** Keeps the previous transition time when the condition's status did not change. */
  private static Condition carry(Condition next, FqdnNetworkPolicyStatus previous) {
    Optional<Condition> before = previous.condition(next.type());
    if (before.isPresent()
        && before.get().lastTransitionTime() != null
        && next.status().equals(before.get().status())) {
      return new Condition(
          next.type(),
          next.status(),
          next.reason(),
          next.message(),
          before.get().lastTransitionTime(),
          next.observedGeneration());
    }
    return next;
  }
}
