package io.fqdnjob.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Helpers for the address lists kept in status: host routes in CIDR notation. */
final class Addresses {
  /** IPv4 before IPv6, then by numeric address, then by prefix length. */
  static final Comparator<Cidr> ORDER = Cidr::compare;

  private Addresses() {}

  /**
   * Returns the host routes among {@code cidrs}, IPv4 first. Anything else is damage (status is
   * writable by others): a wider network such as {@code 128.0.0.0/1} must never reach a
   * NetworkPolicy, and the address filter judges host routes only.
   */
  static List<Cidr> parseAll(List<String> cidrs) {
    List<Cidr> ipv4 = new ArrayList<>(cidrs.size());
    List<Cidr> ipv6 = new ArrayList<>();
    for (String value : cidrs) {
      Cidr cidr;
      try {
        cidr = Cidr.parse(value);
      } catch (IllegalArgumentException e) {
        continue; // A damaged entry is dropped rather than failing the resource.
      }
      if (cidr.prefixLength() == (cidr.isIpv4() ? 32 : 128)) {
        (cidr.isIpv4() ? ipv4 : ipv6).add(cidr);
      }
    }
    ipv4.addAll(ipv6);
    return ipv4;
  }
}
