package io.fqdnjob.policy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fqdnjob.model.FqdnNetworkPolicy;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Renders the {@code networking.k8s.io/v1} NetworkPolicy of a resource as a server-side apply body:
 * the full intent of this job's field manager and nothing else.
 *
 * <p>Identical input renders identical output. A rule whose names allow no address is left out
 * rather than rendered with an empty {@code to}, which Kubernetes reads as "every destination";
 * with no rule left, {@code egress: []} denies all egress.
 */
public final class NetworkPolicyRenderer {
  /** Label put on every generated NetworkPolicy. */
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

  public static final String MANAGED_BY_VALUE = "fqdn-job";

  /** The keys of the labels every rendered policy carries. */
  public static final Set<String> LABEL_KEYS = Set.of(MANAGED_BY_LABEL);

  private NetworkPolicyRenderer() {}

  /**
   * Returns the apply body.
   *
   * @param allowedPerRule for each entry of {@code spec.egress}, the addresses it allows (already
   *     filtered); empty sets are skipped. Peers are rendered in {@link Addresses#ORDER} whatever
   *     the sets' own order.
   */
  public static JsonObject render(FqdnNetworkPolicy policy, List<SortedSet<Cidr>> allowedPerRule) {
    if (allowedPerRule.size() != policy.spec().egress().size()) {
      throw new IllegalArgumentException(
          "expected " + policy.spec().egress().size() + " rules, got " + allowedPerRule.size());
    }
    JsonObject body = new JsonObject();
    body.addProperty("apiVersion", "networking.k8s.io/v1");
    body.addProperty("kind", "NetworkPolicy");

    JsonObject metadata = new JsonObject();
    metadata.addProperty("name", policy.id().name());
    metadata.addProperty("namespace", policy.id().namespace());
    // The resource's own labels are not copied: labels are how kubectl's applysets and
    // `apply --prune -l`, Argo CD and Flux recognise the objects of a set of manifests, and a
    // generated policy carrying them would be pruned or claimed as part of the user's set.
    JsonObject labels = new JsonObject();
    labels.addProperty(MANAGED_BY_LABEL, MANAGED_BY_VALUE);
    metadata.add("labels", labels);
    if (policy.uid() != null) {
      JsonArray owners = new JsonArray();
      owners.add(ownerReference(policy));
      metadata.add("ownerReferences", owners);
    }
    body.add("metadata", metadata);

    JsonObject spec = new JsonObject();
    spec.add("podSelector", policy.spec().podSelector());
    JsonArray policyTypes = new JsonArray();
    policyTypes.add("Egress");
    spec.add("policyTypes", policyTypes);
    JsonArray egress = new JsonArray();
    for (int i = 0; i < allowedPerRule.size(); i++) {
      SortedSet<Cidr> allowed = allowedPerRule.get(i);
      if (allowed.isEmpty()) {
        continue;
      }
      JsonObject rule = new JsonObject();
      JsonArray ports = policy.spec().egress().get(i).ports();
      if (ports != null && !ports.isEmpty()) {
        rule.add("ports", withDefaultProtocol(ports));
      }
      JsonArray to = new JsonArray();
      // The output order is the renderer's contract, not the caller's: re-sort.
      SortedSet<Cidr> ordered = new TreeSet<>(Addresses.ORDER);
      ordered.addAll(allowed);
      for (Cidr cidr : ordered) {
        JsonObject ipBlock = new JsonObject();
        ipBlock.addProperty("cidr", cidr.toString());
        JsonObject peer = new JsonObject();
        peer.add("ipBlock", ipBlock);
        to.add(peer);
      }
      rule.add("to", to);
      egress.add(rule);
    }
    spec.add("egress", egress);
    body.add("spec", spec);
    return body;
  }

  /** Returns the controller owner reference that ties a NetworkPolicy to its resource. */
  public static JsonObject ownerReference(FqdnNetworkPolicy policy) {
    JsonObject owner = new JsonObject();
    owner.addProperty("apiVersion", FqdnNetworkPolicy.API_VERSION);
    owner.addProperty("kind", FqdnNetworkPolicy.KIND);
    owner.addProperty("name", policy.id().name());
    owner.addProperty("uid", policy.uid());
    owner.addProperty("controller", true);
    owner.addProperty("blockOwnerDeletion", true);
    return owner;
  }

  /**
   * Returns the ports with {@code protocol: TCP} where it was left out, the value the API server
   * would default, so that a rendered policy compares equal to the live one.
   */
  private static JsonArray withDefaultProtocol(JsonArray ports) {
    JsonArray result = new JsonArray();
    for (JsonElement element : ports) {
      JsonObject port = element.getAsJsonObject().deepCopy();
      if (!port.has("protocol") || port.get("protocol").isJsonNull()) {
        port.addProperty("protocol", "TCP");
      }
      result.add(port);
    }
    return result;
  }
}
