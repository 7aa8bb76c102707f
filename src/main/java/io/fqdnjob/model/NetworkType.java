package io.fqdnjob.model;

/** Address families a resource asks for ({@code spec.enabledNetworkType}). */
public enum NetworkType {
  IPV4("ipv4"),
  IPV6("ipv6"),
  ALL("all");

  private final String wireName;

  NetworkType(String wireName) {
    this.wireName = wireName;
  }

  /** Returns the value as written in the custom resource. */
  public String wireName() {
    return wireName;
  }

  public boolean wantsIpv4() {
    return this != IPV6;
  }

  public boolean wantsIpv6() {
    return this != IPV4;
  }

  /** Returns the constant for a spec value, or {@code null} when the value is not one of them. */
  public static NetworkType fromWireName(String value) {
    for (NetworkType type : values()) {
      if (type.wireName.equals(value)) {
        return type;
      }
    }
    return null;
  }
}
