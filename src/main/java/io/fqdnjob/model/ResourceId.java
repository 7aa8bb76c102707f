package io.fqdnjob.model;

/** Namespace and name of a namespaced object; printed as {@code namespace/name}. */
public record ResourceId(String namespace, String name) implements Comparable<ResourceId> {

  /** Parses {@code NAMESPACE/NAME}. */
  public static ResourceId parse(String value) {
    int slash = value.indexOf('/');
    if (slash <= 0 || slash == value.length() - 1 || value.indexOf('/', slash + 1) >= 0) {
      throw new IllegalArgumentException("expected NAMESPACE/NAME, got '" + value + "'");
    }
    return new ResourceId(value.substring(0, slash), value.substring(slash + 1));
  }

  @Override
  public int compareTo(ResourceId other) {
    int byNamespace = namespace.compareTo(other.namespace);
    return byNamespace != 0 ? byNamespace : name.compareTo(other.name);
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
