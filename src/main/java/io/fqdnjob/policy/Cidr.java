package io.fqdnjob.policy;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 network in CIDR notation; parsing never touches DNS.
 *
 * <p>An IPv4-mapped IPv6 network ({@code ::ffff:a.b.c.d/96} and longer) is held as the IPv4 network
 * it carries, the way the JDK holds such addresses: {@code ::ffff:192.0.2.1/128} is {@code
 * 192.0.2.1/32}.
 */
public record Cidr(InetAddress network, int prefixLength) {

  public Cidr {
    int bits = network.getAddress().length * 8;
    if (prefixLength < 0 || prefixLength > bits) {
      throw new IllegalArgumentException(
          "prefix length " + prefixLength + " out of range for " + network.getHostAddress());
    }
    InetAddress masked = mask(network, prefixLength);
    if (bits == 128 && masked instanceof Inet4Address) {
      // The JDK returned the IPv4 address a mapped IPv6 network carries; the prefix follows it.
      prefixLength -= 96;
    }
    network = masked;
  }

  /** Parses {@code ADDRESS/PREFIX} or a bare address (a host route). */
  public static Cidr parse(String value) {
    String trimmed = value.trim();
    int slash = trimmed.indexOf('/');
    String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
    InetAddress parsed;
    try {
      parsed = InetAddresses.forString(address);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an IP address or CIDR: '" + value + "'", e);
    }
    if (address.contains(":") && parsed instanceof Inet4Address) {
      // ::ffff:a.b.c.d came back as a.b.c.d; its prefix counts 128 bits, not 32.
      parsed = mappedIpv6(parsed);
    }
    int bits = parsed.getAddress().length * 8;
    int prefix;
    try {
      prefix = slash < 0 ? bits : Integer.parseInt(trimmed.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad prefix length in '" + value + "'", e);
    }
    return new Cidr(parsed, prefix);
  }

  /** Returns the host route of {@code address}: {@code /32} or {@code /128}. */
  public static Cidr host(InetAddress address) {
    return new Cidr(address, address.getAddress().length * 8);
  }

  /** Returns whether {@code address} is in this network (families must match). */
  public boolean contains(InetAddress address) {
    if (address.getAddress().length != network.getAddress().length) {
      return false;
    }
    return mask(address, prefixLength).equals(network);
  }

  public boolean isIpv4() {
    return network instanceof Inet4Address;
  }

  /**
   * Orders networks IPv4 first, then by address (unsigned, byte by byte), then by prefix length.
   */
  static int compare(Cidr a, Cidr b) {
    byte[] left = a.network.getAddress();
    byte[] right = b.network.getAddress();
    if (left.length != right.length) {
      return Integer.compare(left.length, right.length);
    }
    int byAddress = Arrays.compareUnsigned(left, right);
    return byAddress != 0 ? byAddress : Integer.compare(a.prefixLength, b.prefixLength);
  }

  private static InetAddress mask(InetAddress address, int prefixLength) {
    byte[] bytes = address.getAddress();
    for (int i = 0; i < bytes.length; i++) {
      int keep = Math.max(0, Math.min(8, prefixLength - i * 8));
      bytes[i] &= (byte) (0xff << (8 - keep));
    }
    return byAddress(bytes);
  }

  private static InetAddress mappedIpv6(InetAddress ipv4) {
    byte[] bytes = new byte[16];
    bytes[10] = (byte) 0xff;
    bytes[11] = (byte) 0xff;
    System.arraycopy(ipv4.getAddress(), 0, bytes, 12, 4);
    try {
      return Inet6Address.getByAddress(null, bytes, -1);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bad address length " + bytes.length, e);
    }
  }

  static InetAddress byAddress(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bad address length " + bytes.length, e);
    }
  }

  @Override
  public String toString() {
    return InetAddresses.toAddrString(network) + "/" + prefixLength;
  }
}
