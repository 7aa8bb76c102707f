package io.fqdnjob.model;

import java.util.Map;

/**
 * An fqdn custom resource ({@code fqdnnetworkpolicies.fqdn.konsole.is}, kind {@code
 * NetworkPolicy}); named so it never collides with the generated {@code V1NetworkPolicy}.
 *
 * @param uid the object's uid, used for the controller owner reference; may be {@code null} for a
 *     resource read from a file
 * @param generation {@code metadata.generation}; 0 when unknown
 * @param labels {@code metadata.labels}; they are not copied onto the generated NetworkPolicy
 */
public record FqdnNetworkPolicy(
    ResourceId id,
    String uid,
    long generation,
    Map<String, String> labels,
    FqdnNetworkPolicySpec spec,
    FqdnNetworkPolicyStatus status) {

  public static final String GROUP = "fqdn.konsole.is";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;
  public static final String KIND = "NetworkPolicy";
  public static final String PLURAL = "fqdnnetworkpolicies";

  public FqdnNetworkPolicy {
    labels = Map.copyOf(labels);
  }
}
