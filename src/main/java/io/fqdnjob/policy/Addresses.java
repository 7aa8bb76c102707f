package io.fqdnjob.policy;

import io.fqdnjob.model.AddressFamily;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Helpers for the address lists kept in status: host routes in CIDR notation. */
final class Addresses {
  /** IPv4 before IPv6, then by numeric address, then by prefix length. */
  static final Comparator<Cidr> ORDER =
      Comparator.comparing((Cidr c) -> !c.isIpv4())
          .thenComparing(Cidr::numeric)
          .thenComparingInt(Cidr::prefixLength);

  private Addresses() {}

  /**
   * Returns the host routes among {@code cidrs} that belong to {@code family}. Anything else is
   * damage (status is writable by others): a wider network such as {@code 128.0.0.0/1} must never
   * reach a NetworkPolicy, and the address filter judges host routes only.
   */
  static List<Cidr> ofFamily(List<String> cidrs, AddressFamily family) {
    List<Cidr> result = new ArrayList<>();
    for (String value : cidrs) {
      Cidr cidr;
      try {
        cidr = Cidr.parse(value);
      } catch (IllegalArgumentException e) {
        continue; // A damaged entry is dropped rather than failing the resource.
      }
      boolean hostRoute = cidr.prefixLength() == (cidr.isIpv4() ? 32 : 128);
      if (hostRoute && cidr.isIpv4() == (family == AddressFamily.IPV4)) {
        result.add(cidr);
      }
    }
    return result;
  }

  /** Returns the host routes among {@code cidrs}, IPv4 first. */
  static List<Cidr> parseAll(List<String> cidrs) {
    List<Cidr> result = new ArrayList<>(ofFamily(cidrs, AddressFamily.IPV4));
    result.addAll(ofFamily(cidrs, AddressFamily.IPV6));
    return result;
  }
}
