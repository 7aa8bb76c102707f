package io.fqdnjob.dns;

import java.util.Objects;

/**
 * One name and record type to resolve.
 *
 * <p>The name is normalised on construction: lower case, and one trailing dot removed, so that
 * {@code Example.COM.} and {@code example.com} are the same key. No syntax check happens here; an
 * invalid name is still a valid key and resolves to an {@code INVALID_DOMAIN} failure.
 *
 * @param fqdn the normalised name, without trailing dot
 * @param type the record type asked for
 */
public record LookupKey(String fqdn, RecordType type) {
  public LookupKey {
    Objects.requireNonNull(fqdn, "fqdn");
    Objects.requireNonNull(type, "type");
    fqdn = DomainName.normalize(fqdn);
  }

  /** Returns a key for the A records of {@code fqdn}. */
  public static LookupKey a(String fqdn) {
    return new LookupKey(fqdn, RecordType.A);
  }

  /** Returns a key for the AAAA records of {@code fqdn}. */
  public static LookupKey aaaa(String fqdn) {
    return new LookupKey(fqdn, RecordType.AAAA);
  }

  @Override
  public String toString() {
    return fqdn + " (" + type + ")";
  }
}
