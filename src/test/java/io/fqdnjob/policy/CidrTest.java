package io.fqdnjob.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.net.InetAddresses;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {
  static InetAddress ip(String value) {
    return InetAddresses.forString(value);
  }

  /** An IPv4-mapped IPv6 address kept as IPv6, which the JDK's usual factories never return. */
  static InetAddress mappedIpv6(String ipv4) throws Exception {
    byte[] v4 = ip(ipv4).getAddress();
    byte[] v6 = new byte[16];
    v6[10] = (byte) 0xff;
    v6[11] = (byte) 0xff;
    System.arraycopy(v4, 0, v6, 12, 4);
    return Inet6Address.getByAddress(null, v6, -1);
  }

  @Test
  void parsesIpv4Network() {
    Cidr cidr = Cidr.parse("192.0.2.0/24");

    assertEquals(ip("192.0.2.0"), cidr.network());
    assertEquals(24, cidr.prefixLength());
    assertTrue(cidr.isIpv4());
    assertEquals("192.0.2.0/24", cidr.toString());
  }

  @Test
  void parsesIpv6Network() {
    Cidr cidr = Cidr.parse("2001:db8::/32");

    assertEquals(ip("2001:db8::"), cidr.network());
    assertEquals(32, cidr.prefixLength());
    assertFalse(cidr.isIpv4());
  }

  @Test
  void bareAddressIsAHostRoute() {
    assertEquals("192.0.2.1/32", Cidr.parse("192.0.2.1").toString());
    assertEquals("2001:db8::1/128", Cidr.parse("2001:db8::1").toString());
  }

  @Test
  void hostRouteOfAnAddressHasTheFullPrefix() {
    assertEquals(Cidr.parse("192.0.2.1/32"), Cidr.host(ip("192.0.2.1")));
    assertEquals(Cidr.parse("2001:db8::1/128"), Cidr.host(ip("2001:db8::1")));
  }

  @ParameterizedTest
  @CsvSource({
    "10.1.2.3/8, 10.0.0.0/8",
    "192.168.1.255/23, 192.168.0.0/23",
    "172.31.255.255/12, 172.16.0.0/12",
    "203.0.113.77/0, 0.0.0.0/0",
    "203.0.113.77/31, 203.0.113.76/31",
    "2001:db8:abcd::1/33, 2001:db8:8000::/33",
    "2001:db8::ffff/120, 2001:db8::ff00/120",
    "2001:db8::1/0, ::/0",
    "::ffff:192.0.2.1/64, ::/64",
  })
  void hostBitsAreMaskedOff(String input, String expected) {
    assertEquals(expected, Cidr.parse(input).toString());
  }

  @Test
  void networksWithTheSameMaskedAddressAreEqual() {
    assertEquals(Cidr.parse("10.0.0.0/8"), Cidr.parse("10.99.1.2/8"));
    assertEquals(Cidr.parse("10.0.0.0/8").hashCode(), Cidr.parse("10.99.1.2/8").hashCode());
    assertFalse(Cidr.parse("10.0.0.0/8").equals(Cidr.parse("10.0.0.0/9")));
  }

  @Test
  void ipv6IsPrintedCanonically() {
    assertEquals("2001:db8::1/128", Cidr.parse("2001:DB8:0:0:0:0:0:1/128").toString());
    assertEquals("::1/128", Cidr.parse("0:0:0:0:0:0:0:1").toString());
  }

  @Test
  void surroundingWhitespaceIsIgnored() {
    assertEquals(Cidr.parse("10.0.0.1/32"), Cidr.parse("  10.0.0.1/32\n"));
  }

  @Test
  void containsAddressesInsideTheNetworkOnly() {
    Cidr cidr = Cidr.parse("172.16.0.0/12");

    assertTrue(cidr.contains(ip("172.16.0.0")));
    assertTrue(cidr.contains(ip("172.31.255.255")));
    assertFalse(cidr.contains(ip("172.32.0.0")));
    assertFalse(cidr.contains(ip("172.15.255.255")));
  }

  @Test
  void hostRouteContainsOnlyItself() {
    Cidr cidr = Cidr.parse("fd00:ec2::254/128");

    assertTrue(cidr.contains(ip("fd00:ec2::254")));
    assertFalse(cidr.contains(ip("fd00:ec2::255")));
  }

  @Test
  void ipv6ContainsUsesAllBitsOfThePrefix() {
    Cidr cidr = Cidr.parse("fe80::/10");

    assertTrue(cidr.contains(ip("febf:ffff::1")));
    assertFalse(cidr.contains(ip("fec0::1")));
  }

  @Test
  void defaultRouteContainsEveryAddressOfItsFamilyOnly() {
    assertTrue(Cidr.parse("0.0.0.0/0").contains(ip("255.255.255.255")));
    assertTrue(Cidr.parse("::/0").contains(ip("ffff::1")));
    assertFalse(Cidr.parse("0.0.0.0/0").contains(ip("::1")), "IPv6 is not in an IPv4 network");
    assertFalse(Cidr.parse("::/0").contains(ip("127.0.0.1")), "IPv4 is not in an IPv6 network");
  }

  @Test
  void ipv4MappedIpv6TextIsTheIpv4AddressItCarries() {
    assertEquals(Cidr.parse("192.0.2.1/32"), Cidr.parse("::ffff:192.0.2.1"));
    assertEquals(Cidr.parse("192.0.2.1/32"), Cidr.parse("::ffff:192.0.2.1/128"));
    assertEquals(Cidr.parse("169.254.0.0/16"), Cidr.parse("::ffff:169.254.0.0/112"));
  }

  @Test
  void hostRouteOfAnIpv4MappedIpv6AddressIsAnIpv4HostRoute() throws Exception {
    Cidr cidr = Cidr.host(mappedIpv6("192.0.2.1"));

    assertTrue(cidr.isIpv4());
    assertEquals("192.0.2.1/32", cidr.toString());
    assertEquals(cidr, Cidr.parse(cidr.toString()), "a status entry must read back");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "not-an-ip",
        "example.com",
        "10.0.0.256",
        "1.2.3",
        "10.0.0.0/",
        "10.0.0.0/x",
        "10.0.0.0/8/9",
        "/8",
        "2001:db8:::1/64",
      })
  void malformedInputIsRejectedQuotingIt(String value) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(value));

    assertTrue(e.getMessage().contains("'" + value + "'"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({
    "10.0.0.0/33, 33",
    "10.0.0.0/-1, -1",
    "2001:db8::/129, 129",
    "::ffff:1.2.3.4/129, 129"
  })
  void prefixOutOfRangeIsRejectedNamingIt(String value, String prefix) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(value));

    assertTrue(e.getMessage().contains(prefix), e.getMessage());
  }

  @Test
  void constructorRejectsPrefixOutOfRange() {
    assertThrows(IllegalArgumentException.class, () -> new Cidr(ip("10.0.0.0"), 33));
    assertThrows(IllegalArgumentException.class, () -> new Cidr(ip("::"), -1));
  }
}
