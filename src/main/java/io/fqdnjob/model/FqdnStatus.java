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
 * @param seenAddresses with a seen-address window, each applied address and when it was last in an
 *     answer; empty otherwise
 * @param recordTTLSeconds the smallest record TTL of the last successful answer, or {@code null}
 * @param droppedAddressCount addresses left out because of {@code maxAddressesPerFQDN}, or {@code
 *     null} when none were
 */
public record FqdnStatus(
    String fqdn,
    Instant lastSuccessfulTime,
    Instant lastTransitionTime,
    ResolveReason resolveReason,
    String resolveMessage,
    List<String> addresses,
    List<SeenAddress> seenAddresses,
    Long recordTTLSeconds,
    Integer droppedAddressCount) {
  public FqdnStatus {
    addresses = List.copyOf(addresses);
    seenAddresses = seenAddresses == null ? List.of() : List.copyOf(seenAddresses);
  }

  /** A status without the rotation fields (no seen addresses, record TTL or dropped count). */
  public FqdnStatus(
      String fqdn,
      Instant lastSuccessfulTime,
      Instant lastTransitionTime,
      ResolveReason resolveReason,
      String resolveMessage,
      List<String> addresses) {
    this(
        fqdn,
        lastSuccessfulTime,
        lastTransitionTime,
        resolveReason,
        resolveMessage,
        addresses,
        List.of(),
        null,
        null);
  }
}
