package io.fqdnjob.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.cli.Main;
import io.fqdnjob.dns.DnsResolver;
import io.fqdnjob.job.Progress;
import io.fqdnjob.job.RunJob;
import io.fqdnjob.job.RunSummary;
import io.fqdnjob.job.Shard;
import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.kube.Deadline;
import io.fqdnjob.kube.EventRecorder;
import io.fqdnjob.kube.FqdnPolicyStore;
import io.fqdnjob.kube.NetworkPolicyStore;
import io.fqdnjob.kube.Scope;
import io.fqdnjob.policy.AddressFilter;
import io.fqdnjob.policy.StatusRefresh;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import io.kubernetes.client.openapi.apis.NetworkingV1Api;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * The migration check on the bed, before and after the switch. The namespace holds what
 * fqdn-controller leaves behind, written to the API server the way it writes it: resources applied
 * by a user with kubectl, their statuses put by field manager {@code manager} with the controller's
 * keys, NetworkPolicies created by {@code manager} with the resource's labels and annotations and a
 * controller owner reference; its Deployment (paused, so no pod starts) and its leader Lease. The
 * bed's CRD is shared by every test and stays as it is (not owned by Helm): {@link CrdCheckTest}
 * covers Helm ownership. Resources that the new schema refuses cannot be stored through the bed's
 * API server, which serves that schema; {@link SchemaCheckTest} covers them.
 */
@ExtendWith(TestBedExtension.class)
class MigrationCheckIT {
  private static final String DEPLOYMENT = "fqdn-controller-controller-manager";

  @Test
  void beforeAndAfterTheSwitch(TestBed bed) throws Exception {
    String ns = bed.namespace();
    String steadyName = bed.zone().uniqueName("mig-steady");
    String dueName = bed.zone().uniqueName("mig-due");
    bed.zone().setA(steadyName, "198.51.100.61");
    bed.zone().setA(dueName, "198.51.100.62");
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    // Looked up 10 s ago with a 30 min TTL: not due. Its policy is the controller's.
    JsonObject steady = userApplies(bed, "steady", steadyName, 1800);
    controllerWritesStatus(
        bed, steady, ControllerObjects.status(steadyName, "198.51.100.61", t0.minusSeconds(10)));
    controllerCreates(bed, ControllerObjects.policy(steady, "198.51.100.61"));
    // Looked up 10 min ago with a 60 s TTL: due, looked up by the first run.
    JsonObject due = userApplies(bed, "due", dueName, 60);
    controllerWritesStatus(
        bed, due, ControllerObjects.status(dueName, "198.51.100.62", t0.minusSeconds(600)));
    controllerCreates(bed, ControllerObjects.policy(due, "198.51.100.62"));
    // Its policy was deleted by someone: the first run creates it.
    JsonObject lost = userApplies(bed, "lost", steadyName, 1800);
    controllerWritesStatus(
        bed, lost, ControllerObjects.status(steadyName, "198.51.100.61", t0.minusSeconds(10)));
    // A hand-written policy holds its name: refused.
    JsonObject taken = userApplies(bed, "taken", steadyName, 1800);
    controllerWritesStatus(
        bed, taken, ControllerObjects.status(steadyName, "198.51.100.61", t0.minusSeconds(10)));
    JsonObject handWritten = ControllerObjects.policy(taken, "198.51.100.99");
    handWritten.getAsJsonObject("metadata").remove("ownerReferences");
    handWritten.getAsJsonObject("metadata").remove("annotations");
    handWritten.getAsJsonObject("metadata").remove("labels");
    bed.kubectlWithInput(handWritten.toString(), "create", "-n", ns, "-f", "-");
    // No address: the controller reported Ready False EmptyRules over a policy allowing nothing.
    JsonObject empty = userApplies(bed, "empty", steadyName, 1800);
    JsonObject emptyStatus =
        ControllerObjects.status(steadyName, "198.51.100.61", t0.minusSeconds(10));
    emptyStatus.getAsJsonArray("fqdns").get(0).getAsJsonObject().remove("addresses");
    emptyStatus.remove("appliedAddressCount");
    JsonObject ready = emptyStatus.getAsJsonArray("conditions").get(1).getAsJsonObject();
    ready.addProperty("status", "False");
    ready.addProperty("reason", "EmptyRules");
    ready.addProperty("message", "Resolved to an empty NetworkPolicy");
    controllerWritesStatus(bed, empty, emptyStatus);
    JsonObject emptyPolicy = ControllerObjects.policy(empty, "198.51.100.61");
    emptyPolicy.getAsJsonObject("spec").remove("egress");
    controllerCreates(bed, emptyPolicy);
    // The controller's Deployment (paused: no pod is started) and its Lease, renewed at t0.
    JsonObject deployment =
        ControllerObjects.deployment(ns, 1, 0, "fqdn-controller.invalid/fqdn-controller:1.0.0");
    deployment.getAsJsonObject("spec").addProperty("paused", true);
    deployment.remove("status");
    bed.kubectlApply(deployment.toString());
    bed.kubectlWithInput(
        ControllerObjects.lease(ns, DEPLOYMENT + "-7d9f_1b2c", t0).toString(),
        "create",
        "-n",
        ns,
        "-f",
        "-");

    // Before the switch, a second after the Lease was renewed.
    MigrationReport before = check(bed, t0.plusSeconds(1));
    assertEquals(List.of(), before.gaps());
    assertEquals(12, before.exitCode(), before.toText());
    assertEquals(
        Map.of(
            "controller-running", List.of("deployment " + ns + "/" + DEPLOYMENT),
            "controller-lease-held", List.of("lease " + ns + "/de9670af.konsole.is"),
            "first-run-refuses", List.of("fqdn " + ns + "/taken"),
            "policy-copied-metadata",
                List.of(
                    "networkpolicy " + ns + "/due",
                    "networkpolicy " + ns + "/empty",
                    "networkpolicy " + ns + "/steady"),
            "ready-deny-all", List.of("1 resource(s), e.g. fqdn " + ns + "/empty")),
        subjects(before));
    String copied = find(before, "policy-copied-metadata").get(0).message();
    assertTrue(copied.contains("(field manager manager)"), copied);
    assertTrue(copied.contains("labels team;"), copied);
    assertTrue(copied.contains("annotations " + ControllerObjects.LAST_APPLIED), copied);
    Map<FirstRunPlan.Action, Integer> counts = before.plan().counts();
    assertEquals(3, counts.get(FirstRunPlan.Action.ADOPT), before.toText());
    assertEquals(1, counts.get(FirstRunPlan.Action.CREATE), before.toText());
    assertEquals(1, counts.get(FirstRunPlan.Action.REFUSE), before.toText());
    assertEquals(
        0, counts.get(FirstRunPlan.Action.UPDATE) + counts.get(FirstRunPlan.Action.UNCHANGED));
    assertEquals("TTL passed", entry(before, "due").dueReason());
    assertNull(entry(before, "steady").dueReason());
    assertTrue(entry(before, "steady").detail().startsWith("written by manager (Update)"));
    assertTrue(entry(before, "empty").readyTurnsTrue());
    System.out.println("Before the switch:\n" + before.toText());

    // The switch: the controller scaled to 0, the job run once.
    bed.kubectl("scale", "deployment", "-n", ns, DEPLOYMENT, "--replicas=0");
    RunSummary summary = runJob(bed);
    assertEquals(0, summary.exitCode(), summary.toString());
    for (String name : List.of("steady", "due", "lost", "empty")) {
      JsonObject metadata = policyMetadata(bed, name);
      assertTrue(ManagedFields.appliedByJob(metadata), name + ": " + metadata);
    }

    // After it, with the Lease no longer renewed.
    MigrationReport after = check(bed, Instant.now().plusSeconds(30));
    assertEquals(List.of(), after.gaps());
    assertTrue(after.findings().stream().noneMatch(f -> f.severity() == Finding.Severity.BLOCKS));
    Map<FirstRunPlan.Action, Integer> afterCounts = after.plan().counts();
    assertEquals(0, afterCounts.get(FirstRunPlan.Action.ADOPT), after.toText());
    assertEquals(0, afterCounts.get(FirstRunPlan.Action.CREATE), after.toText());
    assertEquals(0, afterCounts.get(FirstRunPlan.Action.UPDATE), after.toText());
    assertEquals(1, afterCounts.get(FirstRunPlan.Action.REFUSE), after.toText());
    assertEquals(4, afterCounts.get(FirstRunPlan.Action.UNCHANGED), after.toText());
    assertEquals(
        List.of("deployment " + ns + "/" + DEPLOYMENT), subjects(after).get("controller-stopped"));
    assertEquals(12, after.exitCode(), after.toText()); // the hand-written policy remains
    // The copies stay: fqdn-job removes only what it set itself.
    assertEquals(3, find(after, "policy-copied-metadata").size(), after.toText());
    // Not due, so not looked up yet: its status is still the controller's Ready False.
    assertEquals(1, find(after, "ready-deny-all").size(), after.toText());
    System.out.println("After the switch:\n" + after.toText());

    // The conflict resolved and the controller uninstalled: the command exits 0.
    bed.kubectl("delete", "networkpolicy", "-n", ns, "taken");
    bed.kubectl("delete", "deployment", "-n", ns, DEPLOYMENT);
    runJob(bed);
    bed.kubectl(
        "patch",
        "lease",
        "-n",
        ns,
        "de9670af.konsole.is",
        "--type=merge",
        "-p",
        "{\"spec\":{\"renewTime\":\"" + ControllerObjects.micro(t0.minusSeconds(60)) + "\"}}");
    StringWriter out = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    int code =
        cli.execute(
            "check",
            "--migration",
            "--kubeconfig",
            bed.kubeconfig().toString(),
            "-n",
            ns,
            "--controller-namespace",
            ns,
            "-o",
            "json");
    JsonObject json = JsonParser.parseString(out.toString()).getAsJsonObject();
    assertEquals(0, code, out.toString());
    assertEquals("ok", json.get("result").getAsString());
    JsonObject firstRun = json.getAsJsonObject("firstRun");
    assertEquals(0, firstRun.get("adopt").getAsInt());
    assertEquals(0, firstRun.get("repair").getAsInt());
    assertEquals(0, firstRun.get("refuse").getAsInt());
    assertEquals(5, firstRun.get("unchanged").getAsInt());
  }

  /** Applies an fqdn resource as a user would (client-side kubectl apply) and returns it stored. */
  private static JsonObject userApplies(TestBed bed, String name, String fqdn, int ttl) {
    JsonObject resource = ControllerObjects.resource(bed.namespace(), name, fqdn);
    resource.getAsJsonObject("metadata").remove("annotations");
    resource.getAsJsonObject("spec").addProperty("ttlSeconds", ttl);
    bed.kubectlWithInput(resource.toString(), "apply", "-n", bed.namespace(), "-f", "-");
    return BedObjects.get(bed, bed.namespace(), "fqdn", name);
  }

  /** Puts a status as fqdn-controller does: an Update of the status subresource by "manager". */
  private static void controllerWritesStatus(TestBed bed, JsonObject resource, JsonObject status)
      throws Exception {
    JsonObject body = resource.deepCopy();
    body.add("status", status);
    JsonObject metadata = resource.getAsJsonObject("metadata");
    new CustomObjectsApi(bed.client())
        .replaceNamespacedCustomObjectStatus(
            "fqdn.konsole.is",
            "v1alpha1",
            metadata.get("namespace").getAsString(),
            "fqdnnetworkpolicies",
            metadata.get("name").getAsString(),
            body)
        .fieldManager(FqdnController.FIELD_MANAGER)
        .execute();
  }

  /**
   * Creates a NetworkPolicy as fqdn-controller does: a POST by field manager "manager" (not kubectl
   * create, which would rewrite the copied last-applied annotation).
   */
  private static void controllerCreates(TestBed bed, JsonObject policy) throws Exception {
    V1NetworkPolicy body =
        bed.client().getJSON().deserialize(policy.toString(), V1NetworkPolicy.class);
    new NetworkingV1Api(bed.client())
        .createNamespacedNetworkPolicy(bed.namespace(), body)
        .fieldManager(FqdnController.FIELD_MANAGER)
        .execute();
  }

  /** Returns the metadata of a NetworkPolicy with its managedFields. */
  private static JsonObject policyMetadata(TestBed bed, String name) {
    return JsonParser.parseString(
            bed.kubectl(
                "get",
                "networkpolicy",
                name,
                "-n",
                bed.namespace(),
                "-o",
                "json",
                "--show-managed-fields"))
        .getAsJsonObject()
        .getAsJsonObject("metadata");
  }

  private static MigrationReport check(TestBed bed, Instant at) {
    String ns = bed.namespace();
    ClusterState state =
        new ClusterReader(bed.client(), ApiRetry.standard()).read(new TreeSet<>(List.of(ns)), ns);
    return MigrationCheck.evaluate(state, FirstRunPlan.Options.defaults(), at);
  }

  private static RunSummary runJob(TestBed bed) throws Exception {
    ApiRetry retry = ApiRetry.standard();
    try (DnsResolver resolver = new DnsResolver(DnsResolver.Config.of(List.of(bed.dnsAddress())))) {
      return new RunJob(
              new FqdnPolicyStore(bed.client(), retry),
              new NetworkPolicyStore(bed.client(), retry),
              new EventRecorder(bed.client(), retry, "migration-it"),
              resolver,
              AddressFilter.defaults(),
              Clock.systemUTC(),
              new RunJob.Options(
                  new Scope(new TreeSet<>(List.of(bed.namespace())), null, new TreeSet<>()),
                  Duration.ofSeconds(5),
                  false,
                  false,
                  4,
                  null,
                  new Shard(0, 1),
                  5000,
                  Deadline.none(),
                  new StatusRefresh(StatusRefresh.DEFAULT_INTERVAL)),
              new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8),
              Progress.NONE)
          .run();
    }
  }

  private static Map<String, List<String>> subjects(MigrationReport report) {
    return report.findings().stream()
        .collect(
            Collectors.groupingBy(
                Finding::check,
                Collectors.mapping(
                    Finding::subject,
                    Collectors.collectingAndThen(
                        Collectors.toList(), l -> l.stream().sorted().toList()))));
  }

  private static List<Finding> find(MigrationReport report, String check) {
    return report.findings().stream().filter(f -> f.check().equals(check)).toList();
  }

  private static FirstRunPlan.Entry entry(MigrationReport report, String name) {
    return report.plan().resources().stream()
        .filter(e -> e.id().name().equals(name))
        .findFirst()
        .orElseThrow();
  }
}
