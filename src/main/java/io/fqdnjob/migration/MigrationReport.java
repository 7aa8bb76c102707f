package io.fqdnjob.migration;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.fqdnjob.model.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The outcome of {@code fqdn-job check --migration}: findings, what could not be checked, and the
 * first run's plan; with its exit code and its two printed forms.
 *
 * @param namespaces the namespaces the resources were listed in; empty means all
 * @param plan the first run's plan, or {@code null} when the resources or policies could not be
 *     read
 */
public record MigrationReport(
    SortedSet<String> namespaces,
    Instant checkedAt,
    List<Finding> findings,
    List<Gap> gaps,
    FirstRunPlan plan) {

  /** Exit code when nothing blocks and every check ran. */
  public static final int EXIT_OK = 0;

  /** Exit code when findings block the switch or need action. */
  public static final int EXIT_FINDINGS = 12;

  /** Exit code when a check could not run (a right is missing or a request failed). */
  public static final int EXIT_INCOMPLETE = 13;

  /** Findings listed per check in the text form; the JSON form lists all. */
  static final int TEXT_LIMIT = 20;

  public MigrationReport {
    namespaces = new TreeSet<>(namespaces);
    findings = List.copyOf(findings);
    gaps = List.copyOf(gaps);
  }

  /**
   * Returns 12 when a finding blocks or needs action (even if some checks could not run: what was
   * found needs doing anyway), else 13 when a check could not run, else 0.
   */
  public int exitCode() {
    if (findings.stream().anyMatch(f -> f.severity().fails())) {
      return EXIT_FINDINGS;
    }
    return gaps.isEmpty() ? EXIT_OK : EXIT_INCOMPLETE;
  }

  private String verdict() {
    long failing = findings.stream().filter(f -> f.severity().fails()).count();
    return switch (exitCode()) {
      case EXIT_FINDINGS ->
          failing
              + " finding(s) block the switch or need action"
              + (gaps.isEmpty() ? "" : "; " + gaps.size() + " check(s) could not run");
      case EXIT_INCOMPLETE ->
          "nothing found blocks, but " + gaps.size() + " check(s) could not run";
      default -> "nothing blocks the switch";
    };
  }

  /** Returns the report for a person. */
  public String toText() {
    StringBuilder out = new StringBuilder();
    out.append("Migration from fqdn-controller: ")
        .append(verdict())
        .append(" (exit ")
        .append(exitCode())
        .append(")\n");
    out.append("Scope: ")
        .append(
            namespaces.isEmpty() ? "all namespaces" : "namespaces " + String.join(", ", namespaces))
        .append("; checked at ")
        .append(Timestamps.format(checkedAt))
        .append("\n");
    for (Finding.Severity severity : Finding.Severity.values()) {
      Map<String, List<Finding>> byCheck = new LinkedHashMap<>();
      findings.stream()
          .filter(f -> f.severity() == severity)
          .forEach(f -> byCheck.computeIfAbsent(f.check(), k -> new ArrayList<>()).add(f));
      if (byCheck.isEmpty()) {
        continue;
      }
      out.append("\n")
          .append(
              switch (severity) {
                case BLOCKS -> "Blocks the switch:";
                case ACTION -> "Needs action:";
                case NOTE -> "Notes:";
              })
          .append("\n");
      byCheck.forEach((check, list) -> {
        for (int i = 0; i < Math.min(list.size(), TEXT_LIMIT); i++) {
          Finding f = list.get(i);
          out.append("  [").append(check).append("] ").append(f.subject()).append("\n");
          out.append("      ").append(f.message()).append("\n");
          if (f.fix() != null) {
            out.append("      Fix: ").append(f.fix()).append("\n");
          }
        }
        if (list.size() > TEXT_LIMIT) {
          out.append("  [")
              .append(check)
              .append("] ... and ")
              .append(list.size() - TEXT_LIMIT)
              .append(" more (-o json lists them all)\n");
        }
      });
    }
    if (plan != null) {
      Map<FirstRunPlan.Action, Integer> counts = plan.counts();
      out.append("\nFirst run (computed from the listed state; nothing was written):\n");
      out.append("  adopt ")
          .append(counts.get(FirstRunPlan.Action.ADOPT))
          .append(", repair ")
          .append(counts.get(FirstRunPlan.Action.CREATE) + counts.get(FirstRunPlan.Action.UPDATE))
          .append(" (create ")
          .append(counts.get(FirstRunPlan.Action.CREATE))
          .append(", update ")
          .append(counts.get(FirstRunPlan.Action.UPDATE))
          .append("), refuse ")
          .append(counts.get(FirstRunPlan.Action.REFUSE))
          .append(", unchanged ")
          .append(counts.get(FirstRunPlan.Action.UNCHANGED))
          .append(", being deleted ")
          .append(counts.get(FirstRunPlan.Action.DELETING))
          .append("\n");
      int shown = 0;
      for (FirstRunPlan.Entry entry : plan.resources()) {
        if (entry.action() == FirstRunPlan.Action.UNCHANGED) {
          continue;
        }
        if (shown++ == TEXT_LIMIT) {
          out.append("  ... (-o json lists every resource)\n");
          break;
        }
        out.append("  ")
            .append(entry.action())
            .append(" ")
            .append(entry.id())
            .append(entry.dueReason() == null ? "" : " (due: " + entry.dueReason() + ")")
            .append(entry.detail() == null ? "" : ": " + entry.detail())
            .append("\n");
      }
    }
    if (!gaps.isEmpty()) {
      out.append("\nCould not check:\n");
      for (Gap gap : gaps) {
        out.append("  ")
            .append(gap.notChecked())
            .append("\n      ")
            .append(gap.forbidden() ? "missing right: " : "request failed: ")
            .append(gap.right())
            .append(" (")
            .append(gap.status() == 0 ? "" : "HTTP " + gap.status() + ": ")
            .append(gap.error())
            .append(")\n");
      }
    }
    return out.toString();
  }

  /** Returns the report as JSON, for machines. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    json.addProperty("exitCode", exitCode());
    json.addProperty(
        "result",
        switch (exitCode()) {
          case EXIT_FINDINGS -> "action-needed";
          case EXIT_INCOMPLETE -> "incomplete";
          default -> "ok";
        });
    json.addProperty("checkedAt", Timestamps.format(checkedAt));
    JsonArray scope = new JsonArray();
    namespaces.forEach(scope::add);
    json.add("namespaces", scope);
    JsonArray list = new JsonArray();
    for (Finding f : findings) {
      JsonObject o = new JsonObject();
      o.addProperty("severity", f.severity().name());
      o.addProperty("check", f.check());
      o.addProperty("subject", f.subject());
      o.addProperty("message", f.message());
      if (f.fix() != null) {
        o.addProperty("fix", f.fix());
      }
      list.add(o);
    }
    json.add("findings", list);
    JsonArray incomplete = new JsonArray();
    for (Gap gap : gaps) {
      JsonObject o = new JsonObject();
      o.addProperty("verb", gap.verb());
      o.addProperty("resource", gap.resource());
      if (gap.namespace() != null) {
        o.addProperty("namespace", gap.namespace());
      }
      o.addProperty("status", gap.status());
      o.addProperty("missingRight", gap.forbidden());
      o.addProperty("right", gap.right());
      o.addProperty("error", gap.error());
      o.addProperty("notChecked", gap.notChecked());
      incomplete.add(o);
    }
    json.add("incomplete", incomplete);
    if (plan != null) {
      JsonObject first = new JsonObject();
      Map<FirstRunPlan.Action, Integer> counts = plan.counts();
      first.addProperty("adopt", counts.get(FirstRunPlan.Action.ADOPT));
      first.addProperty(
          "repair",
          counts.get(FirstRunPlan.Action.CREATE) + counts.get(FirstRunPlan.Action.UPDATE));
      first.addProperty("create", counts.get(FirstRunPlan.Action.CREATE));
      first.addProperty("update", counts.get(FirstRunPlan.Action.UPDATE));
      first.addProperty("refuse", counts.get(FirstRunPlan.Action.REFUSE));
      first.addProperty("unchanged", counts.get(FirstRunPlan.Action.UNCHANGED));
      first.addProperty("deleting", counts.get(FirstRunPlan.Action.DELETING));
      JsonArray resources = new JsonArray();
      for (FirstRunPlan.Entry entry : plan.resources()) {
        JsonObject o = new JsonObject();
        o.addProperty("namespace", entry.id().namespace());
        o.addProperty("name", entry.id().name());
        o.addProperty("action", entry.action().name());
        o.addProperty("due", entry.dueReason() != null);
        if (entry.dueReason() != null) {
          o.addProperty("dueReason", entry.dueReason());
        }
        o.addProperty("writesNetworkPolicy", entry.writes());
        o.addProperty("deniesAll", entry.deniesAll());
        if (entry.detail() != null) {
          o.addProperty("detail", entry.detail());
        }
        resources.add(o);
      }
      first.add("resources", resources);
      json.add("firstRun", first);
    }
    return json;
  }

  /** Returns {@link #toJson} indented, with a final newline. */
  public String toJsonText() {
    return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(toJson())
        + "\n";
  }
}
