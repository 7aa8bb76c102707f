package io.fqdnjob.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
 * benchmark cannot rot. It checks counts, never seconds: the machine's speed is not under test.
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
    for (String name : List.of("cold", "steady-1", "churn", "idle-1")) {
      assertTrue(runs.containsKey(name), () -> name + " is missing:\n" + printed);
      assertEquals(0, runs.get(name).get("exitStatus").getAsInt(), () -> name + ":\n" + printed);
    }
    int uniqueNames = report.getAsJsonObject("workload").get("uniqueNamesUsed").getAsInt();

    JsonObject cold = summary(runs.get("cold"));
    assertEquals(RESOURCES, cold.get("networkPolicyWrites").getAsInt());
    assertEquals(RESOURCES, cold.get("statusWrites").getAsInt());

    JsonObject steady = summary(runs.get("steady-1"));
    assertEquals(0, steady.get("networkPolicyWrites").getAsInt(), "steady writes no NetworkPolicy");
    assertEquals(RESOURCES, steady.get("statusWrites").getAsInt(), "one status per due resource");
    assertEquals(uniqueNames, steady.get("uniqueNames").getAsInt());
    assertEquals(
        uniqueNames,
        count(runs.get("steady-1"), "dnsQueries", "query"),
        "the DNS server got one query per unique name");
    assertEquals(0, count(runs.get("steady-1"), "apiRequests", "APPLY networkpolicies"));
    assertEquals(
        RESOURCES, count(runs.get("steady-1"), "apiRequests", "APPLY fqdnnetworkpolicies/status"));

    int affected = report.getAsJsonObject("churn").get("resourcesListingAChangedName").getAsInt();
    assertTrue(affected > 0 && affected < RESOURCES, "the churn changes some resources only");
    JsonObject churn = summary(runs.get("churn"));
    assertEquals(affected, churn.get("networkPolicyWrites").getAsInt());
    assertEquals(affected, count(runs.get("churn"), "apiRequests", "APPLY networkpolicies"));

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
  }

  private static JsonObject summary(JsonObject run) {
    return run.getAsJsonObject("summary");
  }

  private static int count(JsonObject run, String group, String key) {
    JsonElement value = run.getAsJsonObject(group).get(key);
    return value == null ? 0 : value.getAsInt();
  }
}
