package io.fqdnjob.model;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Read-only view of the CRD manifest for tests: the parsed YAML plus navigation through its OpenAPI
 * schema by short paths such as {@code spec.egress[].toFQDNS[]}.
 */
final class CrdManifest {
  static final Path CRD_FILE =
      Path.of("kustomize", "base", "crd", "fqdnnetworkpolicies.fqdn.konsole.is.yaml");
  static final Path EXAMPLES_DIR = Path.of("kustomize", "examples");

  private final Map<String, Object> crd;

  private CrdManifest(Map<String, Object> crd) {
    this.crd = crd;
  }

  /** Returns the folder the project's relative paths start from. */
  static Path projectDir() {
    String fromBuild = System.getenv("FQDN_PROJECT_DIR");
    return fromBuild == null || fromBuild.isBlank() ? Path.of("") : Path.of(fromBuild);
  }

  static CrdManifest load() {
    return new CrdManifest(loadYaml(projectDir().resolve(CRD_FILE)));
  }

  /** Parses one YAML document into plain maps and lists, refusing any custom tags. */
  static Map<String, Object> loadYaml(Path file) {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      Map<String, Object> doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
      assertNotNull(doc, file + " is empty");
      return doc;
    } catch (IOException e) {
      throw new AssertionError("cannot read " + file.toAbsolutePath(), e);
    }
  }

  Map<String, Object> root() {
    return crd;
  }

  Map<String, Object> crdSpec() {
    return map(crd, "spec");
  }

  /** Returns the one served version; the CRD has exactly one. */
  Map<String, Object> version() {
    List<Map<String, Object>> versions = list(crdSpec(), "versions");
    assertTrue(versions.size() == 1, "expected exactly one version, found " + versions.size());
    return versions.get(0);
  }

  Map<String, Object> openApiSchema() {
    return map(map(version(), "schema"), "openAPIV3Schema");
  }

  /**
   * Returns the schema node at {@code path}: property names separated by dots, each optionally
   * followed by {@code []} to step into the items of an array. The empty path is the root.
   */
  Map<String, Object> schema(String path) {
    Map<String, Object> node = openApiSchema();
    if (path.isEmpty()) {
      return node;
    }
    for (String segment : path.split("\\.")) {
      String name = segment;
      int arrays = 0;
      while (name.endsWith("[]")) {
        name = name.substring(0, name.length() - 2);
        arrays++;
      }
      Map<String, Object> properties = map(node, "properties");
      assertTrue(properties.containsKey(name), "schema has no property " + path);
      node = map(properties, name);
      for (int i = 0; i < arrays; i++) {
        node = map(node, "items");
      }
    }
    return node;
  }

  /** Returns the pattern every DNS name in spec.egress[].toFQDNS must match. */
  String fqdnPattern() {
    return (String) schema("spec.egress[].toFQDNS[]").get("pattern");
  }

  /** Returns the example manifests listed by the examples' kustomization, in its order. */
  static List<Path> exampleFiles() {
    Path dir = projectDir().resolve(EXAMPLES_DIR);
    List<Path> files = new ArrayList<>();
    for (Object resource : list(loadYaml(dir.resolve("kustomization.yaml")), "resources")) {
      files.add(dir.resolve((String) resource));
    }
    return files;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Map<String, Object> parent, String key) {
    Object value = parent.get(key);
    assertTrue(value instanceof Map, key + " is not a map: " + value);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  static <T> List<T> list(Map<String, Object> parent, String key) {
    Object value = parent.get(key);
    assertTrue(value instanceof List, key + " is not a list: " + value);
    return (List<T>) value;
  }
}
