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

  /** Returns the parseable entries of {@code cidrs} that belong to {@code family}. */
  static List<Cidr> ofFamily(List<String> cidrs, AddressFamily family) {
    List<Cidr> result = new ArrayList<>();
    for (String value : cidrs) {
      Cidr cidr;
      try {
        cidr = Cidr.parse(value);
      } catch (IllegalArgumentException e) {
        continue; // A damaged entry is dropped rather than failing the resource.
      }
      if (cidr.isIpv4() == (family == AddressFamily.IPV4)) {
        result.add(cidr);
      }
    }
    return result;
  }

  /** Returns the parseable entries of {@code cidrs}. */
  static List<Cidr> parseAll(List<String> cidrs) {
    List<Cidr> result = new ArrayList<>(ofFamily(cidrs, AddressFamily.IPV4));
    result.addAll(ofFamily(cidrs, AddressFamily.IPV6));
    return result;
  }
}
