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
    boolean blockPrivateIPs,
    int seenAddressRetentionSeconds,
    int maxAddressesPerFQDN,
    boolean followRecordTTL) {

  public static final int DEFAULT_MAX_ADDRESSES_PER_FQDN = 100;

  /** The shortest TTL a resource following record TTLs is resolved at. */
  public static final Duration MIN_RECORD_TTL = Duration.ofSeconds(5);

  /** A spec with the defaults of the rotation fields: no window, 100 addresses, spec TTL. */
  public FqdnNetworkPolicySpec(
      JsonObject podSelector,
      List<EgressRule> egress,
      NetworkType enabledNetworkType,
      int ttlSeconds,
      int resolveTimeoutSeconds,
      int retryTimeoutSeconds,
      boolean blockPrivateIPs) {
    this(
        podSelector,
        egress,
        enabledNetworkType,
        ttlSeconds,
        resolveTimeoutSeconds,
        retryTimeoutSeconds,
        blockPrivateIPs,
        0,
        DEFAULT_MAX_ADDRESSES_PER_FQDN,
        false);
  }

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

  /** How long an address stays applied after the last answer that had it; zero for none. */
  public Duration seenAddressRetention() {
    return Duration.ofSeconds(seenAddressRetentionSeconds);
  }

  public Duration retryTimeout() {
    return Duration.ofSeconds(retryTimeoutSeconds);
  }
}
