package io.fqdnjob.model;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * The spec of an fqdn custom resource, with the CRD's defaults applied.
 *
 * @param podSelector the pods the generated NetworkPolicy selects, copied verbatim
 */
public record FqdnNetworkPolicySpec(
    JsonObject podSelector,
    List<EgressRule> egress,
    NetworkType enabledNetworkType,
    int ttlSeconds,
    int resolveTimeoutSeconds,
    int retryTimeoutSeconds,
    boolean blockPrivateIPs) {

  public static final int DEFAULT_TTL_SECONDS = 60;
  public static final int DEFAULT_RESOLVE_TIMEOUT_SECONDS = 3;
  public static final int DEFAULT_RETRY_TIMEOUT_SECONDS = 3600;

  public FqdnNetworkPolicySpec {
    podSelector = podSelector.deepCopy();
    egress = List.copyOf(egress);
  }

  @Override
  public JsonObject podSelector() {
    return podSelector.deepCopy();
  }

  public Duration ttl() {
    return Duration.ofSeconds(ttlSeconds);
  }

  public Duration resolveTimeout() {
    return Duration.ofSeconds(resolveTimeoutSeconds);
  }

  public Duration retryTimeout() {
    return Duration.ofSeconds(retryTimeoutSeconds);
  }
}
