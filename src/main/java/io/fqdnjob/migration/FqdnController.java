package io.fqdnjob.migration;

/**
 * How fqdn-controller shows itself in a cluster, as its Helm charts, its kustomize install ({@code
 * install.yaml}) and its manager binary set it up. The check looks for these marks.
 */
final class FqdnController {
  private FqdnController() {}

  /** The label its Deployments carry in every install (Helm charts and kustomize alike). */
  static final String NAME_LABEL = "app.kubernetes.io/name";

  static final String NAME = "fqdn-controller";

  /**
   * The last path segment of its image ({@code ghcr.io/konsole-is/fqdn-controller:TAG}), used to
   * recognise an install whose labels were changed.
   */
  static final String IMAGE_NAME = "fqdn-controller";

  /** The name of the leader-election Lease its manager holds, in its own namespace. */
  static final String LEASE_NAME = "de9670af.konsole.is";

  /**
   * The field manager of its writes: controller-runtime names Update requests after the binary,
   * {@code /manager} in its image.
   */
  static final String FIELD_MANAGER = "manager";

  /** Helm's marks on what a release installed from its templates. */
  static final String HELM_MANAGED_BY = "app.kubernetes.io/managed-by";

  static final String HELM_RELEASE_NAME = "meta.helm.sh/release-name";
  static final String HELM_RELEASE_NAMESPACE = "meta.helm.sh/release-namespace";
  static final String HELM_RESOURCE_POLICY = "helm.sh/resource-policy";
}
