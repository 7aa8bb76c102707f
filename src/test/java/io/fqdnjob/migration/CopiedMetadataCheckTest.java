package io.fqdnjob.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.fqdnjob.model.ResourceId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CopiedMetadataCheckTest {
  private final JsonObject resource =
      ControllerObjects.stored(ControllerObjects.resource("ns", "a", "api.example.com"), "u1");
  private final Map<ResourceId, JsonObject> resources = Map.of(new ResourceId("ns", "a"), resource);

  @Test
  void copiedLabelsAndAnnotationsAreNotedWithTheirOwnerAndHowToRemoveThem() {
    JsonObject policy =
        ControllerObjects.writtenBy(
            ControllerObjects.policy(resource, "192.0.2.1"), "manager", "Update");
    List<Finding> findings = CopiedMetadataCheck.check(List.of(policy), resources);
    assertEquals(1, findings.size());
    Finding f = findings.get(0);
    assertEquals(Finding.Severity.NOTE, f.severity());
    assertEquals("networkpolicy ns/a", f.subject());
    assertTrue(f.message().contains("(field manager manager)"), f.message());
    assertTrue(f.message().contains("labels team;"), f.message());
    assertTrue(f.message().contains("annotations " + ControllerObjects.LAST_APPLIED), f.message());
    assertEquals(
        "to remove them: kubectl label networkpolicy -n ns a team- && kubectl annotate"
            + " networkpolicy -n ns a "
            + ControllerObjects.LAST_APPLIED
            + "-",
        f.fix());
  }

  @Test
  void theJobsOwnLabelAndValuesThatDifferAreNotCopies() {
    JsonObject policy = ControllerObjects.policy(resource, "192.0.2.1");
    JsonObject metadata = policy.getAsJsonObject("metadata");
    metadata.getAsJsonObject("labels").addProperty("team", "other");
    metadata.remove("annotations");
    resource
        .getAsJsonObject("metadata")
        .getAsJsonObject("labels")
        .addProperty("app.kubernetes.io/managed-by", "fqdn-job");
    metadata.getAsJsonObject("labels").addProperty("app.kubernetes.io/managed-by", "fqdn-job");
    assertEquals(List.of(), CopiedMetadataCheck.check(List.of(policy), resources));
  }

  @Test
  void policiesNotControlledByAnFqdnResourceAreLeftOut() {
    JsonObject policy = ControllerObjects.policy(resource, "192.0.2.1");
    policy.getAsJsonObject("metadata").remove("ownerReferences");
    assertEquals(List.of(), CopiedMetadataCheck.check(List.of(policy), resources));
  }
}
