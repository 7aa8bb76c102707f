package io.fqdnjob.job;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.kube.FqdnPolicyStore;
import io.fqdnjob.kube.ListedResource;
import java.time.Instant;

/** fqdn resources as the API server lists them, for unit tests of the stages' decisions. */
final class Resources {
  private Resources() {}

  /**
   * Returns a listed resource with one name, ttlSeconds 60, looked up at {@code lookedUp} ({@code
   * null}: never, no status) to {@code address}.
   */
  static ListedResource listed(String name, Instant lookedUp, String address) {
    return FqdnPolicyStore.parse(json(name, lookedUp, address));
  }

  /** Returns the resource of {@link #listed} as the API server sends it. */
  static JsonObject json(String name, Instant lookedUp, String address) {
    JsonObject item =
        JsonParser.parseString(
                """
                {"apiVersion": "fqdn.konsole.is/v1alpha1", "kind": "NetworkPolicy",
                 "metadata": {"name": "%s", "namespace": "ns", "uid": "uid-%s", "generation": 1,
                   "resourceVersion": "7"},
                 "spec": {"podSelector": {"matchLabels": {"app": "%s"}},
                   "egress": [{"toFQDNS": ["api.example.com"],
                     "ports": [{"protocol": "TCP", "port": 443}]}],
                   "ttlSeconds": 60, "resolveTimeoutSeconds": 3, "retryTimeoutSeconds": 3600,
                   "enabledNetworkType": "ipv4"}}
                """
                    .formatted(name, name, name))
            .getAsJsonObject();
    if (lookedUp != null) {
      String time = lookedUp.toString();
      item.add(
          "status",
          JsonParser.parseString(
                  """
                  {"conditions": [
                     {"type": "Resolve", "status": "True", "reason": "SUCCESS", "message": "ok",
                      "lastTransitionTime": "%1$s", "observedGeneration": 1},
                     {"type": "Ready", "status": "True", "reason": "Ready", "message": "ok",
                      "lastTransitionTime": "%1$s", "observedGeneration": 1}],
                   "fqdns": [{"fqdn": "api.example.com", "LastSuccessfulTime": "%1$s",
                      "lastTransitionTime": "%1$s", "resolveReason": "SUCCESS",
                      "resolveMessage": "", "addresses": ["%2$s/32"]}],
                   "appliedAddressCount": 1, "totalAddressesCount": 1,
                   "latestLookupTime": "%1$s", "observedGeneration": 1}
                  """
                      .formatted(time, address))
              .getAsJsonObject());
    }
    return item;
  }

  static Target target(String name, Instant lookedUp) {
    ListedResource listed = listed(name, lookedUp, "192.0.2.1");
    return new Target(listed, listed.policy(), null);
  }
}
