package io.fqdnjob.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ResolveReasonTest {
  @Test
  void priorityPutsRealErrorsBeforeMissingNamesBeforeTransientFailures() {
    List<ResolveReason> highestFirst =
        Arrays.stream(ResolveReason.values())
            .sorted((a, b) -> a.outranks(b) ? -1 : b.outranks(a) ? 1 : 0)
            .toList();

    assertEquals(
        List.of(
            ResolveReason.OTHER_ERROR,
            ResolveReason.INVALID_DOMAIN,
            ResolveReason.NXDOMAIN,
            ResolveReason.NODATA,
            ResolveReason.TIMEOUT,
            ResolveReason.TEMPORARY,
            ResolveReason.UNKNOWN,
            ResolveReason.SUCCESS),
        highestFirst);
  }

  @Test
  void outranksIsStrict() {
    assertTrue(ResolveReason.NXDOMAIN.outranks(ResolveReason.NODATA));
    assertFalse(ResolveReason.NODATA.outranks(ResolveReason.NXDOMAIN));
    assertFalse(ResolveReason.TIMEOUT.outranks(ResolveReason.TIMEOUT));
  }

  @Test
  void onlyFailuresThatMayGoAwayByThemselvesAreTransient() {
    EnumSet<ResolveReason> transientReasons =
        Arrays.stream(ResolveReason.values())
            .filter(ResolveReason::isTransient)
            .collect(Collectors.toCollection(() -> EnumSet.noneOf(ResolveReason.class)));

    assertEquals(
        EnumSet.of(
            ResolveReason.TIMEOUT,
            ResolveReason.TEMPORARY,
            ResolveReason.UNKNOWN,
            ResolveReason.OTHER_ERROR),
        transientReasons);
  }

  @ParameterizedTest
  @EnumSource(ResolveReason.class)
  void everyReasonParsesFromItsOwnName(ResolveReason reason) {
    assertEquals(reason, ResolveReason.parse(reason.name()));
  }

  @Test
  void unknownOrMissingReasonParsesAsUnknown() {
    assertEquals(ResolveReason.UNKNOWN, ResolveReason.parse("SERVFAIL_FROM_THE_FUTURE"));
    assertEquals(ResolveReason.UNKNOWN, ResolveReason.parse("success"));
    assertEquals(ResolveReason.UNKNOWN, ResolveReason.parse(""));
    assertEquals(ResolveReason.UNKNOWN, ResolveReason.parse(null));
  }
}
