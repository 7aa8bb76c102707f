package io.fqdnjob.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The job's RBAC as written: exactly the rules its API calls need, each with a comment, the same in
 * the cluster-wide ClusterRole and the namespaced component's Role. The test bed checks what the
 * API server makes of them (InstallIT, NamespacedInstallIT).
 */
class RbacManifestTest {
  private static final Path CLUSTER_ROLE = Path.of("kustomize", "base", "clusterrole.yaml");
  private static final Path ROLE = Path.of("kustomize", "components", "namespaced", "role.yaml");

  /** Group, resource and verbs of each rule, in the order of the file. */
  private static final List<String> EXPECTED =
      List.of(
          "fqdn.konsole.is fqdnnetworkpolicies [get, list]",
          "fqdn.konsole.is fqdnnetworkpolicies/status [patch]",
          "fqdn.konsole.is fqdnnetworkpolicies/finalizers [update]",
          "networking.k8s.io networkpolicies [get, list, create, patch]",
          " events [create]");

  @Test
  void clusterRoleGrantsExactlyWhatTheJobCalls() {
    assertEquals(EXPECTED, describe(rules(CLUSTER_ROLE)));
  }

  @Test
  void namespacedRoleGrantsTheSameRules() {
    assertEquals(rules(CLUSTER_ROLE), rules(ROLE));
  }

  @Test
  void noWildcardsSecretsOrDeletes() {
    Set<String> forbiddenVerbs =
        Set.of("*", "delete", "deletecollection", "watch", "escalate", "bind", "impersonate");
    for (Path file : List.of(CLUSTER_ROLE, ROLE)) {
      for (Map<String, Object> rule : rules(file)) {
        List<String> all = new ArrayList<>();
        all.addAll(strings(rule, "apiGroups"));
        all.addAll(strings(rule, "resources"));
        all.addAll(strings(rule, "verbs"));
        assertFalse(all.contains("*"), file + ": wildcard in " + rule);
        assertFalse(strings(rule, "resources").contains("secrets"), file + ": " + rule);
        assertTrue(
            strings(rule, "verbs").stream().noneMatch(forbiddenVerbs::contains),
            file + ": " + rule);
        assertFalse(rule.containsKey("nonResourceURLs"), file + ": " + rule);
      }
    }
  }

  @Test
  void everyRuleSaysWhy() throws IOException {
    for (Path file : List.of(CLUSTER_ROLE, ROLE)) {
      List<String> lines = Files.readAllLines(projectDir().resolve(file));
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).strip().startsWith("- apiGroups:")) {
          assertTrue(
              lines.get(i - 1).strip().startsWith("#"),
              file + " line " + (i + 1) + ": a rule without a comment above it");
        }
      }
    }
  }

  private static List<String> describe(List<Map<String, Object>> rules) {
    List<String> result = new ArrayList<>();
    for (Map<String, Object> rule : rules) {
      assertEquals(1, strings(rule, "apiGroups").size(), "one group per rule: " + rule);
      for (String resource : strings(rule, "resources")) {
        result.add(
            strings(rule, "apiGroups").get(0) + " " + resource + " " + strings(rule, "verbs"));
      }
    }
    return result;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> rules(Path file) {
    try {
      Map<String, Object> doc =
          new Yaml(new SafeConstructor(new LoaderOptions()))
              .load(Files.readString(projectDir().resolve(file)));
      return (List<Map<String, Object>>) doc.get("rules");
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file, e);
    }
  }

  @SuppressWarnings("unchecked")
  private static List<String> strings(Map<String, Object> rule, String key) {
    Object value = rule.get(key);
    return value == null ? List.of() : (List<String>) value;
  }

  private static Path projectDir() {
    String fromBuild = System.getenv("FQDN_PROJECT_DIR");
    return fromBuild == null || fromBuild.isBlank() ? Path.of("") : Path.of(fromBuild);
  }
}
