package io.fqdnjob.kube;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.ResourceId;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A NetworkPolicy as listed, reduced to what the job compares: who controls it, its labels, which
 * labels this job's field manager owns, and its spec.
 *
 * <p>Other writers are expected: an admission controller or a GitOps tool may add labels,
 * annotations or owner references, and server-side apply rightly keeps them. {@link #matches} looks
 * only at the fields this job renders, so such additions never cause a write; a change to the spec
 * (an extra rule, a removed peer) or to a field the job set is drift, and does.
 *
 * @param resourceVersion {@code metadata.resourceVersion}, naming the state a decision was based on
 * @param controllerUid the uid of the owner reference with {@code controller: true}, or {@code
 *     null}
 * @param controller a description of that owner reference, for conflict messages
 * @param controllerIsFqdnResource whether that owner reference names an fqdn resource with the
 *     policy's own name: the resource, or an earlier object of the same name
 * @param owners the owner references, each reduced to the fields the job sets
 * @param labels {@code metadata.labels}
 * @param ownedLabels the label keys that this job's server-side apply owns, from its managed-fields
 *     entry; {@code null} when the listing held no such entry
 * @param spec the spec in {@link #canonical} form
 */
public record LiveNetworkPolicy(
    ResourceId id,
    String resourceVersion,
    String controllerUid,
    String controller,
    boolean controllerIsFqdnResource,
    Set<String> owners,
    Map<String, String> labels,
    Set<String> ownedLabels,
    JsonElement spec) {

  public LiveNetworkPolicy {
    owners = Set.copyOf(owners);
    labels = Map.copyOf(labels);
    ownedLabels = ownedLabels == null ? null : Set.copyOf(ownedLabels);
  }

  /** Returns the compared form of a NetworkPolicy as the API server returned it. */
  public static LiveNetworkPolicy of(JsonObject item) {
    JsonObject metadata =
        item.has("metadata") && item.get("metadata").isJsonObject()
            ? item.getAsJsonObject("metadata")
            : new JsonObject();
    ResourceId id =
        new ResourceId(
            FqdnPolicyStore.string(metadata, "namespace"),
            FqdnPolicyStore.string(metadata, "name"));
    String controllerUid = null;
    String controller = "not controlled by any object";
    boolean fqdnResource = false;
    for (JsonObject owner : objects(metadata.get("ownerReferences"))) {
      if (owner.has("controller") && owner.get("controller").getAsBoolean()) {
        controllerUid = FqdnPolicyStore.string(owner, "uid");
        fqdnResource =
            FqdnNetworkPolicy.API_VERSION.equals(FqdnPolicyStore.string(owner, "apiVersion"))
                && FqdnNetworkPolicy.KIND.equals(FqdnPolicyStore.string(owner, "kind"))
                && Objects.equals(id.name(), FqdnPolicyStore.string(owner, "name"));
        controller =
            "controlled by "
                + FqdnPolicyStore.string(owner, "kind")
                + " "
                + FqdnPolicyStore.string(owner, "name")
                + " (uid "
                + controllerUid
                + ")";
        break;
      }
    }
    return new LiveNetworkPolicy(
        id,
        FqdnPolicyStore.string(metadata, "resourceVersion"),
        controllerUid,
        controller,
        fqdnResource,
        owners(metadata),
        labels(metadata),
        ownedLabels(metadata),
        canonical(item.get("spec")));
  }

  /**
   * Returns whether the policy is controlled by the object with {@code ownerUid}: it has an owner
   * reference with that uid and {@code controller: true}.
   */
  public boolean isControlledBy(String ownerUid) {
    return controllerUid != null && controllerUid.equals(ownerUid);
  }

  /**
   * Returns whether the job may write this policy for the resource with {@code ownerUid}: it is
   * controlled by that resource, or by an fqdn resource of the same name that no longer exists (the
   * resource was deleted and created again; the garbage collector would delete the policy, and
   * taking it over leaves the pods restricted meanwhile).
   */
  public boolean belongsTo(String ownerUid) {
    return isControlledBy(ownerUid) || controllerIsFqdnResource;
  }

  /**
   * Returns whether applying {@code rendered} would leave the policy as it is: every label the job
   * renders is there with its value, no label the job applied earlier is left over, the job's owner
   * reference is there, and the spec is the same. What other writers added is not looked at.
   */
  public boolean matches(JsonObject rendered) {
    return difference(rendered) == null;
  }

  /**
   * Returns what applying {@code rendered} would change, in a few words for a person (the first
   * difference found, the spec first), or {@code null} when it {@link #matches}.
   */
  public String difference(JsonObject rendered) {
    if (!specMatches(rendered)) {
      return "its spec was changed";
    }
    JsonObject metadata = rendered.getAsJsonObject("metadata");
    if (!owners.containsAll(owners(metadata))) {
      return "its owner reference was changed";
    }
    Map<String, String> wanted = labels(metadata);
    for (Map.Entry<String, String> label : wanted.entrySet()) {
      if (!Objects.equals(labels.get(label.getKey()), label.getValue())) {
        return "its label " + label.getKey() + " was changed";
      }
    }
    if (ownedLabels != null) {
      for (String key : ownedLabels) {
        if (!wanted.containsKey(key)) {
          // An apply drops a label the job set before and renders no more.
          return "it has label " + key + ", which fqdn-job set earlier and sets no more";
        }
      }
    }
    return null;
  }

  /** Returns whether the spec is the one of {@code rendered}, as the API server stores it. */
  public boolean specMatches(JsonObject rendered) {
    return spec.equals(canonical(rendered.get("spec")));
  }

  /**
   * Returns {@code element} as the API server stores it, for comparison: members whose value is an
   * empty list or an empty object are dropped (a deny-all policy's {@code egress: []} and a {@code
   * podSelector: {matchLabels: {}}} read back without them), and numbers are compared by value.
   */
  static JsonElement canonical(JsonElement element) {
    if (element == null || element.isJsonNull()) {
      return new JsonObject();
    }
    if (element.isJsonArray()) {
      JsonArray copy = new JsonArray();
      element.getAsJsonArray().forEach(e -> copy.add(canonical(e)));
      return copy;
    }
    if (!element.isJsonObject()) {
      return element;
    }
    JsonObject copy = new JsonObject();
    for (var entry : new TreeMap<>(element.getAsJsonObject().asMap()).entrySet()) {
      JsonElement value = canonical(entry.getValue());
      boolean empty =
          (value.isJsonArray() && value.getAsJsonArray().isEmpty())
              || (value.isJsonObject() && value.getAsJsonObject().isEmpty());
      if (!empty && !entry.getValue().isJsonNull()) {
        copy.add(entry.getKey(), value);
      }
    }
    return copy;
  }

  private static Map<String, String> labels(JsonObject metadata) {
    Map<String, String> labels = new TreeMap<>();
    JsonElement element = metadata == null ? null : metadata.get("labels");
    if (element != null && element.isJsonObject()) {
      element.getAsJsonObject().entrySet().stream()
          .filter(e -> e.getValue().isJsonPrimitive())
          .forEach(e -> labels.put(e.getKey(), e.getValue().getAsString()));
    }
    return labels;
  }

  /** Returns the owner references reduced to the fields this job sets. */
  private static Set<String> owners(JsonObject metadata) {
    Set<String> owners = new TreeSet<>();
    for (JsonObject o : objects(metadata == null ? null : metadata.get("ownerReferences"))) {
      owners.add(
          FqdnPolicyStore.string(o, "apiVersion")
              + "|"
              + FqdnPolicyStore.string(o, "kind")
              + "|"
              + FqdnPolicyStore.string(o, "name")
              + "|"
              + FqdnPolicyStore.string(o, "uid")
              + "|"
              + FqdnPolicyStore.string(o, "controller")
              + "|"
              + FqdnPolicyStore.string(o, "blockOwnerDeletion"));
    }
    return owners;
  }

  /**
   * Returns the label keys owned by this job's apply, read from its {@code managedFields} entry
   * ({@code fieldsV1} holds {@code f:metadata}/{@code f:labels}/{@code f:KEY}).
   */
  private static Set<String> ownedLabels(JsonObject metadata) {
    for (JsonObject entry : objects(metadata.get("managedFields"))) {
      if (!FqdnPolicyStore.FIELD_MANAGER.equals(FqdnPolicyStore.string(entry, "manager"))
          || !"Apply".equals(FqdnPolicyStore.string(entry, "operation"))) {
        continue;
      }
      Set<String> keys = new TreeSet<>();
      JsonObject fields = object(entry.get("fieldsV1"));
      JsonObject labels = object(object(fields.get("f:metadata")).get("f:labels"));
      for (String key : labels.keySet()) {
        if (key.startsWith("f:")) {
          keys.add(key.substring(2));
        }
      }
      return keys;
    }
    return null;
  }

  private static JsonObject object(JsonElement element) {
    return element != null && element.isJsonObject() ? element.getAsJsonObject() : new JsonObject();
  }

  private static Iterable<JsonObject> objects(JsonElement element) {
    if (element == null || !element.isJsonArray()) {
      return List.of();
    }
    return element.getAsJsonArray().asList().stream()
        .filter(JsonElement::isJsonObject)
        .map(JsonElement::getAsJsonObject)
        .toList();
  }
}
