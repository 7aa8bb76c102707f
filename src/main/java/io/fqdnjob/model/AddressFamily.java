package io.fqdnjob.model;

import java.util.EnumSet;
import java.util.Set;

/** IPv4 (DNS type A) or IPv6 (DNS type AAAA). */
public enum AddressFamily {
  IPV4,
  IPV6;

  /** Returns the families a resource with the given network type asks for. */
  public static Set<AddressFamily> of(NetworkType type) {
    return switch (type) {
      case IPV4 -> EnumSet.of(IPV4);
      case IPV6 -> EnumSet.of(IPV6);
      case ALL -> EnumSet.of(IPV4, IPV6);
    };
  }
}
