package io.fqdnjob.dns;

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

  /** Returns the numeric record type as used on the wire (dnsjava's {@link Type} constant). */
  public int dnsType() {
    return dnsType;
  }
}
