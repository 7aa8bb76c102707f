package io.fqdnjob.policy;

import static io.fqdnjob.policy.CidrTest.ip;
import static io.fqdnjob.policy.CidrTest.mappedIpv6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressFilterTest {
  private final AddressFilter filter = AddressFilter.defaults();

  @Test
  void metadataAddressIsAlwaysRemovedEvenWithBlockPrivateOff() {
    assertEquals(
        Optional.of("always blocked range 169.254.0.0/16"),
        filter.rejection(ip("169.254.169.254"), false));
  }

  @Test
  void ipv6MetadataAddressIsAlwaysRemovedEvenWithBlockPrivateOff() {
    assertEquals(
        Optional.of("always blocked range fd00:ec2::254/128"),
        filter.rejection(ip("fd00:ec2::254"), false));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0.0.0.0",
        "0.255.255.255",
        "127.0.0.1",
        "127.255.255.254",
        "169.254.0.1",
        "169.254.255.255",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1",
        "febf:ffff::1",
        "ff02::1",
        "ff05::1:3",
      })
  void specialAddressIsRemovedWhateverBlockPrivateSays(String address) {
    assertTrue(filter.rejection(ip(address), false).isPresent(), "blockPrivate off");
    assertTrue(filter.rejection(ip(address), true).isPresent(), "blockPrivate on");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
        "64:ff9b::7f00:1", // NAT64 of 127.0.0.1
        "2002:a9fe:a9fe::1", // 6to4 of 169.254.169.254
        "::a9fe:a9fe", // IPv4-compatible 169.254.169.254
        "2002:7f00:1::1", // 6to4 of 127.0.0.1
        "::7f00:1", // IPv4-compatible 127.0.0.1
        // Teredo (2001:0::/32): server 65.54.227.120, then flags, port, and the client's IPv4
        // address with every bit flipped.
        "2001:0:4136:e378:8000:63bf:5601:5601", // Teredo client 169.254.169.254
        "2001:0:4136:e378:8000:63bf:80ff:fffe", // Teredo client 127.0.0.1
      })
  void ipv6FormThatCarriesASpecialIpv4AddressIsRemoved(String address) {
    Optional<String> rejection = filter.rejection(ip(address), false);
    assertTrue(rejection.isPresent(), address);
    assertTrue(rejection.get().contains("carried in"), rejection.get());
  }

  @Test
  void nat64FormOfAPrivateAddressFollowsBlockPrivate() {
    assertTrue(filter.rejection(ip("64:ff9b::a01:203"), true).isPresent());
    assertEquals(Optional.empty(), filter.rejection(ip("64:ff9b::a01:203"), false));
  }

  @Test
  void teredoFormOfAPrivateClientFollowsBlockPrivate() {
    // Client 10.1.0.1, bits flipped.
    String teredo = "2001:0:4136:e378:8000:63bf:f5fe:fffe";
    assertEquals(
        Optional.of("private range 10.0.0.0/8 (carried in 2001:0:4136:e378:8000:63bf:f5fe:fffe)"),
        filter.rejection(ip(teredo), true));
    assertEquals(Optional.empty(), filter.rejection(ip(teredo), false));
  }

  @Test
  void teredoFormOfAMetadataClientNamesTheRangeAndTheCarrier() {
    assertEquals(
        Optional.of(
            "always blocked range 169.254.0.0/16 (carried in 2001:0:4136:e378:8000:63bf:5601:5601)"),
        filter.rejection(ip("2001:0:4136:e378:8000:63bf:5601:5601"), false));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo client 192.0.2.45
        "2002:cb00:7105::1", // 6to4 of 203.0.113.5
        "::cb00:7105", // IPv4-compatible 203.0.113.5
      })
  void ipv6FormThatCarriesAPublicIpv4AddressIsAllowed(String address) {
    assertEquals(Optional.empty(), filter.rejection(ip(address), true));
  }

  @Test
  void deniedRangeAppliesToTheClientOfATeredoAddress() {
    AddressFilter denying = new AddressFilter(List.of(Cidr.parse("192.0.2.0/24")));

    assertEquals(
        Optional.of("denied range 192.0.2.0/24 (carried in 2001:0:4136:e378:8000:63bf:3fff:fdd2)"),
        denying.rejection(ip("2001:0:4136:e378:8000:63bf:3fff:fdd2"), false));
  }

  @Test
  void nat64FormOfAPublicAddressIsAllowed() {
    assertEquals(Optional.empty(), filter.rejection(ip("64:ff9b::cb00:7105"), true));
  }

  @ParameterizedTest
  @ValueSource(strings = {"169.254.169.254", "127.0.0.1", "0.0.0.0", "224.0.0.251"})
  void ipv4MappedIpv6FormOfASpecialAddressIsRemovedToo(String ipv4) throws Exception {
    Optional<String> rejection = filter.rejection(mappedIpv6(ipv4), false);

    assertTrue(rejection.isPresent(), "::ffff:" + ipv4);
    assertTrue(rejection.get().startsWith("always blocked range"), rejection.get());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.0.0.1",
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.0.1",
        "192.168.255.255",
        "fc00::1",
        "fd12:3456::1",
        "fdff:ffff::1",
      })
  void privateAddressIsRemovedOnlyWhenAsked(String address) {
    assertEquals(Optional.empty(), filter.rejection(ip(address), false));
    assertTrue(filter.rejection(ip(address), true).orElseThrow().startsWith("private range"));
  }

  @Test
  void ipv4MappedIpv6FormOfAPrivateAddressIsRemovedWhenAsked() throws Exception {
    assertEquals(
        Optional.of("private range 10.0.0.0/8"), filter.rejection(mappedIpv6("10.1.2.3"), true));
    assertEquals(Optional.empty(), filter.rejection(mappedIpv6("10.1.2.3"), false));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1.1.1.1",
        "9.255.255.255",
        "11.0.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.167.255.255",
        "192.169.0.0",
        "169.253.255.255",
        "169.255.0.0",
        "126.255.255.255",
        "128.0.0.0",
        "223.255.255.255",
        "93.184.215.14",
        "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
        "2001:4860:4860::8888",
        "fbff:ffff::1",
        "fe00::1",
      })
  void publicAddressIsAllowedEvenWithBlockPrivateOn(String address) {
    assertEquals(Optional.empty(), filter.rejection(ip(address), true));
    assertEquals(Optional.empty(), filter.rejection(ip(address), false));
  }

  @Test
  void ipv4MappedIpv6FormOfAPublicAddressIsAllowed() throws Exception {
    assertEquals(Optional.empty(), filter.rejection(mappedIpv6("93.184.215.14"), true));
  }

  @Test
  void neighbourOfTheIpv6MetadataAddressIsOnlyAPrivateAddress() {
    assertEquals(Optional.empty(), filter.rejection(ip("fd00:ec2::253"), false));
    assertTrue(filter.rejection(ip("fd00:ec2::253"), true).isPresent());
  }

  @Test
  void extraDeniedRangesAreRemovedWhateverBlockPrivateSays() {
    AddressFilter withDeny =
        new AddressFilter(List.of(Cidr.parse("203.0.113.0/24"), Cidr.parse("2001:db8::/32")));

    assertEquals(
        Optional.of("denied range 203.0.113.0/24"), withDeny.rejection(ip("203.0.113.9"), false));
    assertEquals(
        Optional.of("denied range 2001:db8::/32"), withDeny.rejection(ip("2001:db8::1"), true));
    assertEquals(Optional.empty(), withDeny.rejection(ip("203.0.114.1"), false));
    assertEquals(Optional.empty(), filter.rejection(ip("203.0.113.9"), false), "defaults only");
  }

  @Test
  void extraDeniedIpv4RangeAlsoRemovesItsIpv4MappedForm() throws Exception {
    AddressFilter withDeny = new AddressFilter(List.of(Cidr.parse("203.0.113.0/24")));

    assertTrue(withDeny.rejection(mappedIpv6("203.0.113.9"), false).isPresent());
  }

  @Test
  void alwaysBlockedReasonWinsOverADeniedRangeThatAlsoCoversTheAddress() {
    AddressFilter withDeny = new AddressFilter(List.of(Cidr.parse("0.0.0.0/0")));

    assertEquals(
        Optional.of("always blocked range 127.0.0.0/8"), withDeny.rejection(ip("127.0.0.1"), true));
  }

  @Test
  void hostRouteFromStatusIsJudgedByItsAddress() {
    assertFalse(filter.allows(Cidr.parse("169.254.169.254/32"), false));
    assertFalse(filter.allows(Cidr.parse("10.0.0.1/32"), true));
    assertTrue(filter.allows(Cidr.parse("10.0.0.1/32"), false));
    assertTrue(filter.allows(Cidr.parse("2001:db8::1/128"), true));
  }

  @Test
  void unmappedLeavesOrdinaryIpv6AddressesAlone() {
    assertEquals(ip("2001:db8::1"), AddressFilter.unmapped(ip("2001:db8::1")));
    assertEquals(ip("::1"), AddressFilter.unmapped(ip("::1")));
  }
}
