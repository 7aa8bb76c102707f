package io.fqdnjob.model;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The status of an fqdn custom resource, as read from or written to the status subresource. */
public record FqdnNetworkPolicyStatus(
    List<Condition> conditions,
    List<FqdnStatus> fqdns,
    Integer appliedAddressCount,
    Integer totalAddressesCount,
    Instant latestLookupTime,
    Long observedGeneration) {

  /** The status of a resource no run has touched yet. */
  public static final FqdnNetworkPolicyStatus EMPTY =
      new FqdnNetworkPolicyStatus(List.of(), List.of(), null, null, null, null);

  public FqdnNetworkPolicyStatus {
    conditions = List.copyOf(conditions);
    fqdns = List.copyOf(fqdns);
  }

  /** Returns the condition of the given type, if present. */
  public Optional<Condition> condition(String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
  }

  /** Returns the previous status of the given name, if present. */
  public Optional<FqdnStatus> fqdn(String name) {
    return fqdns.stream().filter(f -> f.fqdn().equals(name)).findFirst();
  }
}
