package io.fqdnjob.kube;

import com.google.gson.JsonObject;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.InvalidResourceException;
import io.fqdnjob.model.ResourceId;

/**
 * A custom resource as listed: either parsed, or with the reason it could not be used.
 *
 * @param raw the object as the API server returned it, kept only when {@code problem} is set (its
 *     status is then reported from it); {@code null} for a parsed resource, whose JSON is not kept
 * @param policy the parsed resource, or {@code null} when {@code problem} is set
 * @param resourceVersion {@code metadata.resourceVersion}: the state the run's decisions start from
 * @param deleting whether {@code metadata.deletionTimestamp} is set: the resource is going away (a
 *     finalizer holds it, or its namespace is terminating) and must not be written
 */
public record ListedResource(
    ResourceId id,
    String uid,
    long generation,
    JsonObject raw,
    FqdnNetworkPolicy policy,
    InvalidResourceException problem,
    String resourceVersion,
    boolean deleting) {}
