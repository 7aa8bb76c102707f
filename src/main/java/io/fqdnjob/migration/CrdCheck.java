package io.fqdnjob.migration;

import com.google.gson.JsonObject;
import io.fqdnjob.model.FqdnNetworkPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The CRD both products share: whether it is fqdn-job's schema yet, and whether a Helm release owns
 * it, in which case uninstalling fqdn-controller's release would delete it and, with it, every fqdn
 * resource and (through their owner references) every generated NetworkPolicy.
 */
final class CrdCheck {
  static final String CRD_NAME = FqdnNetworkPolicy.PLURAL + "." + FqdnNetworkPolicy.GROUP;

  private CrdCheck() {}

  /** Returns the findings about the CRD, or about its absence when {@code crd} is null. */
  static List<Finding> check(JsonObject crd) {
    List<Finding> findings = new ArrayList<>();
    String subject = "customresourcedefinition " + CRD_NAME;
    if (crd == null) {
      findings.add(
          new Finding(
              Finding.Severity.NOTE,
              "crd-missing",
              subject,
              "The CRD is not installed: there is nothing to migrate.",
              "install fqdn-job as a new installation"));
      return findings;
    }
    if (!hasJobSchema(crd)) {
      findings.add(
          new Finding(
              Finding.Severity.ACTION,
              "crd-schema",
              subject,
              "The installed CRD has fqdn-controller's schema. The API server would drop the status"
                  + " fields fqdn-job writes (lastSuccessfulTime, seenAddresses, recordTTLSeconds,"
                  + " droppedAddressCount), so retention windows would start over every run.",
              "install this release's CRD over it: kubectl apply --server-side --force-conflicts"
                  + " -k kustomize/base/crd (existing resources are kept)"));
    }
    JsonObject metadata = Json.object(crd, "metadata");
    Map<String, String> labels = Json.strings(metadata, "labels");
    Map<String, String> annotations = Json.strings(metadata, "annotations");
    String release = annotations.get(FqdnController.HELM_RELEASE_NAME);
    boolean helmLabel = "Helm".equals(labels.get(FqdnController.HELM_MANAGED_BY));
    if (release == null && !helmLabel) {
      return findings;
    }
    String namespace = annotations.get(FqdnController.HELM_RELEASE_NAMESPACE);
    String owner =
        release == null
            ? "a Helm release (label " + FqdnController.HELM_MANAGED_BY + ": Helm)"
            : "Helm release " + release + (namespace == null ? "" : " in namespace " + namespace);
    if ("keep".equals(annotations.get(FqdnController.HELM_RESOURCE_POLICY))) {
      findings.add(
          new Finding(
              Finding.Severity.NOTE,
              "crd-owned-by-helm",
              subject,
              "The CRD belongs to "
                  + owner
                  + " and is annotated "
                  + FqdnController.HELM_RESOURCE_POLICY
                  + ": keep, so uninstalling that release leaves it and every fqdn resource in place."
                  + " A 'helm upgrade' of that release would still write its own CRD back.",
              null));
      return findings;
    }
    String uninstall =
        release == null
            ? "helm uninstall"
            : "helm uninstall " + release + (namespace == null ? "" : " -n " + namespace);
    findings.add(
        new Finding(
            Finding.Severity.ACTION,
            "crd-owned-by-helm",
            subject,
            "The CRD belongs to "
                + owner
                + ". '"
                + uninstall
                + "' would delete it, every fqdn resource with it, and then (garbage collection of"
                + " their owner references) every generated NetworkPolicy: the selected pods would"
                + " lose their egress restrictions.",
            "before uninstalling, keep the CRD: kubectl annotate crd "
                + CRD_NAME
                + " "
                + FqdnController.HELM_RESOURCE_POLICY
                + "=keep; or take it out of the release: kubectl label crd "
                + CRD_NAME
                + " "
                + FqdnController.HELM_MANAGED_BY
                + "- && kubectl annotate crd "
                + CRD_NAME
                + " "
                + FqdnController.HELM_RELEASE_NAME
                + "- "
                + FqdnController.HELM_RELEASE_NAMESPACE
                + "-"));
    return findings;
  }

  /**
   * Returns whether the served version's schema has the status fields fqdn-job writes; the one of
   * fqdn-controller knows only {@code LastSuccessfulTime}.
   */
  static boolean hasJobSchema(JsonObject crd) {
    for (JsonObject version : Json.objects(Json.object(crd, "spec"), "versions")) {
      if (!FqdnNetworkPolicy.VERSION.equals(Json.string(version, "name"))) {
        continue;
      }
      JsonObject fqdn =
          Json.object(
              version,
              "schema",
              "openAPIV3Schema",
              "properties",
              "status",
              "properties",
              "fqdns",
              "items",
              "properties");
      return fqdn.has("lastSuccessfulTime") && fqdn.has("seenAddresses");
    }
    return false;
  }
}
