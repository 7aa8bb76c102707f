package io.fqdnjob.migration;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whether fqdn-controller still runs: its Deployments (by their name label or their image) and its
 * leader-election Lease. While it runs, it and fqdn-job write the same policies and statuses, each
 * undoing the other: the switch waits until it is scaled to zero.
 */
final class ControllerCheck {
  /**
   * Extra time granted to a Lease past its duration before it counts as expired: the holder may
   * renew it a little late, and this machine's clock may be a little behind.
   */
  static final Duration LEASE_GRACE = Duration.ofSeconds(5);

  private ControllerCheck() {}

  /** Returns whether {@code deployment} runs fqdn-controller. */
  static boolean isController(JsonObject deployment) {
    JsonObject metadata = Json.object(deployment, "metadata");
    if (FqdnController.NAME.equals(
        Json.strings(metadata, "labels").get(FqdnController.NAME_LABEL))) {
      return true;
    }
    for (JsonObject container :
        Json.objects(Json.object(deployment, "spec", "template", "spec"), "containers")) {
      if (FqdnController.IMAGE_NAME.equals(imageName(Json.string(container, "image")))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns the last path segment of an image reference without tag or digest: {@code
   * fqdn-controller} for {@code ghcr.io/konsole-is/fqdn-controller:1.0.0@sha256:...}.
   */
  static String imageName(String image) {
    if (image == null) {
      return null;
    }
    String name = image;
    int digest = name.indexOf('@');
    if (digest >= 0) {
      name = name.substring(0, digest);
    }
    int slash = name.lastIndexOf('/');
    int colon = name.lastIndexOf(':');
    if (colon > slash) {
      name = name.substring(0, colon);
    }
    return name.substring(slash + 1);
  }

  /**
   * Returns the findings about the listed Deployments (those not running the controller are
   * ignored).
   */
  static List<Finding> deployments(List<JsonObject> deployments) {
    List<Finding> findings = new ArrayList<>();
    for (JsonObject deployment : deployments) {
      if (!isController(deployment)) {
        continue;
      }
      JsonObject metadata = Json.object(deployment, "metadata");
      String namespace = Json.string(metadata, "namespace");
      String name = Json.string(metadata, "name");
      String subject = "deployment " + namespace + "/" + name;
      Long desired = Json.number(Json.object(deployment, "spec"), "replicas");
      long wanted = desired == null ? 1 : desired;
      JsonObject status = Json.object(deployment, "status");
      long pods = orZero(Json.number(status, "replicas"));
      long ready = orZero(Json.number(status, "readyReplicas"));
      String release = helmRelease(metadata);
      String scale = "kubectl scale deployment -n " + namespace + " " + name + " --replicas=0";
      if (wanted > 0) {
        findings.add(
            new Finding(
                Finding.Severity.BLOCKS,
                "controller-running",
                subject,
                "fqdn-controller is running: "
                    + wanted
                    + " replica(s) wanted, "
                    + pods
                    + " pod(s), "
                    + ready
                    + " ready"
                    + (release == null ? "" : " (Helm release " + release + ")")
                    + ". With both running, each rewrites the NetworkPolicies and statuses the other"
                    + " wrote.",
                scale + " before the first run of fqdn-job"));
      } else if (pods > 0) {
        findings.add(
            new Finding(
                Finding.Severity.BLOCKS,
                "controller-running",
                subject,
                "fqdn-controller is scaled to 0 but " + pods + " pod(s) still exist (terminating).",
                "wait until they are gone (kubectl get pods -n "
                    + namespace
                    + "), then check again"));
      } else {
        findings.add(
            new Finding(
                Finding.Severity.NOTE,
                "controller-stopped",
                subject,
                "fqdn-controller is installed and scaled to 0"
                    + (release == null ? "" : " (Helm release " + release + ")")
                    + ".",
                release == null
                    ? "after the switch, delete it (kubectl delete deployment -n "
                        + namespace
                        + " "
                        + name
                        + ") and the rest of its install.yaml, but not its CRD"
                    : "after the switch, uninstall the release (helm uninstall "
                        + release.replace(" in namespace ", " -n ")
                        + ") once the CRD is kept (see crd-owned-by-helm if it is reported)"));
      }
    }
    return findings;
  }

  /**
   * Returns the findings about the listed Leases (those not named like the controller's are
   * ignored): a Lease that a holder renewed within its duration means a controller is running,
   * wherever it is (another cluster's kubeconfig, a Deployment this check could not see).
   */
  static List<Finding> leases(List<JsonObject> leases, Instant now) {
    List<Finding> findings = new ArrayList<>();
    for (JsonObject lease : leases) {
      JsonObject metadata = Json.object(lease, "metadata");
      if (!FqdnController.LEASE_NAME.equals(Json.string(metadata, "name"))) {
        continue;
      }
      String subject = "lease " + Json.namespaced(lease);
      JsonObject spec = Json.object(lease, "spec");
      String holder = Json.string(spec, "holderIdentity");
      Instant renewed = instant(Json.string(spec, "renewTime"));
      Long seconds = Json.number(spec, "leaseDurationSeconds");
      Duration duration = Duration.ofSeconds(seconds == null ? 15 : seconds);
      if (holder == null || holder.isEmpty() || renewed == null) {
        findings.add(
            new Finding(
                Finding.Severity.NOTE,
                "controller-lease",
                subject,
                "fqdn-controller's leader Lease exists and is held by no one.",
                null));
      } else if (!renewed.plus(duration).plus(LEASE_GRACE).isBefore(now)) {
        findings.add(
            new Finding(
                Finding.Severity.BLOCKS,
                "controller-lease-held",
                subject,
                "fqdn-controller's leader Lease is held by "
                    + holder
                    + ", renewed "
                    + ago(renewed, now)
                    + " (duration "
                    + duration.toSeconds()
                    + "s): a controller is running and writing.",
                "stop every fqdn-controller (scale its Deployment to 0), wait "
                    + duration.toSeconds()
                    + "s and check again"));
      } else {
        findings.add(
            new Finding(
                Finding.Severity.NOTE,
                "controller-lease",
                subject,
                "fqdn-controller's leader Lease was last renewed by "
                    + holder
                    + " "
                    + ago(renewed, now)
                    + " and has expired: no controller holds it.",
                null));
      }
    }
    return findings;
  }

  private static String helmRelease(JsonObject metadata) {
    Map<String, String> annotations = Json.strings(metadata, "annotations");
    String release = annotations.get(FqdnController.HELM_RELEASE_NAME);
    if (release == null) {
      return null;
    }
    String namespace = annotations.get(FqdnController.HELM_RELEASE_NAMESPACE);
    return namespace == null ? release : release + " in namespace " + namespace;
  }

  private static String ago(Instant then, Instant now) {
    long seconds = Duration.between(then, now).toSeconds();
    return seconds < 0 ? "at " + then + " (ahead of this clock)" : seconds + "s ago (" + then + ")";
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }

  private static Instant instant(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
