package io.fqdnjob.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class AddressesTest {
  private static final List<String> STATUS =
      List.of(
          "2001:db8::1/128",
          "198.51.100.7/32",
          "not-an-address",
          "203.0.113.0/24",
          "::/0",
          "192.0.2.1",
          "10.0.0.0/8/8");

  private static List<String> strings(List<Cidr> cidrs) {
    return cidrs.stream().map(Cidr::toString).toList();
  }

  @Test
  void widerNetworksInStatusAreDroppedAsDamage() {
    assertEquals(
        List.of(), Addresses.parseAll(List.of("0.0.0.0/0", "128.0.0.0/1", "2000::/3", "::/0")));
  }

  @Test
  void parseAllKeepsHostRoutesOnlyIpv4FirstInTheirOrder() {
    assertEquals(
        List.of("198.51.100.7/32", "192.0.2.1/32", "2001:db8::1/128"),
        strings(Addresses.parseAll(STATUS)));
  }

  @Test
  void orderIsIpv4FirstThenNumericNotTextual() {
    List<Cidr> cidrs =
        new ArrayList<>(
            Stream.of("2001:db8::a/128", "::1/128", "10.0.0.10/32", "9.0.0.1/32", "10.0.0.9/32")
                .map(Cidr::parse)
                .toList());

    cidrs.sort(Addresses.ORDER);

    assertEquals(
        List.of("9.0.0.1/32", "10.0.0.9/32", "10.0.0.10/32", "::1/128", "2001:db8::a/128"),
        strings(cidrs));
  }

  @Test
  void orderPutsTheWiderOfTwoNetworksWithOneAddressFirst() {
    List<Cidr> cidrs =
        new ArrayList<>(List.of(Cidr.parse("10.0.0.0/32"), Cidr.parse("10.0.0.0/8")));

    cidrs.sort(Addresses.ORDER);

    assertEquals(List.of("10.0.0.0/8", "10.0.0.0/32"), strings(cidrs));
  }
}
