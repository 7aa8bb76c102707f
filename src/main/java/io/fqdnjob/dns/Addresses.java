package io.fqdnjob.dns;

import com.google.common.net.HostAndPort;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/** Small formatting and ordering helpers shared by the resolver and its results. */
final class Addresses {
  /** IPv4 (4 bytes) before IPv6 (16 bytes), then numeric order. */
  static final Comparator<InetAddress> ORDER =
      Comparator.<InetAddress>comparingInt(a -> a.getAddress().length)
          .thenComparing(InetAddress::getAddress, Arrays::compareUnsigned);

  private Addresses() {}

  /** Returns the addresses without duplicates, in {@link #ORDER}, each without a host name. */
  static List<InetAddress> sortedUnique(Collection<InetAddress> addresses) {
    TreeSet<InetAddress> set = new TreeSet<>(ORDER);
    for (InetAddress address : addresses) {
      set.add(withoutHostName(address));
    }
    return List.copyOf(set);
  }

  // dnsjava names the addresses it builds after the record owner; that name would leak into
  // toString() and make equal addresses print differently.
  private static InetAddress withoutHostName(InetAddress address) {
    try {
      return InetAddress.getByAddress(address.getAddress());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + address, e);
    }
  }

  /** Returns {@code host:port}, with brackets around an IPv6 host. */
  static String hostAndPort(InetSocketAddress server) {
    String host =
        server.getAddress() != null ? server.getAddress().getHostAddress() : server.getHostString();
    return HostAndPort.fromParts(host, server.getPort()).toString();
  }

  /** Returns a short human form: {@code 2s}, {@code 1.5s}, {@code 250ms}. */
  static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis < 1000) {
      return millis + "ms";
    }
    return BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString() + "s";
  }
}
