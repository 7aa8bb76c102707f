package io.fqdnjob.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.cli.Main;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import io.fqdnjob.testbed.TokenKubeconfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code check --migration} run with a ServiceAccount's token that may list fqdn resources in one
 * namespace and nothing else: the check goes as far as it can, exits 13, and names each right it
 * lacked and what it could not check.
 */
@ExtendWith(TestBedExtension.class)
class MigrationCheckRightsIT {
  private static final String ACCOUNT = "migration-checker";

  @Test
  void tooFewRightsIsIncompleteAndNamesEachMissingRight(TestBed bed, @TempDir Path dir) {
    String ns = bed.namespace();
    bed.kubectlApply(
        """
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: %1$s
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: %1$s
        rules:
          - apiGroups: [fqdn.konsole.is]
            resources: [fqdnnetworkpolicies]
            verbs: [list]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata:
          name: %1$s
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: Role
          name: %1$s
        subjects:
          - kind: ServiceAccount
            name: %1$s
            namespace: %2$s
        """
            .formatted(ACCOUNT, ns));
    Path kubeconfig =
        TokenKubeconfig.write(bed, bed.mintToken(ns, ACCOUNT), dir.resolve("checker.yaml"));

    String[] args = {
      "check",
      "--migration",
      "--kubeconfig",
      kubeconfig.toString(),
      "-n",
      ns,
      "--controller-namespace",
      ns
    };
    StringWriter text = new StringWriter();
    assertEquals(13, run(text, args), text.toString());
    String report = text.toString();
    for (String right :
        List.of(
            "missing right: get customresourcedefinitions.apiextensions.k8s.io (HTTP 403:",
            "missing right: list deployments.apps -n " + ns + " (HTTP 403:",
            "missing right: list leases.coordination.k8s.io -n " + ns + " (HTTP 403:",
            "missing right: list networkpolicies.networking.k8s.io -n " + ns + " (HTTP 403:")) {
      assertTrue(report.contains(right), right + " in:\n" + report);
    }
    assertTrue(report.contains("whether fqdn-controller's Deployment still runs"), report);
    assertTrue(report.contains("the first run's plan could not be computed"), report);
    assertFalse(report.contains("First run ("), report);
    System.out.println(report);

    StringWriter json = new StringWriter();
    List<String> withJson = new ArrayList<>(List.of(args));
    withJson.addAll(List.of("-o", "json"));
    assertEquals(13, run(json, withJson.toArray(String[]::new)), json.toString());
    JsonObject parsed = JsonParser.parseString(json.toString()).getAsJsonObject();
    assertEquals("incomplete", parsed.get("result").getAsString());
    List<String> rights = new ArrayList<>();
    for (JsonElement gap : parsed.getAsJsonArray("incomplete")) {
      assertTrue(gap.getAsJsonObject().get("missingRight").getAsBoolean(), gap.toString());
      rights.add(gap.getAsJsonObject().get("right").getAsString());
    }
    assertEquals(
        List.of(
            "get customresourcedefinitions.apiextensions.k8s.io",
            "list deployments.apps -n " + ns,
            "list leases.coordination.k8s.io -n " + ns,
            "list networkpolicies.networking.k8s.io -n " + ns),
        rights);
    // What the token may read was read: the fqdn resources were listed.
    assertFalse(
        json.toString().contains("fqdnnetworkpolicies.fqdn.konsole.is -n"), json.toString());
  }

  private static int run(StringWriter out, String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    return cli.execute(args);
  }
}
