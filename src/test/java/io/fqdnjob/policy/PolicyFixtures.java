package io.fqdnjob.policy;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.fqdnjob.model.EgressRule;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicySpec;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.FqdnStatus;
import io.fqdnjob.model.NetworkType;
import io.fqdnjob.model.ResolveReason;
import io.fqdnjob.model.ResourceId;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Small builders for resources and statuses, for tests that need only a few fields set. */
final class PolicyFixtures {
  static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

  private PolicyFixtures() {}

  static FqdnNetworkPolicySpec spec(NetworkType type, int ttl, int retry, EgressRule... rules) {
    return new FqdnNetworkPolicySpec(new JsonObject(), List.of(rules), type, ttl, 3, retry, false);
  }

  static EgressRule rule(String... names) {
    return new EgressRule(List.of(names), null, null);
  }

  static EgressRule rule(JsonArray ports, Boolean blockPrivate, String... names) {
    return new EgressRule(List.of(names), ports, blockPrivate);
  }

  static FqdnNetworkPolicy policy(
      long generation, FqdnNetworkPolicySpec spec, FqdnNetworkPolicyStatus status) {
    return new FqdnNetworkPolicy(
        new ResourceId("shop", "api-egress"),
        "0c4b2f5e-9a57-4f5b-8d0c-3f1c2a9e7b11",
        generation,
        Map.of(),
        spec,
        status);
  }

  static FqdnNetworkPolicyStatus lookedUp(
      Instant at, Long observedGeneration, FqdnStatus... fqdns) {
    return new FqdnNetworkPolicyStatus(List.of(), List.of(fqdns), 0, 0, at, observedGeneration);
  }

  static FqdnStatus fqdn(
      String name, Instant lastSuccess, ResolveReason reason, String... addresses) {
    return new FqdnStatus(name, lastSuccess, lastSuccess, reason, "earlier", List.of(addresses));
  }
}
