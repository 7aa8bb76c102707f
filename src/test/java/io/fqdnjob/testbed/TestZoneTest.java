package io.fqdnjob.testbed;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The parts of {@link TestZone} that need no DNS server. */
class TestZoneTest {
  private final TestZone zone = new TestZone("bed.test", new InetSocketAddress("127.0.0.1", 9));

  @Test
  void uniqueNamesAreDistinctLabelsInsideTheZone() {
    String first = zone.uniqueName("Web_Server");
    String second = zone.uniqueName("Web_Server");

    assertNotEquals(first, second);
    assertTrue(first.matches("web-server-\\d+-[a-z0-9]{5}\\.bed\\.test"), first);
  }

  @Test
  void timeoutNamesAreFreshForEachCall() {
    assertNotEquals(zone.timeoutName(), zone.timeoutName());
    assertTrue(zone.timeoutName().endsWith(".timeout.bed.test"));
  }

  @Test
  void refusesNamesOutsideTheZone() {
    assertThrows(IllegalArgumentException.class, () -> zone.setA("www.example.com", "192.0.2.1"));
    assertThrows(IllegalArgumentException.class, () -> zone.delete("notbed.test"));
  }

  @Test
  void refusesMalformedAddressesBeforeSending() {
    assertThrows(
        IllegalArgumentException.class, () -> zone.setA(zone.uniqueName("x"), "not-an-address"));
  }
}
