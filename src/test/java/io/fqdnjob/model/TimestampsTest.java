package io.fqdnjob.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimestampsTest {
  @Test
  void formatsUtcWholeSecondsWithZ() {
    assertEquals("2026-01-02T03:04:05Z", Timestamps.format(Instant.parse("2026-01-02T03:04:05Z")));
  }

  @Test
  void formatDropsFractionsInsteadOfRounding() {
    assertEquals(
        "2026-01-02T03:04:05Z", Timestamps.format(Instant.parse("2026-01-02T03:04:05.999999999Z")));
  }

  @Test
  void formatWritesWholeMinutesWithSeconds() {
    assertEquals("2026-01-02T03:04:00Z", Timestamps.format(Instant.parse("2026-01-02T03:04:00Z")));
  }

  @Test
  void parsesAnyOffsetToTheSameInstant() {
    Instant expected = Instant.parse("2026-01-02T03:04:05Z");

    assertEquals(expected, Timestamps.parse("2026-01-02T03:04:05Z"));
    assertEquals(expected, Timestamps.parse("2026-01-02T05:04:05+02:00"));
    assertEquals(expected, Timestamps.parse("2026-01-01T22:04:05-05:00"));
  }

  @Test
  void parseKeepsFractions() {
    assertEquals(
        Instant.parse("2026-01-02T03:04:05.250Z"), Timestamps.parse("2026-01-02T03:04:05.25Z"));
  }

  @Test
  void timestampWithoutOffsetIsRejectedNamingTheValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Timestamps.parse("2026-01-02T03:04:05"));

    assertTrue(e.getMessage().contains("'2026-01-02T03:04:05'"), e.getMessage());
  }

  @Test
  void garbageIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> Timestamps.parse("yesterday"));
    assertThrows(IllegalArgumentException.class, () -> Timestamps.parse(""));
  }
}
