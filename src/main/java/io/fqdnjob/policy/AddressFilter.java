package io.fqdnjob.policy;

import com.google.common.collect.ImmutableList;
import com.google.common.net.InetAddresses;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Decides which resolved addresses may appear in a NetworkPolicy.
 *
 * <p>Some addresses are never a legitimate egress target of a public DNS name, and a name that
 * answers with them is either misconfigured or attacking (DNS rebinding): loopback, link-local
 * (which holds the cloud metadata endpoint 169.254.169.254), unspecified, multicast, broadcast,
 * {@code 0.0.0.0/8} and the IPv6 metadata endpoint {@code fd00:ec2::254}. They are always removed.
 * Private ranges (RFC 1918, {@code fc00::/7}) are removed only when the resource asks for it. Extra
 * ranges come from {@code --deny-cidr}. IPv6 addresses that carry an IPv4 address (IPv4-mapped,
 * NAT64, 6to4, Teredo, IPv4-compatible) are judged by that IPv4 address as well.
 */
public final class AddressFilter {
  static final List<Cidr> ALWAYS_BLOCKED =
      ImmutableList.of(
          Cidr.parse("0.0.0.0/8"),
          Cidr.parse("127.0.0.0/8"),
          Cidr.parse("169.254.0.0/16"),
          Cidr.parse("224.0.0.0/4"),
          Cidr.parse("255.255.255.255/32"),
          Cidr.parse("::/128"),
          Cidr.parse("::1/128"),
          Cidr.parse("fe80::/10"),
          Cidr.parse("ff00::/8"),
          Cidr.parse("fd00:ec2::254/128"));

  static final List<Cidr> PRIVATE =
      ImmutableList.of(
          Cidr.parse("10.0.0.0/8"),
          Cidr.parse("172.16.0.0/12"),
          Cidr.parse("192.168.0.0/16"),
          Cidr.parse("fc00::/7"));

  private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");

  private final List<Cidr> denied;

  /** Creates a filter that also removes the given ranges. */
  public AddressFilter(List<Cidr> extraDenied) {
    this.denied = ImmutableList.copyOf(extraDenied);
  }

  /** Returns a filter with only the built-in ranges. */
  public static AddressFilter defaults() {
    return new AddressFilter(List.of());
  }

  /**
   * Returns why {@code address} must not be applied, or empty when it may be.
   *
   * @param blockPrivate whether private ranges are removed too
   */
  public Optional<String> rejection(InetAddress address, boolean blockPrivate) {
    InetAddress judged = unmapped(address);
    Optional<String> own = rejectionOf(judged, address, blockPrivate);
    if (own.isPresent()) {
      return own;
    }
    // An IPv6 address that embeds an IPv4 one (NAT64, 6to4, Teredo, IPv4-compatible) reaches that
    // IPv4 address through a translator or tunnel, so it is judged by that address too.
    Optional<InetAddress> embedded = embeddedIpv4(judged);
    if (embedded.isPresent()) {
      Optional<String> carried = rejectionOf(embedded.get(), embedded.get(), blockPrivate);
      if (carried.isPresent()) {
        return Optional.of(carried.get() + " (carried in " + judged.getHostAddress() + ")");
      }
    }
    return Optional.empty();
  }

  private Optional<String> rejectionOf(
      InetAddress judged, InetAddress original, boolean blockPrivate) {
    for (Cidr cidr : ALWAYS_BLOCKED) {
      if (cidr.contains(judged)) {
        return Optional.of("always blocked range " + cidr);
      }
    }
    if (blockPrivate) {
      for (Cidr cidr : PRIVATE) {
        if (cidr.contains(judged)) {
          return Optional.of("private range " + cidr);
        }
      }
    }
    for (Cidr cidr : denied) {
      if (cidr.contains(judged) || cidr.contains(original)) {
        return Optional.of("denied range " + cidr);
      }
    }
    return Optional.empty();
  }

  /**
   * Returns the IPv4 address an IPv6 address carries to a translator or tunnel: NAT64 ({@code
   * 64:ff9b::/96}); or, read by Guava's {@link InetAddresses#getEmbeddedIPv4ClientAddress}, the
   * client address of an IPv4-compatible ({@code ::a.b.c.d}, except {@code ::} and {@code ::1}),
   * 6to4 ({@code 2002::/16}) or Teredo ({@code 2001:0::/32}, where the client address is stored
   * with its bits flipped) address. ISATAP addresses are not read, as Guava leaves them out.
   */
  static Optional<InetAddress> embeddedIpv4(InetAddress address) {
    if (!(address instanceof Inet6Address ipv6)) {
      return Optional.empty();
    }
    if (NAT64.contains(ipv6)) {
      // Guava knows no NAT64: the well-known prefix (RFC 6052) ends with the IPv4 address.
      return Optional.of(Cidr.byAddress(Arrays.copyOfRange(ipv6.getAddress(), 12, 16)));
    }
    if (InetAddresses.hasEmbeddedIPv4ClientAddress(ipv6)) {
      return Optional.of(InetAddresses.getEmbeddedIPv4ClientAddress(ipv6));
    }
    return Optional.empty();
  }

  /** Returns whether {@code cidr} (a host route from the status) may be applied. */
  public boolean allows(Cidr cidr, boolean blockPrivate) {
    return rejection(cidr.network(), blockPrivate).isEmpty();
  }

  /**
   * Returns the IPv4 address carried by an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}), else
   * {@code address} itself. The JDK usually converts these already; this guards the other paths.
   */
  static InetAddress unmapped(InetAddress address) {
    if (address instanceof Inet6Address) {
      byte[] b = address.getAddress();
      boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
      for (int i = 0; i < 10 && mapped; i++) {
        mapped = b[i] == 0;
      }
      if (mapped) {
        return Cidr.byAddress(Arrays.copyOfRange(b, 12, 16));
      }
    }
    return address;
  }
}
