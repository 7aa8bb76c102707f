package io.fqdnjob.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs scripts/bench.sh with 100 resources against the bed this build started, so that the
 * benchmark cannot rot. It checks counts, never seconds: the machine's speed is not under test. The
 * scenarios are those of docs/performance.md: cold, at rest (with its list-only baseline), churn of
 * 1 % then 10 % of the names, and idle.
 */
@ExtendWith(TestBedExtension.class)
class BenchSmokeIT {
  private static final int RESOURCES = 100;

  @Test
  void countsOfEveryScenarioAreThoseTheDesignPromises(TestBed bed, @TempDir Path dir)
      throws Exception {
    Path results = dir.resolve("results.json");
    Path output = dir.resolve("bench.out");
    ProcessBuilder builder =
        new ProcessBuilder(
                bed.repoRoot().resolve("scripts/bench.sh").toString(),
                "--resources",
                Integer.toString(RESOURCES),
                "--smoke",
                "--no-build",
                "--results",
                results.toString())
            .directory(bed.repoRoot().toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    // The bed this build started, and the JDK that runs the tests.
    builder.environment().put("FQDN_TESTBED_DIR", bed.stateDir().toString());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process process = builder.start();
    if (!process.waitFor(15, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      fail("scripts/bench.sh did not finish within 15 minutes:\n" + Files.readString(output));
    }
    String printed = Files.readString(output);
    assertEquals(0, process.exitValue(), () -> "scripts/bench.sh failed:\n" + printed);

    JsonObject report = JsonParser.parseString(Files.readString(results)).getAsJsonObject();
    Map<String, JsonObject> runs = new HashMap<>();
    for (JsonElement scenario : report.getAsJsonArray("scenarios")) {
      JsonObject run = scenario.getAsJsonObject();
      runs.put(run.get("scenario").getAsString(), run);
    }
    for (String name : List.of("cold", "at-rest-1", "churn-1", "churn-10", "idle-1")) {
      assertTrue(runs.containsKey(name), () -> name + " is missing:\n" + printed);
      assertEquals(0, runs.get(name).get("exitCode").getAsInt(), () -> name + ":\n" + printed);
    }
    int uniqueNames = report.getAsJsonObject("workload").get("uniqueNamesUsed").getAsInt();

    JsonObject cold = summary(runs.get("cold"));
    assertEquals(RESOURCES, cold.get("networkPolicyWrites").getAsInt());
    assertEquals(RESOURCES, cold.get("statusWrites").getAsInt());
    assertEquals(uniqueNames, count(runs.get("cold"), "dnsQueries", "query"));

    // At rest: every resource due (--force), nothing changed. No NetworkPolicy is written, and a
    // status only when its refresh turn came (--status-refresh, default 1h).
    JsonObject atRest = summary(runs.get("at-rest-1"));
    assertEquals(
        0, atRest.get("networkPolicyWrites").getAsInt(), "at rest writes no NetworkPolicy");
    assertEquals(
        0,
        atRest.get("statusWrites").getAsInt() - statusRefreshes(atRest),
        () -> "at rest, the only status writes are refreshes: " + atRest);
    assertEquals(uniqueNames, atRest.get("uniqueNames").getAsInt());
    assertEquals(
        uniqueNames,
        count(runs.get("at-rest-1"), "dnsQueries", "query"),
        "the DNS server got one query per unique name");
    assertEquals(0, count(runs.get("at-rest-1"), "apiRequests", "APPLY networkpolicies"));
    assertEquals(
        atRest.get("statusWrites").getAsInt(),
        count(runs.get("at-rest-1"), "apiRequests", "APPLY fqdnnetworkpolicies/status"));

    // The list-only baseline listed what the job lists.
    JsonArray lists = report.getAsJsonArray("listBaselines");
    assertEquals(1, lists.size(), printed);
    JsonObject list = lists.get(0).getAsJsonObject();
    assertEquals(0, list.get("exitCode").getAsInt(), printed);
    assertEquals(RESOURCES, list.getAsJsonObject("baseline").get("resources").getAsInt());

    // Churn: the NetworkPolicy and the status of the resources listing a changed name, only.
    JsonObject plans = report.getAsJsonObject("churnPlans");
    for (String step : List.of("churn-1", "churn-10")) {
      int affected = plans.getAsJsonObject(step).get("resourcesListingAChangedName").getAsInt();
      JsonObject churn = summary(runs.get(step));
      assertEquals(affected, churn.get("networkPolicyWrites").getAsInt(), step);
      assertEquals(affected, count(runs.get(step), "apiRequests", "APPLY networkpolicies"), step);
      assertEquals(
          affected,
          churn.get("statusWrites").getAsInt() - statusRefreshes(churn),
          () -> step + ": status writes other than refreshes: " + churn);
      assertEquals(uniqueNames, count(runs.get(step), "dnsQueries", "query"), step);
    }
    int affected = plans.getAsJsonObject("churn-10").get("resourcesListingAChangedName").getAsInt();
    assertTrue(affected > 0 && affected < RESOURCES, "the churn changes some resources only");

    JsonObject idle = summary(runs.get("idle-1"));
    assertEquals(0, idle.get("due").getAsInt());
    assertEquals(0, count(runs.get("idle-1"), "dnsQueries", "query"), "idle asks DNS nothing");
    assertEquals(0, idle.get("networkPolicyWrites").getAsInt());
    assertEquals(0, idle.get("statusWrites").getAsInt());
    // Counters of the whole API server: other clients of the bed may delete meanwhile, but only
    // the job applies and creates.
    for (Map.Entry<String, JsonElement> request :
        runs.get("idle-1").getAsJsonObject("apiRequests").entrySet()) {
      assertTrue(
          !request.getKey().startsWith("APPLY ") && !request.getKey().startsWith("POST "),
          () -> "idle writes nothing, but the API server counted " + request);
    }

    assertEquals(0, report.get("checksFailed").getAsInt(), printed);
    assertEquals(0, report.get("checksUnknown").getAsInt(), printed);
  }

  /** The summary's statusRefreshes; a job that does not report them counts as making none. */
  private static int statusRefreshes(JsonObject summary) {
    JsonElement value = summary.get("statusRefreshes");
    return value == null ? 0 : value.getAsInt();
  }

  private static JsonObject summary(JsonObject run) {
    return run.getAsJsonObject("summary");
  }

  private static int count(JsonObject run, String group, String key) {
    JsonElement value = run.getAsJsonObject(group).get(key);
    return value == null ? 0 : value.getAsInt();
  }
}
