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

  @Test
  void theFormTheJobWritesReadsBackToTheSameInstant() {
    for (String value :
        new String[] {
          "1970-01-01T00:00:00Z",
          "2024-02-29T23:59:59Z",
          "2026-12-31T00:00:01Z",
          "9999-12-31T23:59:59Z"
        }) {
      assertEquals(Instant.parse(value), Timestamps.parse(value), value);
      assertEquals(value, Timestamps.format(Timestamps.parse(value)));
    }
  }

  @Test
  void outOfRangeFieldsInTheWrittenFormAreRejected() {
    for (String value :
        new String[] {
          "2026-13-01T00:00:00Z",
          "2026-02-29T00:00:00Z",
          "2026-01-01T24:00:00Z",
          "2026-01-01T00:60:00Z",
          "2026-01-01T00:00:60Z",
          "2026-0a-01T00:00:00Z",
          "+026-01-01T00:00:00Z"
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Timestamps.parse(value), value);
      assertTrue(e.getMessage().contains("'" + value + "'"), e.getMessage());
    }
  }

  @Test
  void aLowerCaseSeparatorOrZoneIsReadAsTheFormatterReadsIt() {
    assertEquals(Instant.parse("2026-01-02T03:04:05Z"), Timestamps.parse("2026-01-02t03:04:05z"));
  }
}
