package io.fqdnjob.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class NetworkTypeTest {
  @Test
  void wireNamesAreTheLowercaseSpecValues() {
    assertEquals(NetworkType.IPV4, NetworkType.fromWireName("ipv4"));
    assertEquals(NetworkType.IPV6, NetworkType.fromWireName("ipv6"));
    assertEquals(NetworkType.ALL, NetworkType.fromWireName("all"));
    assertEquals("ipv6", NetworkType.IPV6.wireName());
  }

  @Test
  void unknownWireNameIsNull() {
    assertNull(NetworkType.fromWireName("IPV4"));
    assertNull(NetworkType.fromWireName("dual"));
    assertNull(NetworkType.fromWireName(null));
  }

  @Test
  void familiesFollowTheNetworkType() {
    assertEquals(EnumSet.of(AddressFamily.IPV4), AddressFamily.of(NetworkType.IPV4));
    assertEquals(EnumSet.of(AddressFamily.IPV6), AddressFamily.of(NetworkType.IPV6));
    assertEquals(
        EnumSet.of(AddressFamily.IPV4, AddressFamily.IPV6), AddressFamily.of(NetworkType.ALL));
    assertTrue(NetworkType.ALL.wantsIpv4() && NetworkType.ALL.wantsIpv6());
    assertFalse(NetworkType.IPV4.wantsIpv6());
    assertFalse(NetworkType.IPV6.wantsIpv4());
  }
}
