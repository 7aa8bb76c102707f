package io.fqdnjob.policy;

import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnStatus;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The new status of each name of a resource, before anything is rendered from it.
 *
 * @param names the status of each distinct name of the spec whose status is known, in spec order
 * @param expiredAddresses per name, addresses dropped in this run because the retry window passed
 * @param unfinishedNames names whose lookup did not finish; their previous status was kept
 * @param newlyCappedNames names that, from this run on, have more addresses than {@code
 *     maxAddressesPerFQDN} allows
 */
public record RetainedNames(
    FqdnNetworkPolicy resource,
    Instant now,
    List<FqdnStatus> names,
    Map<String, List<String>> expiredAddresses,
    List<String> unfinishedNames,
    List<String> newlyCappedNames) {

  public RetainedNames {
    names = List.copyOf(names);
    expiredAddresses = Collections.unmodifiableMap(new LinkedHashMap<>(expiredAddresses));
    unfinishedNames = List.copyOf(unfinishedNames);
    newlyCappedNames = List.copyOf(newlyCappedNames);
  }
}
