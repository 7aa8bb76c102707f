package io.fqdnjob.kube;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

class NetworkPolicyStoreTest {
  private static final String OWNER =
      "\"ownerReferences\":[{\"apiVersion\":\"fqdn.konsole.is/v1alpha1\",\"kind\":\"NetworkPolicy\","
          + "\"name\":\"p\",\"uid\":\"u-1\",\"controller\":true,\"blockOwnerDeletion\":true}]";

  private static JsonObject json(String text) {
    return JsonParser.parseString(text).getAsJsonObject();
  }

  private static JsonObject policy(String labels, String spec) {
    return json(
        "{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\",\"labels\":"
            + labels
            + ","
            + OWNER
            + ",\"resourceVersion\":\"7\",\"uid\":\"np-1\"},\"spec\":"
            + spec
            + "}");
  }

  @Test
  void denyAllMatchesTheStoredFormWithoutEgress() {
    JsonObject rendered =
        policy("{\"a\":\"b\"}", "{\"podSelector\":{},\"policyTypes\":[\"Egress\"],\"egress\":[]}");
    JsonObject live = policy("{\"a\":\"b\"}", "{\"podSelector\":{},\"policyTypes\":[\"Egress\"]}");
    assertTrue(NetworkPolicyStore.matches(live, rendered));
  }

  @Test
  void differentPeersDoNotMatch() {
    String one =
        "{\"podSelector\":{},\"egress\":[{\"to\":[{\"ipBlock\":{\"cidr\":\"192.0.2.1/32\"}}]}]}";
    String two =
        "{\"podSelector\":{},\"egress\":[{\"to\":[{\"ipBlock\":{\"cidr\":\"192.0.2.2/32\"}}]}]}";
    assertFalse(NetworkPolicyStore.matches(policy("{}", one), policy("{}", two)));
  }

  @Test
  void numbersReadBackAsDecimalsStillMatch() {
    String rendered =
        "{\"podSelector\":{},\"egress\":[{\"ports\":[{\"port\":443,\"protocol\":\"TCP\"}]}]}";
    String live =
        "{\"podSelector\":{},\"egress\":[{\"ports\":[{\"port\":443.0,\"protocol\":\"TCP\"}]}]}";
    assertTrue(NetworkPolicyStore.matches(policy("{}", live), policy("{}", rendered)));
  }

  @Test
  void changedLabelsDoNotMatch() {
    String spec = "{\"podSelector\":{}}";
    assertFalse(
        NetworkPolicyStore.matches(policy("{\"a\":\"b\"}", spec), policy("{\"a\":\"c\"}", spec)));
  }

  @Test
  void controlRequiresTheOwnersUidAndTheControllerFlag() {
    JsonObject live = policy("{}", "{}");
    assertTrue(NetworkPolicyStore.isControlledBy(live, "u-1"));
    assertFalse(NetworkPolicyStore.isControlledBy(live, "u-2"));
    JsonObject notController =
        json("{\"metadata\":{\"ownerReferences\":[{\"uid\":\"u-1\",\"controller\":false}]}}");
    assertFalse(NetworkPolicyStore.isControlledBy(notController, "u-1"));
    assertFalse(NetworkPolicyStore.isControlledBy(json("{\"metadata\":{}}"), "u-1"));
  }
}
