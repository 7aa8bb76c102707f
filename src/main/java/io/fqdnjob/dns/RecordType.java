package io.fqdnjob.dns;

import io.fqdnjob.model.AddressFamily;
import org.xbill.DNS.Type;

/** The address record types the job resolves. */
public enum RecordType {
  /** IPv4 address record. */
  A(Type.A),
  /** IPv6 address record. */
  AAAA(Type.AAAA);

  private final int dnsType;

  RecordType(int dnsType) {
    this.dnsType = dnsType;
  }

  /** Returns the record type that holds addresses of {@code family}. */
  public static RecordType of(AddressFamily family) {
    return family == AddressFamily.IPV4 ? A : AAAA;
  }

  /** Returns the numeric record type as used on the wire (dnsjava's {@link Type} constant). */
  public int dnsType() {
    return dnsType;
  }
}
