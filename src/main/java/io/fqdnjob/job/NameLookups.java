package io.fqdnjob.job;

import io.fqdnjob.dns.DomainName;
import io.fqdnjob.dns.LookupKey;
import io.fqdnjob.dns.LookupResult;
import io.fqdnjob.dns.RecordType;
import io.fqdnjob.model.AddressFamily;
import io.fqdnjob.model.EgressRule;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.ResolveReason;
import io.fqdnjob.policy.NameLookup;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Bridges resources and the resolver: collects the unique (name, record type) pairs that the due
 * resources need, each with the longest timeout any of them allows, and turns the answers back into
 * what each resource sees.
 *
 * <p>A name shared by resources with different {@code resolveTimeoutSeconds} is asked once, with
 * the longest timeout; a resource with a shorter timeout sees TIMEOUT when the answer took longer
 * than it allows, exactly as if it had asked alone.
 */
public final class NameLookups {
  private NameLookups() {}

  /**
   * Returns the lookups needed by {@code policies}, with their timeouts. Invalid names are left
   * out.
   */
  public static Map<LookupKey, Duration> collect(Collection<FqdnNetworkPolicy> policies) {
    Map<LookupKey, Duration> timeouts = new LinkedHashMap<>();
    for (FqdnNetworkPolicy policy : policies) {
      Duration timeout = policy.spec().resolveTimeout();
      for (EgressRule rule : policy.spec().egress()) {
        for (String fqdn : rule.toFqdns()) {
          if (!DomainName.isValid(fqdn)) {
            continue;
          }
          for (AddressFamily family : AddressFamily.of(policy.spec().enabledNetworkType())) {
            timeouts.merge(key(fqdn, family), timeout, (a, b) -> a.compareTo(b) >= 0 ? a : b);
          }
        }
      }
    }
    return timeouts;
  }

  /**
   * Returns what {@code policy} sees for {@code fqdn}: one entry per family whose lookup finished.
   */
  public static Map<AddressFamily, NameLookup> forName(
      FqdnNetworkPolicy policy, String fqdn, Map<LookupKey, LookupResult> results) {
    Map<AddressFamily, NameLookup> lookups = new EnumMap<>(AddressFamily.class);
    Optional<String> problem = DomainName.problem(fqdn);
    for (AddressFamily family : AddressFamily.of(policy.spec().enabledNetworkType())) {
      if (problem.isPresent()) {
        lookups.put(
            family,
            NameLookup.failure(
                ResolveReason.INVALID_DOMAIN, "invalid name '" + fqdn + "': " + problem.get()));
        continue;
      }
      LookupResult result = results.get(key(fqdn, family));
      if (result != null) {
        lookups.put(family, toNameLookup(result, policy.spec().resolveTimeout()));
      }
    }
    return lookups;
  }

  static LookupKey key(String fqdn, AddressFamily family) {
    return new LookupKey(DomainName.normalize(fqdn), RecordType.of(family));
  }

  private static NameLookup toNameLookup(LookupResult result, Duration timeout) {
    if (result.elapsed().compareTo(timeout) > 0 && result.reason() != ResolveReason.TIMEOUT) {
      return NameLookup.failure(
          ResolveReason.TIMEOUT,
          "no answer from "
              + result.server()
              + " within "
              + timeout.toSeconds()
              + "s for "
              + result.key());
    }
    return switch (result) {
      case LookupResult.Success s ->
          NameLookup.success(
              s.addresses(),
              s.key()
                  + ": "
                  + s.addresses().size()
                  + " addresses from "
                  + s.server()
                  + (s.cnameChain().isEmpty() ? "" : " via " + String.join(" -> ", s.cnameChain())),
              s.minTtlSeconds());
      case LookupResult.Failure f -> NameLookup.failure(f.reason(), f.message());
    };
  }
}
