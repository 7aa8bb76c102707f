package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.kube.LiveNetworkPolicy;
import io.fqdnjob.policy.NetworkPolicyRenderer;
import org.junit.jupiter.api.Test;

class PolicyDecisionTest {
  private static final String UID = "u1";

  private static JsonObject body(String ownerUid, String cidr) {
    return JsonParser.parseString(
            """
            {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
             "metadata": {"name": "a", "namespace": "ns",
               "labels": {"app.kubernetes.io/managed-by": "fqdn-job"}%s},
             "spec": {"podSelector": {}, "policyTypes": ["Egress"],
               "egress": [{"to": [{"ipBlock": {"cidr": "%s"}}]}]}}
            """
                .formatted(
                    ownerUid == null
                        ? ""
                        : ", \"ownerReferences\": [{\"apiVersion\": \"fqdn.konsole.is/v1alpha1\","
                            + " \"kind\": \"NetworkPolicy\", \"name\": \"a\", \"uid\": \""
                            + ownerUid
                            + "\", \"controller\": true, \"blockOwnerDeletion\": true}]",
                    cidr))
        .getAsJsonObject();
  }

  private static LiveNetworkPolicy live(String ownerUid, String cidr) {
    return LiveNetworkPolicy.of(body(ownerUid, cidr), NetworkPolicyRenderer.LABEL_KEYS);
  }

  private static final LiveNetworkPolicy.Rendered RENDERED =
      LiveNetworkPolicy.Rendered.of(body(UID, "192.0.2.1/32"));

  @Test
  void dueResource() {
    assertEquals(PolicyDecision.CREATE, PolicyDecision.forDue(null, UID, 1, 10, RENDERED));
    assertEquals(
        PolicyDecision.UNCHANGED,
        PolicyDecision.forDue(live(UID, "192.0.2.1/32"), UID, 1, 10, RENDERED));
    assertEquals(
        PolicyDecision.UPDATE,
        PolicyDecision.forDue(live(UID, "192.0.2.2/32"), UID, 1, 10, RENDERED));
    assertEquals(PolicyDecision.TOO_LARGE, PolicyDecision.forDue(null, UID, 11, 10, RENDERED));
    // A name held by another object is reported as such, whatever the size.
    assertEquals(
        PolicyDecision.CONFLICT,
        PolicyDecision.forDue(live(null, "192.0.2.1/32"), UID, 11, 10, RENDERED));
  }

  @Test
  void resourceNotDueLeavesConflictsAndOversizeForItsDueRun() {
    assertEquals(PolicyDecision.CREATE, PolicyDecision.forNotDue(null, UID, 1, 10, RENDERED));
    assertEquals(
        PolicyDecision.UPDATE,
        PolicyDecision.forNotDue(live(UID, "192.0.2.2/32"), UID, 1, 10, RENDERED));
    assertEquals(
        PolicyDecision.UNCHANGED,
        PolicyDecision.forNotDue(live(null, "192.0.2.2/32"), UID, 1, 10, RENDERED));
    assertEquals(
        PolicyDecision.UNCHANGED,
        PolicyDecision.forNotDue(live(UID, "192.0.2.2/32"), UID, 11, 10, RENDERED));
  }
}
