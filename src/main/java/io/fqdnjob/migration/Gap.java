package io.fqdnjob.migration;

/**
 * Something the migration check could not read, so that what depends on it was not checked.
 *
 * @param verb the API verb that failed, e.g. {@code list}
 * @param resource the resource, with its group when it has one, e.g. {@code
 *     leases.coordination.k8s.io}
 * @param namespace the namespace of the request, {@value #ALL_NAMESPACES} for all namespaces, or
 *     {@code null} for a cluster-scoped resource
 * @param status the HTTP status of the failure (403 for a missing right), or 0 when no answer came
 * @param error the API server's message, or the failure's
 * @param notChecked what the check could therefore not tell
 */
public record Gap(
    String verb, String resource, String namespace, int status, String error, String notChecked) {

  /** The namespace of a request across all namespaces. */
  public static final String ALL_NAMESPACES = "*";

  /** Returns whether the request was refused for lack of a right. */
  public boolean forbidden() {
    return status == 403;
  }

  /**
   * Returns the right as {@code kubectl auth can-i} takes it, e.g. {@code list
   * leases.coordination.k8s.io -A} or {@code list networkpolicies.networking.k8s.io -n team-a}.
   */
  public String right() {
    if (namespace == null) {
      return verb + " " + resource;
    }
    return verb + " " + resource + (ALL_NAMESPACES.equals(namespace) ? " -A" : " -n " + namespace);
  }
}
