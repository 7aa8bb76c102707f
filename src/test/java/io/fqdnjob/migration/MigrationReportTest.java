package io.fqdnjob.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class MigrationReportTest {
  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
  private static final Gap LEASES =
      new Gap(
          "list",
          "leases.coordination.k8s.io",
          Gap.ALL_NAMESPACES,
          403,
          "leases.coordination.k8s.io is forbidden",
          "whether fqdn-controller holds its leader Lease");

  private static MigrationReport report(List<Finding> findings, List<Gap> gaps) {
    return new MigrationReport(new TreeSet<>(), NOW, findings, gaps, null);
  }

  private static Finding finding(Finding.Severity severity) {
    return new Finding(severity, "c", "s", "m", null);
  }

  @Test
  void exitCodes() {
    assertEquals(0, report(List.of(finding(Finding.Severity.NOTE)), List.of()).exitCode());
    assertEquals(12, report(List.of(finding(Finding.Severity.ACTION)), List.of()).exitCode());
    assertEquals(12, report(List.of(finding(Finding.Severity.BLOCKS)), List.of()).exitCode());
    assertEquals(13, report(List.of(finding(Finding.Severity.NOTE)), List.of(LEASES)).exitCode());
    // What was found needs doing whatever could not be checked.
    assertEquals(12, report(List.of(finding(Finding.Severity.BLOCKS)), List.of(LEASES)).exitCode());
  }

  @Test
  void missingRightIsNamedWithWhatItLeftUnchecked() {
    String text = report(List.of(), List.of(LEASES)).toText();
    assertTrue(text.contains("(exit 13)"), text);
    assertTrue(text.contains("missing right: list leases.coordination.k8s.io -A (HTTP 403:"), text);
    assertTrue(text.contains("whether fqdn-controller holds its leader Lease"), text);
    JsonObject json = report(List.of(), List.of(LEASES)).toJson();
    assertEquals("incomplete", json.get("result").getAsString());
    JsonObject gap = json.getAsJsonArray("incomplete").get(0).getAsJsonObject();
    assertEquals("list leases.coordination.k8s.io -A", gap.get("right").getAsString());
    assertTrue(gap.get("missingRight").getAsBoolean());
  }

  @Test
  void rightsInOneNamespaceAndClusterScopedOnesReadAsKubectlTakesThem() {
    assertEquals(
        "list networkpolicies.networking.k8s.io -n team-a",
        new Gap("list", "networkpolicies.networking.k8s.io", "team-a", 403, "", "").right());
    assertEquals(
        "get customresourcedefinitions.apiextensions.k8s.io",
        new Gap("get", "customresourcedefinitions.apiextensions.k8s.io", null, 403, "", "")
            .right());
  }

  @Test
  void textListsAtMostTwentyFindingsPerCheck() {
    List<Finding> many =
        java.util.stream.IntStream.range(0, 25)
            .mapToObj(i -> new Finding(Finding.Severity.NOTE, "c", "s" + i, "m", null))
            .toList();
    String text = report(many, List.of()).toText();
    assertTrue(text.contains("[c] s19"), text);
    assertTrue(!text.contains("[c] s20\n"), text);
    assertTrue(text.contains("... and 5 more (-o json lists them all)"), text);
    assertEquals(25, report(many, List.of()).toJson().getAsJsonArray("findings").size());
  }
}
