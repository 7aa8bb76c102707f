package io.fqdnjob.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LiveNetworkPolicyTest {
  private static final String OWNER =
      "{\"apiVersion\":\"fqdn.konsole.is/v1alpha1\",\"kind\":\"NetworkPolicy\","
          + "\"name\":\"p\",\"uid\":\"u-1\",\"controller\":true,\"blockOwnerDeletion\":true}";
  private static final String MANAGED_BY = "\"app.kubernetes.io/managed-by\":\"fqdn-job\"";
  private static final String SPEC =
      "{\"podSelector\":{\"matchLabels\":{\"app\":\"web\"}},\"policyTypes\":[\"Egress\"],"
          + "\"egress\":[{\"ports\":[{\"port\":443,\"protocol\":\"TCP\"}],"
          + "\"to\":[{\"ipBlock\":{\"cidr\":\"192.0.2.1/32\"}}]}]}";

  private static JsonObject json(String text) {
    return JsonParser.parseString(text).getAsJsonObject();
  }

  private static JsonObject policy(String labels, String owners, String spec, String extra) {
    return json(
        "{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\",\"labels\":"
            + labels
            + ",\"ownerReferences\":"
            + owners
            + ",\"resourceVersion\":\"7\",\"uid\":\"np-1\""
            + extra
            + "},\"spec\":"
            + spec
            + "}");
  }

  private static final Set<String> RENDERED_LABELS = Set.of("app.kubernetes.io/managed-by");

  private static LiveNetworkPolicy.Rendered rendered(String spec) {
    return LiveNetworkPolicy.Rendered.of(
        policy("{" + MANAGED_BY + "}", "[" + OWNER + "]", spec, ""));
  }

  private static LiveNetworkPolicy live(String labels, String owners, String spec, String extra) {
    return LiveNetworkPolicy.of(policy(labels, owners, spec, extra), RENDERED_LABELS);
  }

  private static String managedFields(String... labelKeys) {
    StringBuilder labels = new StringBuilder();
    for (String key : labelKeys) {
      labels.append(labels.isEmpty() ? "" : ",").append("\"f:").append(key).append("\":{}");
    }
    return ",\"managedFields\":[{\"manager\":\"fqdn-job\",\"operation\":\"Apply\","
        + "\"fieldsV1\":{\"f:metadata\":{\"f:labels\":{"
        + labels
        + "}},\"f:spec\":{}}},"
        + "{\"manager\":\"gitops\",\"operation\":\"Apply\","
        + "\"fieldsV1\":{\"f:metadata\":{\"f:labels\":{\"f:team\":{}}}}}]";
  }

  @Test
  void denyAllMatchesTheStoredFormWithoutEgress() {
    String stored = "{\"podSelector\":{},\"policyTypes\":[\"Egress\"]}";
    String applied = "{\"podSelector\":{},\"policyTypes\":[\"Egress\"],\"egress\":[]}";
    assertTrue(
        live("{" + MANAGED_BY + "}", "[" + OWNER + "]", stored, "").matches(rendered(applied)));
  }

  @Test
  void anEmptyMatchLabelsIsStoredAsAnEmptySelectorAndStillMatches() {
    String stored = "{\"podSelector\":{},\"policyTypes\":[\"Egress\"]}";
    String applied = "{\"podSelector\":{\"matchLabels\":{}},\"policyTypes\":[\"Egress\"]}";
    assertTrue(
        live("{" + MANAGED_BY + "}", "[" + OWNER + "]", stored, "").matches(rendered(applied)));
  }

  @Test
  void differentPeersDoNotMatch() {
    String other = SPEC.replace("192.0.2.1/32", "192.0.2.2/32");
    assertFalse(live("{" + MANAGED_BY + "}", "[" + OWNER + "]", other, "").matches(rendered(SPEC)));
  }

  @Test
  void anExtraRuleFromAnotherWriterIsDrift() {
    String widened =
        SPEC.replace("}]}]}", "}]},{\"to\":[{\"ipBlock\":{\"cidr\":\"0.0.0.0/0\"}}]}]}");
    assertFalse(
        live("{" + MANAGED_BY + "}", "[" + OWNER + "]", widened, "").matches(rendered(SPEC)));
  }

  @Test
  void numbersReadBackAsDecimalsStillMatch() {
    String stored = SPEC.replace("443", "443.0");
    assertTrue(live("{" + MANAGED_BY + "}", "[" + OWNER + "]", stored, "").matches(rendered(SPEC)));
  }

  @Test
  void labelsAnnotationsAndOwnersAddedByOtherWritersAreNotADifference() {
    String otherOwner =
        "{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":\"Application\",\"name\":\"a\","
            + "\"uid\":\"u-9\"}";
    LiveNetworkPolicy live =
        live(
            "{" + MANAGED_BY + ",\"team\":\"payments\",\"policy.example/audited\":\"yes\"}",
            "[" + otherOwner + "," + OWNER + "]",
            SPEC,
            ",\"annotations\":{\"gitops/sync\":\"x\"}"
                + managedFields("app.kubernetes.io/managed-by"));
    assertTrue(live.matches(rendered(SPEC)));
  }

  @Test
  void aLabelTheJobSetEarlierAndNoLongerRendersIsADifference() {
    LiveNetworkPolicy live =
        live(
            "{" + MANAGED_BY + ",\"team\":\"payments\"}",
            "[" + OWNER + "]",
            SPEC,
            managedFields("app.kubernetes.io/managed-by", "team"));
    assertFalse(live.matches(rendered(SPEC)));
    assertEquals(
        "a label fqdn-job sets was changed or removed, or one it set earlier is left over",
        live.difference(rendered(SPEC)));
    assertTrue(live.specMatches(rendered(SPEC)));
  }

  @Test
  void aChangedOrMissingRenderedLabelIsADifference() {
    assertFalse(
        live("{\"app.kubernetes.io/managed-by\":\"helm\"}", "[" + OWNER + "]", SPEC, "")
            .matches(rendered(SPEC)));
    assertFalse(live("{}", "[" + OWNER + "]", SPEC, "").matches(rendered(SPEC)));
  }

  @Test
  void aMissingOwnerReferenceIsADifference() {
    assertFalse(live("{" + MANAGED_BY + "}", "[]", SPEC, "").matches(rendered(SPEC)));
  }

  @Test
  void controlRequiresTheOwnersUidAndTheControllerFlag() {
    LiveNetworkPolicy live = live("{}", "[" + OWNER + "]", "{}", "");
    assertTrue(live.isControlledBy("u-1"));
    assertFalse(live.isControlledBy("u-2"));
    assertEquals("controlled by NetworkPolicy p (uid u-1)", live.controller());
    LiveNetworkPolicy notController =
        LiveNetworkPolicy.of(
            json("{\"metadata\":{\"ownerReferences\":[{\"uid\":\"u-1\",\"controller\":false}]}}"),
            RENDERED_LABELS);
    assertFalse(notController.isControlledBy("u-1"));
    assertEquals("not controlled by any object", notController.controller());
    assertFalse(
        LiveNetworkPolicy.of(json("{\"metadata\":{}}"), RENDERED_LABELS).isControlledBy("u-1"));
  }

  @Test
  void aPolicyOfAnEarlierResourceOfTheSameNameMayBeTakenOver() {
    LiveNetworkPolicy earlier = live("{}", "[" + OWNER + "]", "{}", "");
    assertTrue(earlier.belongsTo("u-new"));
    LiveNetworkPolicy otherName =
        live("{}", "[" + OWNER.replace("\"name\":\"p\"", "\"name\":\"q\"") + "]", "{}", "");
    assertFalse(otherName.belongsTo("u-new"));
    LiveNetworkPolicy otherKind =
        live("{}", "[" + OWNER.replace("fqdn.konsole.is/v1alpha1", "apps/v1") + "]", "{}", "");
    assertFalse(otherKind.belongsTo("u-new"));
    assertFalse(live("{}", "[]", "{}", "").belongsTo("u-new"));
  }

  @Test
  void withoutAManagedFieldsEntryOnlyTheRenderedLabelsAreCompared() {
    LiveNetworkPolicy live =
        live("{" + MANAGED_BY + ",\"team\":\"payments\"}", "[" + OWNER + "]", SPEC, "");
    assertTrue(live.matches(rendered(SPEC)));
    assertEquals("7", live.resourceVersion());
  }

  @Test
  void aChangedPeerIsADifferenceOfTheSpec() {
    String other = SPEC.replace("192.0.2.1/32", "192.0.2.2/32");
    LiveNetworkPolicy live = live("{" + MANAGED_BY + "}", "[" + OWNER + "]", other, "");
    assertEquals("its spec was changed", live.difference(rendered(SPEC)));
    assertFalse(live.specMatches(rendered(SPEC)));
  }

  private static String canonical(String json) {
    StringBuilder text = new StringBuilder();
    LiveNetworkPolicy.appendCanonical(text, JsonParser.parseString(json));
    return text.toString();
  }

  @Test
  void theCanonicalFormSortsMembersButKeepsTheOrderOfLists() {
    assertEquals(
        canonical("{\"b\":1,\"a\":[\"x\",\"y\"]}"), canonical("{\"a\":[\"x\",\"y\"],\"b\":1}"));
    assertNotEquals(canonical("{\"a\":[\"x\",\"y\"]}"), canonical("{\"a\":[\"y\",\"x\"]}"));
  }

  @Test
  void theCanonicalFormLeavesOutWhatTheApiServerDrops() {
    assertEquals(
        canonical("{\"port\":443}"),
        canonical("{\"a\":null,\"b\":[],\"c\":{\"d\":{},\"e\":null},\"port\":443.0}"));
    assertEquals("{}", canonical("null"));
    assertEquals(
        LiveNetworkPolicy.digest(null), LiveNetworkPolicy.digest(JsonParser.parseString("{}")));
  }

  @Test
  void noContentOfTheCanonicalFormPassesForStructure() {
    assertNotEquals(canonical("[\"ab\",\"c\"]"), canonical("[\"a\",\"bc\"]"));
    assertNotEquals(
        canonical("{\"a\":\"b\",\"c\":\"d\"}"), canonical("{\"a\":\"b\\\"c\\\":\\\"d\"}"));
    assertNotEquals(canonical("[443]"), canonical("[\"443\"]"));
    assertNotEquals(canonical("[true]"), canonical("[\"t\"]"));
    assertNotEquals(canonical("[{}]"), canonical("[[]]"));
    assertNotEquals(
        LiveNetworkPolicy.digest(JsonParser.parseString("{\"a\":\"\u00e9\"}")),
        LiveNetworkPolicy.digest(JsonParser.parseString("{\"a\":\"e\"}")));
  }
}
