package io.fqdnjob.kube;

import io.fqdnjob.model.ResourceId;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which resources a run looks at.
 *
 * @param namespaces the namespaces to list; empty means all
 * @param labelSelector a Kubernetes label selector on the fqdn resources, or {@code null}
 * @param policies single resources to process; when not empty only these are read
 */
public record Scope(
    SortedSet<String> namespaces, String labelSelector, SortedSet<ResourceId> policies) {
  public Scope {
    namespaces = new TreeSet<>(namespaces);
    policies = new TreeSet<>(policies);
  }

  public static Scope all() {
    return new Scope(new TreeSet<>(), null, new TreeSet<>());
  }

  /** Returns whether a resource in {@code namespace} is in scope (ignoring the selector). */
  public boolean coversNamespace(String namespace) {
    return namespaces.isEmpty() || namespaces.contains(namespace);
  }

  /** Returns the namespaces to list in, or an empty set for a cluster-wide list. */
  public Set<String> listNamespaces() {
    return namespaces;
  }
}
