package io.fqdnjob.migration;

import com.google.gson.JsonObject;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.NetworkPolicyRenderer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * NetworkPolicies that carry labels and annotations fqdn-controller copied from their fqdn resource
 * (all of them, {@code kubectl.kubernetes.io/last-applied-configuration} included). fqdn-job copies
 * none and server-side apply removes only what fqdn-job itself set, so the copies stay after the
 * switch, owned by fqdn-controller's field manager, and go stale when the resource's own change.
 * Tools that find objects by label (applysets, {@code kubectl apply --prune -l}, Argo CD, Flux) may
 * count such a policy as one of theirs.
 */
final class CopiedMetadataCheck {
  private CopiedMetadataCheck() {}

  /**
   * Returns a note for each policy controlled by an fqdn resource that holds a label or annotation
   * of that resource with the same value.
   *
   * @param resources the listed fqdn resources by namespace and name
   */
  static List<Finding> check(List<JsonObject> policies, Map<ResourceId, JsonObject> resources) {
    List<Finding> findings = new ArrayList<>();
    for (JsonObject policy : policies) {
      JsonObject metadata = Json.object(policy, "metadata");
      ResourceId id =
          new ResourceId(Json.string(metadata, "namespace"), Json.string(metadata, "name"));
      JsonObject resource = resources.get(id);
      if (resource == null || !controlledByFqdnResource(metadata)) {
        continue;
      }
      JsonObject resourceMetadata = Json.object(resource, "metadata");
      TreeSet<String> labels = copied(metadata, resourceMetadata, "labels");
      // fqdn-job sets this label itself, so a copy of it is overwritten rather than left over.
      labels.remove(NetworkPolicyRenderer.MANAGED_BY_LABEL);
      TreeSet<String> annotations = copied(metadata, resourceMetadata, "annotations");
      if (labels.isEmpty() && annotations.isEmpty()) {
        continue;
      }
      TreeSet<String> owners = new TreeSet<>();
      labels.forEach(k -> owners.addAll(ManagedFields.owners(metadata, "labels", k)));
      annotations.forEach(k -> owners.addAll(ManagedFields.owners(metadata, "annotations", k)));
      StringBuilder message = new StringBuilder("Copied from the fqdn resource by fqdn-controller");
      if (!owners.isEmpty()) {
        message.append(" (field manager ").append(String.join(", ", owners)).append(")");
      }
      message.append(":");
      if (!labels.isEmpty()) {
        message.append(" labels ").append(String.join(", ", labels)).append(";");
      }
      if (!annotations.isEmpty()) {
        message.append(" annotations ").append(String.join(", ", annotations)).append(";");
      }
      message.append(
          " fqdn-job leaves them in place and never updates them. Tools that select objects by"
              + " label may take this policy for one of theirs.");
      List<String> commands = new ArrayList<>();
      if (!labels.isEmpty()) {
        commands.add(
            "kubectl label networkpolicy -n "
                + id.namespace()
                + " "
                + id.name()
                + " "
                + String.join("- ", labels)
                + "-");
      }
      if (!annotations.isEmpty()) {
        commands.add(
            "kubectl annotate networkpolicy -n "
                + id.namespace()
                + " "
                + id.name()
                + " "
                + String.join("- ", annotations)
                + "-");
      }
      findings.add(
          new Finding(
              Finding.Severity.NOTE,
              "policy-copied-metadata",
              "networkpolicy " + id,
              message.toString(),
              "to remove them: " + String.join(" && ", commands)));
    }
    return findings;
  }

  private static boolean controlledByFqdnResource(JsonObject metadata) {
    for (JsonObject owner : Json.objects(metadata, "ownerReferences")) {
      if (owner.has("controller")
          && owner.get("controller").getAsBoolean()
          && FqdnNetworkPolicy.API_VERSION.equals(Json.string(owner, "apiVersion"))
          && FqdnNetworkPolicy.KIND.equals(Json.string(owner, "kind"))) {
        return true;
      }
    }
    return false;
  }

  private static TreeSet<String> copied(JsonObject policy, JsonObject resource, String map) {
    Map<String, String> theirs = Json.strings(resource, map);
    TreeSet<String> keys = new TreeSet<>();
    Json.strings(policy, map)
        .forEach((key, value) -> {
          if (Objects.equals(theirs.get(key), value)) {
            keys.add(key);
          }
        });
    return keys;
  }
}
