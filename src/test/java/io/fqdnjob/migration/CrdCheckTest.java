package io.fqdnjob.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Helm ownership check works on a CRD object: the bed's CRD is shared by every test, so it is
 * not relabelled there.
 */
class CrdCheckTest {
  /** Returns the project's CRD (kustomize/base/crd) as JSON. */
  static JsonObject jobCrd() {
    String dir = System.getenv("FQDN_PROJECT_DIR");
    Path file =
        (dir == null || dir.isBlank() ? Path.of("") : Path.of(dir))
            .resolve("kustomize/base/crd/fqdnnetworkpolicies.fqdn.konsole.is.yaml");
    try (Reader reader = Files.newBufferedReader(file)) {
      Map<String, Object> yaml = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
      return new Gson().toJsonTree(yaml).getAsJsonObject();
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file.toAbsolutePath(), e);
    }
  }

  private static JsonObject helmOwned(JsonObject crd, boolean keep) {
    JsonObject copy = crd.deepCopy();
    JsonObject metadata = copy.getAsJsonObject("metadata");
    metadata.getAsJsonObject("labels").addProperty("app.kubernetes.io/managed-by", "Helm");
    JsonObject annotations = new JsonObject();
    annotations.addProperty("meta.helm.sh/release-name", "fqdn-controller");
    annotations.addProperty("meta.helm.sh/release-namespace", "fqdn-system");
    if (keep) {
      annotations.addProperty("helm.sh/resource-policy", "keep");
    }
    metadata.add("annotations", annotations);
    return copy;
  }

  @Test
  void jobsOwnCrdWithoutHelmHasNoFinding() {
    assertEquals(List.of(), CrdCheck.check(jobCrd()));
  }

  @Test
  void helmOwnedCrdNeedsActionAndNamesTheRelease() {
    List<Finding> findings = CrdCheck.check(helmOwned(jobCrd(), false));
    assertEquals(1, findings.size());
    Finding f = findings.get(0);
    assertEquals(Finding.Severity.ACTION, f.severity());
    assertEquals("crd-owned-by-helm", f.check());
    assertTrue(
        f.message().contains("'helm uninstall fqdn-controller -n fqdn-system'"), f.message());
    assertTrue(
        f.fix()
            .contains(
                "kubectl annotate crd fqdnnetworkpolicies.fqdn.konsole.is"
                    + " helm.sh/resource-policy=keep"),
        f.fix());
    assertTrue(
        f.fix().contains("meta.helm.sh/release-name- meta.helm.sh/release-namespace-"), f.fix());
  }

  @Test
  void helmOwnedCrdKeptOnUninstallIsANote() {
    Finding f = CrdCheck.check(helmOwned(jobCrd(), true)).get(0);
    assertEquals(Finding.Severity.NOTE, f.severity());
    assertNull(f.fix());
  }

  @Test
  void controllersSchemaNeedsTheNewCrd() {
    JsonObject old = jobCrd();
    JsonObject fqdnItem =
        Json.object(
            old.getAsJsonObject("spec").getAsJsonArray("versions").get(0).getAsJsonObject(),
            "schema",
            "openAPIV3Schema",
            "properties",
            "status",
            "properties",
            "fqdns",
            "items",
            "properties");
    fqdnItem.remove("lastSuccessfulTime");
    fqdnItem.remove("seenAddresses");
    Finding f = CrdCheck.check(old).get(0);
    assertEquals("crd-schema", f.check());
    assertEquals(Finding.Severity.ACTION, f.severity());
  }

  @Test
  void missingCrdIsANote() {
    assertEquals(Finding.Severity.NOTE, CrdCheck.check(null).get(0).severity());
  }
}
