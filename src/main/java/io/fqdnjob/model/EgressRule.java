package io.fqdnjob.model;

import com.google.gson.JsonArray;
import java.util.List;

/**
 * One entry of {@code spec.egress}.
 *
 * @param toFqdns the names, as written by the user (a trailing dot is allowed)
 * @param ports the rule's ports, kept as JSON so they are copied verbatim into the NetworkPolicy
 *     (numeric and named ports, {@code endPort}, protocol); {@code null} when absent
 * @param blockPrivateIPs overrides {@link FqdnNetworkPolicySpec#blockPrivateIPs()} when set
 */
public record EgressRule(List<String> toFqdns, JsonArray ports, Boolean blockPrivateIPs) {
  public EgressRule {
    toFqdns = List.copyOf(toFqdns);
    ports = ports == null ? null : ports.deepCopy();
  }

  @Override
  public JsonArray ports() {
    return ports == null ? null : ports.deepCopy();
  }

  /** Returns whether private addresses are removed for this rule, given the global setting. */
  public boolean blocksPrivate(boolean globalDefault) {
    return blockPrivateIPs == null ? globalDefault : blockPrivateIPs;
  }
}
