package io.fqdnjob.model;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** RFC 3339 timestamps as Kubernetes writes them: UTC, whole seconds. */
public final class Timestamps {
  /** Length of {@code 2026-01-02T03:04:05Z}, the only form the job writes. */
  private static final int CANONICAL_LENGTH = 20;

  private Timestamps() {}

  /** Returns {@code instant} in the form {@code 2026-01-02T03:04:05Z}. */
  public static String format(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  /**
   * Returns the instant of an RFC 3339 string with any offset, or throws. A run reads several
   * timestamps per resource, nearly all in the form the job writes; that form is read digit by
   * digit, any other goes through {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME}.
   */
  public static Instant parse(String value) {
    Instant canonical = parseCanonical(value);
    if (canonical != null) {
      return canonical;
    }
    try {
      return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(value, Instant::from);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not an RFC 3339 timestamp: '" + value + "'", e);
    }
  }

  /** The instant of {@code yyyy-MM-ddTHH:mm:ssZ}, or null for any other string. */
  private static Instant parseCanonical(String value) {
    if (value.length() != CANONICAL_LENGTH
        || value.charAt(4) != '-'
        || value.charAt(7) != '-'
        || value.charAt(10) != 'T'
        || value.charAt(13) != ':'
        || value.charAt(16) != ':'
        || value.charAt(19) != 'Z') {
      return null;
    }
    int year = digits(value, 0, 4);
    int month = digits(value, 5, 2);
    int day = digits(value, 8, 2);
    int hour = digits(value, 11, 2);
    int minute = digits(value, 14, 2);
    int second = digits(value, 17, 2);
    if ((year | month | day | hour | minute | second) < 0) {
      return null;
    }
    try {
      return Instant.ofEpochSecond(
          LocalDateTime.of(year, month, day, hour, minute, second).toEpochSecond(ZoneOffset.UTC));
    } catch (DateTimeException e) {
      // Out of range (month 13, February 30, hour 24): the formatter's message names the field.
      return null;
    }
  }

  /** The decimal number of {@code count} ASCII digits at {@code from}, or -1. */
  private static int digits(String value, int from, int count) {
    int result = 0;
    for (int i = from; i < from + count; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      result = result * 10 + (c - '0');
    }
    return result;
  }
}
