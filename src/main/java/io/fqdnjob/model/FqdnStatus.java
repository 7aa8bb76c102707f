package io.fqdnjob.model;

import java.time.Instant;
import java.util.List;

/**
 * What the job knows about one name of a resource ({@code status.fqdns[]}); the retention state of
 * the next run is rebuilt from it.
 *
 * @param fqdn the name as written in the spec
 * @param lastSuccessfulTime when the name last resolved; {@code null} if it never did
 * @param lastTransitionTime when {@code resolveReason} last changed
 * @param addresses the addresses currently allowed for the name, as CIDRs ({@code /32}, {@code
 *     /128}), before the private-address and deny filters
 */
public record FqdnStatus(
    String fqdn,
    Instant lastSuccessfulTime,
    Instant lastTransitionTime,
    ResolveReason resolveReason,
    String resolveMessage,
    List<String> addresses) {
  public FqdnStatus {
    addresses = List.copyOf(addresses);
  }
}
