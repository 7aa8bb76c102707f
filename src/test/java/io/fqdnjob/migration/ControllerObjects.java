package io.fqdnjob.migration;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Instant;

/**
 * Objects as fqdn-controller writes them: an fqdn resource with its status keys (the per-name
 * success time under {@code LastSuccessfulTime}, addresses as {@code /32} blocks, Ready and Resolve
 * conditions), and the NetworkPolicy it generates (the resource's labels and annotations copied, a
 * controller owner reference with blockOwnerDeletion, written with Update by field manager {@code
 * manager}). The unit tests use them as listed objects, the integration test writes them to the
 * bed's API server.
 */
final class ControllerObjects {
  private ControllerObjects() {}

  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  /** An fqdn resource allowing {@code fqdn} on TCP 443, with a label and kubectl's annotation. */
  static JsonObject resource(String namespace, String name, String fqdn) {
    return JsonParser.parseString(
            """
            {"apiVersion": "fqdn.konsole.is/v1alpha1", "kind": "NetworkPolicy",
             "metadata": {"name": "%s", "namespace": "%s",
               "labels": {"team": "payments"},
               "annotations": {"%s": "{\\"kind\\":\\"NetworkPolicy\\"}"}},
             "spec": {"podSelector": {"matchLabels": {"app": "%s"}},
               "egress": [{"toFQDNS": ["%s"], "ports": [{"protocol": "TCP", "port": 443}]}],
               "ttlSeconds": 60, "resolveTimeoutSeconds": 3, "retryTimeoutSeconds": 3600,
               "enabledNetworkType": "ipv4"}}
            """
                .formatted(name, namespace, LAST_APPLIED, name, fqdn))
        .getAsJsonObject();
  }

  /** Returns {@code resource} with the uid and generation an API server gives it (unit tests). */
  static JsonObject stored(JsonObject resource, String uid) {
    JsonObject copy = resource.deepCopy();
    copy.getAsJsonObject("metadata").addProperty("uid", uid);
    copy.getAsJsonObject("metadata").addProperty("generation", 1);
    return copy;
  }

  /**
   * The status fqdn-controller writes after resolving {@code fqdn} to {@code address} at {@code
   * at}, Ready True; observedGeneration 1.
   */
  static JsonObject status(String fqdn, String address, Instant at) {
    String time = at.toString();
    return JsonParser.parseString(
            """
            {"conditions": [
               {"type": "Resolve", "status": "True", "reason": "SUCCESS",
                "message": "The network policy resolved successfully.",
                "lastTransitionTime": "%1$s", "observedGeneration": 1},
               {"type": "Ready", "status": "True", "reason": "Ready",
                "message": "The network policy is ready.",
                "lastTransitionTime": "%1$s", "observedGeneration": 1}],
             "fqdns": [{"fqdn": "%2$s", "LastSuccessfulTime": "%1$s",
                "lastTransitionTime": "%1$s", "resolveReason": "SUCCESS",
                "resolveMessage": "", "addresses": ["%3$s/32"]}],
             "appliedAddressCount": 1, "totalAddressesCount": 1,
             "latestLookupTime": "%1$s", "observedGeneration": 1}
            """
                .formatted(time, fqdn, address))
        .getAsJsonObject();
  }

  /**
   * The NetworkPolicy fqdn-controller generates for {@code resource} (which must hold its uid):
   * metadata copied from the resource, its owner reference, egress to {@code address}.
   */
  static JsonObject policy(JsonObject resource, String address) {
    JsonObject metadata = resource.getAsJsonObject("metadata");
    JsonObject policy = new JsonObject();
    policy.addProperty("apiVersion", "networking.k8s.io/v1");
    policy.addProperty("kind", "NetworkPolicy");
    JsonObject meta = new JsonObject();
    meta.add("name", metadata.get("name"));
    meta.add("namespace", metadata.get("namespace"));
    meta.add("labels", metadata.get("labels").deepCopy());
    meta.add("annotations", metadata.get("annotations").deepCopy());
    JsonArray owners = new JsonArray();
    owners.add(owner(resource));
    meta.add("ownerReferences", owners);
    policy.add("metadata", meta);
    JsonObject spec = resource.getAsJsonObject("spec");
    policy.add(
        "spec",
        JsonParser.parseString(
            """
            {"podSelector": %s, "policyTypes": ["Egress"],
             "egress": [{"ports": [{"protocol": "TCP", "port": 443}],
                         "to": [{"ipBlock": {"cidr": "%s/32"}}]}]}
            """
                .formatted(spec.get("podSelector"), address)));
    return policy;
  }

  /** The controller owner reference that controller-runtime's SetControllerReference writes. */
  static JsonObject owner(JsonObject resource) {
    JsonObject metadata = resource.getAsJsonObject("metadata");
    JsonObject owner = new JsonObject();
    owner.addProperty("apiVersion", "fqdn.konsole.is/v1alpha1");
    owner.addProperty("kind", "NetworkPolicy");
    owner.add("name", metadata.get("name"));
    owner.add("uid", metadata.get("uid"));
    owner.addProperty("controller", true);
    owner.addProperty("blockOwnerDeletion", true);
    return owner;
  }

  /** Adds the managedFields entry of a write by {@code manager} with {@code operation}. */
  static JsonObject writtenBy(JsonObject object, String manager, String operation) {
    JsonObject copy = object.deepCopy();
    JsonObject entry = new JsonObject();
    entry.addProperty("manager", manager);
    entry.addProperty("operation", operation);
    entry.addProperty("apiVersion", "networking.k8s.io/v1");
    entry.addProperty("fieldsType", "FieldsV1");
    JsonObject fields = new JsonObject();
    JsonObject meta = new JsonObject();
    JsonObject labels = new JsonObject();
    JsonObject labelMap = copy.getAsJsonObject("metadata").getAsJsonObject("labels");
    if (labelMap != null) {
      labelMap.keySet().forEach(k -> labels.add("f:" + k, new JsonObject()));
    }
    meta.add("f:labels", labels);
    fields.add("f:metadata", meta);
    entry.add("fieldsV1", fields);
    JsonArray entries = new JsonArray();
    entries.add(entry);
    copy.getAsJsonObject("metadata").add("managedFields", entries);
    return copy;
  }

  /** A Deployment named and labelled as fqdn-controller's Helm chart installs it. */
  static JsonObject deployment(String namespace, long replicas, long podsRunning, String image) {
    return JsonParser.parseString(
            """
            {"apiVersion": "apps/v1", "kind": "Deployment",
             "metadata": {"name": "fqdn-controller-controller-manager", "namespace": "%s",
               "labels": {"app.kubernetes.io/name": "fqdn-controller",
                          "control-plane": "controller-manager",
                          "app.kubernetes.io/managed-by": "Helm"},
               "annotations": {"meta.helm.sh/release-name": "fqdn-controller",
                               "meta.helm.sh/release-namespace": "%s"}},
             "spec": {"replicas": %d,
               "selector": {"matchLabels": {"app.kubernetes.io/name": "fqdn-controller",
                                            "control-plane": "controller-manager"}},
               "template": {"metadata": {"labels": {"app.kubernetes.io/name": "fqdn-controller",
                                                    "control-plane": "controller-manager"}},
                 "spec": {"containers": [{"name": "manager", "image": "%s",
                                          "command": ["/manager"], "args": ["--leader-elect"]}]}}},
             "status": {"replicas": %d, "readyReplicas": %d}}
            """
                .formatted(namespace, namespace, replicas, image, podsRunning, podsRunning))
        .getAsJsonObject();
  }

  /** A Lease's MicroTime: six fraction digits, UTC. */
  static String micro(Instant instant) {
    return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
        .withZone(java.time.ZoneOffset.UTC)
        .format(instant);
  }

  /** The leader-election Lease controller-runtime keeps for fqdn-controller. */
  static JsonObject lease(String namespace, String holder, Instant renewed) {
    return JsonParser.parseString(
            """
            {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": {"name": "de9670af.konsole.is", "namespace": "%s"},
             "spec": {"holderIdentity": "%s", "leaseDurationSeconds": 15,
                      "acquireTime": "%s", "renewTime": "%s", "leaseTransitions": 0}}
            """
                .formatted(namespace, holder, micro(renewed), micro(renewed)))
        .getAsJsonObject();
  }
}
