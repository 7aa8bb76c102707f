package io.fqdnjob.testbed;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the objects the integration tests look at, through the bed's kubectl: fqdn
 * resources, the NetworkPolicies generated for them, their conditions, names and events.
 */
public final class BedObjects {
  private BedObjects() {}

  /** Returns the object as JSON; throws {@link TestBedException} when it does not exist. */
  public static JsonObject get(TestBed bed, String namespace, String kind, String name) {
    return JsonParser.parseString(bed.kubectl("get", kind, name, "-n", namespace, "-o", "json"))
        .getAsJsonObject();
  }

  /** Returns the object as JSON, or {@code null} when it does not exist. */
  public static JsonObject tryGet(TestBed bed, String namespace, String kind, String name) {
    try {
      return get(bed, namespace, kind, name);
    } catch (TestBedException e) {
      if (e.getMessage().contains("NotFound") || e.getMessage().contains("not found")) {
        return null;
      }
      throw e;
    }
  }

  /** Returns {@code metadata.resourceVersion}: it changes with every write to the object. */
  public static String resourceVersion(TestBed bed, String namespace, String kind, String name) {
    return get(bed, namespace, kind, name)
        .getAsJsonObject("metadata")
        .get("resourceVersion")
        .getAsString();
  }

  /** Returns the CIDRs of one egress rule, in order. */
  public static List<String> rulePeers(JsonElement rule) {
    List<String> result = new ArrayList<>();
    for (JsonElement peer : rule.getAsJsonObject().getAsJsonArray("to")) {
      result.add(peer.getAsJsonObject().getAsJsonObject("ipBlock").get("cidr").getAsString());
    }
    return result;
  }

  /**
   * Returns the addresses (the CIDRs without their prefix length) that the NetworkPolicy {@code
   * namespace/name} allows, sorted.
   */
  public static java.util.SortedSet<String> peerAddresses(
      TestBed bed, String namespace, String name) {
    java.util.SortedSet<String> addresses = new java.util.TreeSet<>();
    for (String cidr : peers(get(bed, namespace, "networkpolicy", name))) {
      addresses.add(cidr.substring(0, cidr.indexOf('/')));
    }
    return addresses;
  }

  /** Returns the CIDRs of every egress rule of a NetworkPolicy, rule after rule. */
  public static List<String> peers(JsonObject networkPolicy) {
    List<String> result = new ArrayList<>();
    JsonElement egress = networkPolicy.getAsJsonObject("spec").get("egress");
    if (egress != null) {
      for (JsonElement rule : egress.getAsJsonArray()) {
        result.addAll(rulePeers(rule));
      }
    }
    return result;
  }

  /** Returns the condition of the given type of an fqdn resource's status. */
  public static JsonObject condition(JsonObject status, String type) {
    for (JsonElement c : status.getAsJsonArray("conditions")) {
      if (c.getAsJsonObject().get("type").getAsString().equals(type)) {
        return c.getAsJsonObject();
      }
    }
    throw new AssertionError("no " + type + " condition in " + status);
  }

  /** Returns the entry of {@code status.fqdns} for the name. */
  public static JsonObject fqdn(JsonObject status, String name) {
    for (JsonElement f : status.getAsJsonArray("fqdns")) {
      if (f.getAsJsonObject().get("fqdn").getAsString().equals(name)) {
        return f.getAsJsonObject();
      }
    }
    throw new AssertionError("no status for " + name + " in " + status);
  }

  /** Returns the reasons of the events about the named object, separated by spaces. */
  public static String eventReasons(TestBed bed, String namespace, String involvedName) {
    return bed.kubectl(
        "get",
        "events",
        "-n",
        namespace,
        "--field-selector",
        "involvedObject.name=" + involvedName,
        "-o",
        "jsonpath={range .items[*]}{.reason} {end}");
  }

  /**
   * Server-side applies an fqdn resource.
   *
   * @param labels the inside of a YAML flow map such as {@code "team: a"}, or {@code null}
   * @param spec the spec's fields as YAML lines, without indentation
   */
  public static void applyFqdn(
      TestBed bed, String namespace, String name, String labels, String spec) {
    bed.kubectlWithInput(
        "apiVersion: fqdn.konsole.is/v1alpha1\nkind: NetworkPolicy\nmetadata:\n  name: "
            + name
            + (labels == null ? "" : "\n  labels: {" + labels + "}")
            + "\nspec:\n"
            + spec.indent(2),
        "apply",
        "--server-side",
        "-n",
        namespace,
        "-f",
        "-");
  }

  /**
   * Applies a ValidatingAdmissionPolicy named {@code name}, with its binding, that denies the given
   * operations on NetworkPolicies whose name starts with "refused" in {@code namespace}: a refusal
   * that is the API server's own. The API server enforces it shortly after, not at once.
   *
   * @param operations a YAML flow list such as {@code "[CREATE, UPDATE]"}
   * @param message what the API server answers when it refuses
   */
  public static void refuseNetworkPoliciesNamedRefused(
      TestBed bed, String name, String namespace, String operations, String message) {
    bed.kubectlApply(
        """
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: %1$s}
        spec:
          failurePolicy: Fail
          matchConstraints:
            resourceRules:
            - apiGroups: [networking.k8s.io]
              apiVersions: [v1]
              operations: %3$s
              resources: [networkpolicies]
          validations:
          - expression: "!object.metadata.name.startsWith('refused')"
            message: "%4$s"
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: %1$s}
        spec:
          policyName: %1$s
          validationActions: [Deny]
          matchResources:
            namespaceSelector:
              matchLabels: {kubernetes.io/metadata.name: %2$s}
        """
            .formatted(name, namespace, operations, message));
  }
}
