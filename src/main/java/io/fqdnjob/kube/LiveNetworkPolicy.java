package io.fqdnjob.kube;

import com.google.common.hash.HashCode;
import com.google.common.hash.Hashing;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.ResourceId;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A NetworkPolicy as listed, reduced to what the job compares: who controls it, and digests of its
 * owner references, of the labels this job sets and of its spec. A run holds one for every
 * NetworkPolicy in scope, so it keeps no JSON: about 400 bytes each.
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
 * @param owners a digest of each owner reference, reduced to the fields the job sets
 * @param labels a digest of the labels this job sets: those it renders, and those its server-side
 *     apply owns (read from its managed-fields entry), with their values where present
 * @param spec a digest of the spec in {@link #appendCanonical canonical} form
 */
public record LiveNetworkPolicy(
    ResourceId id,
    String resourceVersion,
    String controllerUid,
    String controller,
    boolean controllerIsFqdnResource,
    List<HashCode> owners,
    HashCode labels,
    HashCode spec) {

  public LiveNetworkPolicy {
    owners = List.copyOf(owners);
  }

  /**
   * What the job would apply, in the form {@link LiveNetworkPolicy} compares.
   *
   * @param owner the digest of the rendered owner reference, or {@code null} when there is none
   */
  public record Rendered(HashCode spec, HashCode labels, HashCode owner) {
    /** Returns the compared form of a NetworkPolicy apply body. */
    public static Rendered of(JsonObject body) {
      JsonObject metadata = object(body.get("metadata"));
      List<HashCode> owners = owners(metadata);
      return new Rendered(
          digest(body.get("spec")),
          digest(LiveNetworkPolicy.labels(metadata, null)),
          owners.isEmpty() ? null : owners.get(0));
    }
  }

  /**
   * Returns the compared form of a NetworkPolicy as the API server returned it.
   *
   * @param renderedLabels the keys of the labels the job renders
   */
  public static LiveNetworkPolicy of(JsonObject item, Set<String> renderedLabels) {
    JsonObject metadata = object(item.get("metadata"));
    ResourceId id =
        new ResourceId(
            intern(FqdnPolicyStore.string(metadata, "namespace")),
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
    Set<String> jobLabels = new TreeSet<>(renderedLabels);
    Set<String> owned = ownedLabels(metadata);
    if (owned != null) {
      jobLabels.addAll(owned);
    }
    return new LiveNetworkPolicy(
        id,
        FqdnPolicyStore.string(metadata, "resourceVersion"),
        controllerUid,
        controller,
        fqdnResource,
        owners(metadata),
        digest(labels(metadata, jobLabels)),
        digest(item.get("spec")));
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
  public boolean matches(Rendered rendered) {
    return difference(rendered) == null;
  }

  /**
   * Returns what applying {@code rendered} would change, in a few words for a person (the first
   * difference found, the spec first), or {@code null} when it {@link #matches}.
   */
  public String difference(Rendered rendered) {
    if (!specMatches(rendered)) {
      return "its spec was changed";
    }
    if (rendered.owner() != null && !owners.contains(rendered.owner())) {
      return "its owner reference was changed";
    }
    if (!labels.equals(rendered.labels())) {
      return "a label fqdn-job sets was changed or removed, or one it set earlier is left over";
    }
    return null;
  }

  /** Returns whether the spec is the one of {@code rendered}, as the API server stores it. */
  public boolean specMatches(Rendered rendered) {
    return spec.equals(rendered.spec());
  }

  /**
   * Returns the first 128 bits of the SHA-256 of {@code element} as the API server stores it (see
   * {@link #appendCanonical}); a missing element counts as an empty object.
   */
  static HashCode digest(JsonElement element) {
    StringBuilder text = new StringBuilder(256);
    appendCanonical(text, element);
    byte[] sha = Hashing.sha256().hashString(text, StandardCharsets.UTF_8).asBytes();
    return HashCode.fromBytes(Arrays.copyOf(sha, 16));
  }

  private static String intern(String namespace) {
    return namespace == null ? null : namespace.intern();
  }

  /**
   * Appends {@code element} to {@code text} in a form where two values that the API server stores
   * alike read alike, and any two others differ.
   *
   * <ul>
   *   <li>Members of an object go in key order, and those whose value is null, an empty list or an
   *       object with nothing left in it are left out: a deny-all policy's {@code egress: []} and a
   *       {@code podSelector: {matchLabels: {}}} read back without them.
   *   <li>Numbers are compared by value: 443 and 443.0 are the same port.
   *   <li>Every value starts with a tag ({@code { [ " # t f}), every string and number with its
   *       length and a colon, and objects and lists end with a closing tag, so no content can pass
   *       for structure; nothing is escaped.
   * </ul>
   *
   * A null or missing element, and a null inside a list, is written as an empty object.
   */
  static void appendCanonical(StringBuilder text, JsonElement element) {
    if (element == null || element.isJsonNull()) {
      text.append("{}");
    } else if (element.isJsonObject()) {
      Map<String, JsonElement> members = element.getAsJsonObject().asMap();
      List<String> keys = new ArrayList<>(members.keySet());
      keys.sort(null);
      text.append('{');
      for (String key : keys) {
        int member = text.length();
        appendString(text, '"', key);
        int value = text.length();
        appendCanonical(text, members.get(key));
        if (leftOut(text, value)) {
          text.setLength(member);
        }
      }
      text.append('}');
    } else if (element.isJsonArray()) {
      text.append('[');
      for (JsonElement item : element.getAsJsonArray()) {
        appendCanonical(text, item);
      }
      text.append(']');
    } else {
      JsonPrimitive primitive = element.getAsJsonPrimitive();
      if (primitive.isNumber()) {
        String value = new BigDecimal(primitive.getAsString()).stripTrailingZeros().toString();
        appendString(text, '#', value);
      } else if (primitive.isBoolean()) {
        text.append(primitive.getAsBoolean() ? 't' : 'f');
      } else {
        appendString(text, '"', primitive.getAsString());
      }
    }
  }

  private static void appendString(StringBuilder text, char tag, String value) {
    text.append(tag).append(value.length()).append(':').append(value);
  }

  /**
   * Returns whether the value written to {@code text} from {@code start} on leaves its member out:
   * null and an object with nothing left in it are written {@code {}}, an empty list {@code []},
   * and no other value is written either way.
   */
  private static boolean leftOut(StringBuilder text, int start) {
    if (text.length() - start != 2) {
      return false;
    }
    char open = text.charAt(start);
    char close = text.charAt(start + 1);
    return (open == '{' && close == '}') || (open == '[' && close == ']');
  }

  /**
   * Returns the labels with keys in {@code keys} ({@code null}: all), as strings; {@link #digest}
   * puts them in key order.
   */
  private static JsonObject labels(JsonObject metadata, Set<String> keys) {
    JsonObject labels = new JsonObject();
    JsonElement element = metadata.get("labels");
    if (element != null && element.isJsonObject()) {
      element
          .getAsJsonObject()
          .asMap()
          .forEach((key, value) -> {
            if (value.isJsonPrimitive() && (keys == null || keys.contains(key))) {
              labels.addProperty(key, value.getAsString());
            }
          });
    }
    return labels;
  }

  /** Returns a digest of each owner reference, reduced to the fields this job sets. */
  private static List<HashCode> owners(JsonObject metadata) {
    List<HashCode> owners = new ArrayList<>();
    for (JsonObject o : objects(metadata.get("ownerReferences"))) {
      String reduced =
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
              + FqdnPolicyStore.string(o, "blockOwnerDeletion");
      owners.add(digest(new JsonPrimitive(reduced)));
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
