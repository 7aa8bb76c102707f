package io.fqdnjob.migration;

import com.google.gson.JsonObject;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the migration check read from the cluster. A list that could not be read is {@code null},
 * and {@link #gaps} says why.
 *
 * @param namespaces the namespaces whose fqdn resources and NetworkPolicies were listed; empty
 *     means all
 * @param crdRead whether the CRD was read (then {@code crd} is {@code null} when it does not exist)
 * @param deployments the Deployments that may run fqdn-controller
 * @param leases the Leases named like fqdn-controller's
 * @param resources the fqdn resources in scope, as the API server returned them
 * @param networkPolicies the NetworkPolicies in scope
 */
public record ClusterState(
    SortedSet<String> namespaces,
    boolean crdRead,
    JsonObject crd,
    List<JsonObject> deployments,
    List<JsonObject> leases,
    List<JsonObject> resources,
    List<JsonObject> networkPolicies,
    List<Gap> gaps) {

  public ClusterState {
    namespaces = new TreeSet<>(namespaces);
    gaps = List.copyOf(gaps);
  }
}
