package io.fqdnjob.model;

import static io.fqdnjob.model.CrdManifest.list;
import static io.fqdnjob.model.CrdManifest.map;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks the CRD manifest offline: names, columns, defaults, bounds, rules and the FQDN pattern.
 */
class CrdManifestTest {
  private static CrdManifest crd;

  @BeforeAll
  static void load() {
    crd = CrdManifest.load();
  }

  @Test
  void keepsTheReferenceControllersNames() {
    Map<String, Object> spec = crd.crdSpec();
    Map<String, Object> names = map(spec, "names");
    assertAll(
        () -> assertEquals("apiextensions.k8s.io/v1", crd.root().get("apiVersion")),
        () -> assertEquals("CustomResourceDefinition", crd.root().get("kind")),
        () ->
            assertEquals(
                "fqdnnetworkpolicies.fqdn.konsole.is", map(crd.root(), "metadata").get("name")),
        () -> assertEquals("fqdn.konsole.is", spec.get("group")),
        () -> assertEquals("Namespaced", spec.get("scope")),
        () -> assertEquals("NetworkPolicy", names.get("kind")),
        () -> assertEquals("NetworkPolicyList", names.get("listKind")),
        () -> assertEquals("fqdnnetworkpolicies", names.get("plural")),
        () -> assertEquals("fqdnnetworkpolicy", names.get("singular")),
        () -> assertEquals(List.of("fqdn"), names.get("shortNames")));
  }

  @Test
  void servesAndStoresV1alpha1WithStatusSubresource() {
    Map<String, Object> version = crd.version();
    assertAll(
        () -> assertEquals("v1alpha1", version.get("name")),
        () -> assertEquals(true, version.get("served")),
        () -> assertEquals(true, version.get("storage")),
        () -> assertEquals(Map.of(), map(map(version, "subresources"), "status")),
        () -> assertNull(map(version, "subresources").get("scale"), "no scale subresource"));
  }

  record Column(String name, String type, String jsonPath) {}

  @Test
  void printerColumnsMatchTheReferenceController() {
    List<Column> expected =
        List.of(
            new Column("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status"),
            new Column("Resolved", "string", ".status.conditions[?(@.type==\"Resolve\")].status"),
            new Column("Resolved IPs", "integer", ".status.totalAddressesCount"),
            new Column("Applied IPs", "integer", ".status.appliedAddressCount"),
            new Column("Last Lookup", "date", ".status.latestLookupTime"),
            new Column("Age", "date", ".metadata.creationTimestamp"));
    List<Map<String, Object>> columns = list(crd.version(), "additionalPrinterColumns");
    List<Column> actual =
        columns.stream()
            .map(c ->
                new Column(
                    (String) c.get("name"), (String) c.get("type"), (String) c.get("jsonPath")))
            .toList();
    assertEquals(expected, actual);
  }

  /**
   * A scalar field of the spec: its type and format, its default ({@code null}: must have none) and
   * its bounds or allowed values ({@code null}: must have none).
   */
  record Scalar(
      String path,
      String type,
      String format,
      Object defaultValue,
      Integer minimum,
      Integer maximum,
      List<String> allowed) {
    @Override
    public String toString() {
      return path;
    }
  }

  static Stream<Scalar> specScalars() {
    return Stream.of(
        new Scalar(
            "spec.enabledNetworkType",
            "string",
            null,
            "ipv4",
            null,
            null,
            List.of("ipv4", "ipv6", "all")),
        new Scalar("spec.ttlSeconds", "integer", "int32", 60, 5, 1800, null),
        new Scalar("spec.resolveTimeoutSeconds", "integer", "int32", 3, 1, 60, null),
        new Scalar("spec.retryTimeoutSeconds", "integer", "int32", 3600, 0, 86400, null),
        new Scalar("spec.blockPrivateIPs", "boolean", null, false, null, null, null),
        // Reserved for later: no defaults, so existing resources read back unchanged.
        new Scalar("spec.seenAddressRetentionSeconds", "integer", "int32", null, 0, 86400, null),
        new Scalar("spec.maxAddressesPerFQDN", "integer", "int32", null, 1, 1000, null),
        new Scalar("spec.followRecordTTL", "boolean", null, null, null, null, null),
        // A default here would always override the global setting.
        new Scalar("spec.egress[].blockPrivateIPs", "boolean", null, null, null, null, null),
        new Scalar(
            "spec.egress[].ports[].protocol",
            "string",
            null,
            "TCP",
            null,
            null,
            List.of("TCP", "UDP", "SCTP")),
        new Scalar("spec.egress[].ports[].endPort", "integer", "int32", null, 1, 65535, null),
        new Scalar(
            "spec.podSelector.matchExpressions[].operator",
            "string",
            null,
            null,
            null,
            null,
            List.of("In", "NotIn", "Exists", "DoesNotExist")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specScalars")
  void specScalarHasItsTypeDefaultAndRange(Scalar expected) {
    Map<String, Object> node = crd.schema(expected.path());
    assertAll(
        () -> assertEquals(expected.type(), node.get("type"), "type"),
        () -> assertEquals(expected.format(), node.get("format"), "format"),
        () -> assertEquals(expected.defaultValue(), node.get("default"), "default"),
        () -> assertEquals(expected.minimum(), node.get("minimum"), "minimum"),
        () -> assertEquals(expected.maximum(), node.get("maximum"), "maximum"),
        () -> assertEquals(expected.allowed(), node.get("enum"), "enum"));
  }

  @Test
  void portIsIntOrString() {
    Map<String, Object> port = crd.schema("spec.egress[].ports[].port");
    assertAll(
        () -> assertEquals(true, port.get("x-kubernetes-int-or-string")),
        () -> assertNull(port.get("type"), "int-or-string nodes must not declare a type"),
        () ->
            assertEquals(
                List.of(Map.of("type", "integer"), Map.of("type", "string")), port.get("anyOf")));
  }

  /** An array: its bounds ({@code null}: none) and list type. */
  record Array(String path, Integer minItems, Integer maxItems, String listType) {
    @Override
    public String toString() {
      return path;
    }
  }

  static Stream<Array> arrays() {
    return Stream.of(
        new Array("spec.egress", 1, 100, "atomic"),
        new Array("spec.egress[].toFQDNS", 1, 20, "atomic"),
        new Array("spec.egress[].ports", null, 100, "atomic"),
        new Array("spec.podSelector.matchExpressions", null, 64, "atomic"),
        new Array("spec.podSelector.matchExpressions[].values", null, 256, "atomic"),
        new Array("status.conditions", null, null, "map"),
        new Array("status.fqdns", null, null, "atomic"),
        new Array("status.fqdns[].addresses", null, null, "atomic"),
        new Array("status.fqdns[].seenAddresses", null, null, "atomic"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("arrays")
  void arrayHasItsBoundsAndListType(Array expected) {
    Map<String, Object> node = crd.schema(expected.path());
    assertAll(
        () -> assertEquals("array", node.get("type")),
        () -> assertEquals(expected.minItems(), node.get("minItems"), "minItems"),
        () -> assertEquals(expected.maxItems(), node.get("maxItems"), "maxItems"),
        () -> assertEquals(expected.listType(), node.get("x-kubernetes-list-type"), "list type"));
  }

  @Test
  void conditionsAreKeyedByTypeWhichIsRequired() {
    Map<String, Object> conditions = crd.schema("status.conditions");
    assertEquals(List.of("type"), conditions.get("x-kubernetes-list-map-keys"));
    assertTrue(list(map(conditions, "items"), "required").contains("type"));
    assertEquals(
        List.of("True", "False", "Unknown"), crd.schema("status.conditions[].status").get("enum"));
  }

  @ParameterizedTest(name = "{0} is required")
  @MethodSource("requiredFields")
  void requiredFieldsAreRequired(String parent, String field) {
    assertTrue(list(crd.schema(parent), "required").contains(field));
  }

  static Stream<Arguments> requiredFields() {
    return Stream.of(
        Arguments.of("spec", "podSelector"),
        Arguments.of("spec", "egress"),
        Arguments.of("spec.egress[]", "toFQDNS"),
        Arguments.of("status.fqdns[]", "fqdn"));
  }

  @Test
  void statusKeepsBothSpellingsOfLastSuccessfulTime() {
    for (String key : List.of("lastSuccessfulTime", "LastSuccessfulTime")) {
      Map<String, Object> node = crd.schema("status.fqdns[]." + key);
      assertEquals("string", node.get("type"), key);
      assertEquals("date-time", node.get("format"), key);
    }
    String description =
        (String) crd.schema("status.fqdns[].LastSuccessfulTime").get("description");
    assertTrue(description.contains("never writes"), description);
  }

  @Test
  void statusHasTheFieldsTheJobWrites() {
    Map<String, String> expected =
        Map.ofEntries(
            Map.entry("status.appliedAddressCount", "integer"),
            Map.entry("status.totalAddressesCount", "integer"),
            Map.entry("status.latestLookupTime", "string"),
            Map.entry("status.observedGeneration", "integer"),
            Map.entry("status.fqdns[].fqdn", "string"),
            Map.entry("status.fqdns[].lastTransitionTime", "string"),
            Map.entry("status.fqdns[].resolveReason", "string"),
            Map.entry("status.fqdns[].resolveMessage", "string"),
            Map.entry("status.fqdns[].addresses[]", "string"),
            Map.entry("status.fqdns[].seenAddresses[].address", "string"),
            Map.entry("status.fqdns[].seenAddresses[].lastSeenTime", "string"),
            Map.entry("status.fqdns[].recordTTLSeconds", "integer"),
            Map.entry("status.fqdns[].droppedAddressCount", "integer"),
            Map.entry("status.conditions[].observedGeneration", "integer"));
    expected.forEach(
        (path, type) -> assertEquals(type, crd.schema(path).get("type"), path + " type"));
    assertEquals("int64", crd.schema("status.observedGeneration").get("format"));
    assertEquals("date-time", crd.schema("status.latestLookupTime").get("format"));
  }

  @Test
  void resolveTimeoutRuleNamesBothFieldsAndPointsAtOne() {
    List<Map<String, Object>> rules = list(crd.schema("spec"), "x-kubernetes-validations");
    Map<String, Object> rule =
        rules.stream()
            .filter(r -> ((String) r.get("rule")).contains("resolveTimeoutSeconds"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no rule on resolveTimeoutSeconds"));
    String message = (String) rule.get("message");
    assertAll(
        () -> assertTrue(((String) rule.get("rule")).contains("ttlSeconds")),
        () -> assertTrue(message.contains("resolveTimeoutSeconds"), message),
        () -> assertTrue(message.contains("ttlSeconds"), message),
        () -> assertEquals(".resolveTimeoutSeconds", rule.get("fieldPath")),
        () -> assertEquals("FieldValueInvalid", rule.get("reason")));
    // The rule reads both fields unguarded, which is only safe because both are defaulted.
    assertNotNull(crd.schema("spec.resolveTimeoutSeconds").get("default"));
    assertNotNull(crd.schema("spec.ttlSeconds").get("default"));
  }

  @Test
  void fqdnItemsAreBoundedForTheCelLengthRule() {
    Map<String, Object> item = crd.schema("spec.egress[].toFQDNS[]");
    assertEquals(254, item.get("maxLength"), "253 characters plus one trailing dot");
    List<Map<String, Object>> rules = list(item, "x-kubernetes-validations");
    assertEquals(1, rules.size());
    assertTrue(((String) rules.get(0).get("rule")).contains("253"));
  }

  /** Every CEL rule, with the schema path of the node it sits on. */
  private static List<Map.Entry<String, Map<String, Object>>> allRules() {
    List<Map.Entry<String, Map<String, Object>>> found = new ArrayList<>();
    walk(
        "",
        crd.openApiSchema(),
        (path, node) -> {
          Object rules = node.get("x-kubernetes-validations");
          if (rules != null) {
            for (Object rule : (List<?>) rules) {
              @SuppressWarnings("unchecked")
              Map<String, Object> r = (Map<String, Object>) rule;
              found.add(Map.entry(path, r));
            }
          }
        });
    return found;
  }

  @Test
  void everyCelRuleHasAMessageAValidReasonAndAResolvableFieldPath() {
    Set<String> reasons =
        Set.of(
            "FieldValueInvalid",
            "FieldValueForbidden",
            "FieldValueRequired",
            "FieldValueDuplicate");
    List<Map.Entry<String, Map<String, Object>>> rules = allRules();
    assertFalse(rules.isEmpty());
    for (Map.Entry<String, Map<String, Object>> entry : rules) {
      String at = entry.getKey();
      Map<String, Object> rule = entry.getValue();
      assertTrue(rule.get("message") instanceof String s && !s.isBlank(), at + ": message");
      if (rule.containsKey("reason")) {
        assertTrue(reasons.contains(rule.get("reason")), at + ": reason " + rule.get("reason"));
      }
      if (rule.get("fieldPath") instanceof String fieldPath) {
        assertTrue(fieldPath.startsWith("."), at + ": fieldPath " + fieldPath);
        String target = (at.isEmpty() ? "" : at + ".") + fieldPath.substring(1);
        assertNotNull(crd.schema(target), at + ": fieldPath " + fieldPath);
      }
    }
  }

  @Test
  void everyArrayInTheSpecIsBounded() {
    walk(
        "",
        crd.openApiSchema(),
        (path, node) -> {
          if (path.startsWith("spec") && "array".equals(node.get("type"))) {
            assertNotNull(node.get("maxItems"), path + " needs maxItems");
          }
        });
  }

  @Test
  void everyArrayInTheStatusDeclaresItsListType() {
    walk(
        "",
        crd.openApiSchema(),
        (path, node) -> {
          if (path.startsWith("status") && "array".equals(node.get("type"))) {
            assertNotNull(node.get("x-kubernetes-list-type"), path);
          }
        });
  }

  @Test
  void schemaIsStructuralAndDescribed() {
    List<String> problems = new ArrayList<>();
    walk(
        "",
        crd.openApiSchema(),
        (path, node) -> {
          boolean intOrString = Boolean.TRUE.equals(node.get("x-kubernetes-int-or-string"));
          if (node.get("type") == null && !intOrString) {
            problems.add(path + ": no type");
          }
          // Array items and map values are described by their parent.
          boolean describedByParent = path.endsWith("[]") || path.endsWith("{}");
          if (!path.isEmpty() && !path.equals("metadata") && !describedByParent) {
            if (!(node.get("description") instanceof String d) || d.isBlank()) {
              problems.add(path + ": no description");
            }
          }
          if (path.startsWith("status") && node.containsKey("default")) {
            problems.add(path + ": defaults do not belong in the status");
          }
        });
    assertEquals(List.of(), problems);
  }

  @Test
  void fqdnPatternIsTheSharedNameRule() {
    // The same expression is used by the job's own name check; keep them in step.
    assertEquals(
        "^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+([A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})\\.?$",
        crd.fqdnPattern());
  }

  static List<FqdnNameCases.Case> names() {
    return FqdnNameCases.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("names")
  void fqdnPatternAcceptsOrRejects(FqdnNameCases.Case c) {
    // matches() is a whole-input match, as the anchored pattern is in the API server's RE2.
    assertEquals(
        c.patternAccepts(),
        Pattern.compile(crd.fqdnPattern()).matcher(c.name()).matches(),
        () -> "pattern verdict on " + c.what() + " (" + c.name().length() + " chars)");
  }

  @Test
  void nameTableCoversBothSidesOfEveryLengthLimit() {
    Set<Integer> lengths = new TreeSet<>();
    for (FqdnNameCases.Case c : FqdnNameCases.all()) {
      String withoutDot =
          c.name().endsWith(".") ? c.name().substring(0, c.name().length() - 1) : c.name();
      lengths.add(withoutDot.length());
      // The server verdict adds only the length limit to the pattern's.
      assertEquals(c.patternAccepts() && withoutDot.length() <= 253, c.serverAccepts(), c.what());
    }
    assertTrue(lengths.containsAll(List.of(253, 254)), lengths.toString());
  }

  @Test
  void examplesAreListedAndValid() throws IOException {
    List<Path> listed = CrdManifest.exampleFiles();
    Pattern fqdn = Pattern.compile(crd.fqdnPattern());
    assertFalse(listed.isEmpty());
    try (Stream<Path> files =
        Files.list(CrdManifest.projectDir().resolve(CrdManifest.EXAMPLES_DIR))) {
      List<String> onDisk =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
              .sorted()
              .toList();
      assertEquals(onDisk, listed.stream().map(p -> p.getFileName().toString()).sorted().toList());
    }
    for (Path file : listed) {
      Map<String, Object> doc = CrdManifest.loadYaml(file);
      assertEquals("fqdn.konsole.is/v1alpha1", doc.get("apiVersion"), file.toString());
      assertEquals("NetworkPolicy", doc.get("kind"), file.toString());
      List<Map<String, Object>> egress = list(map(doc, "spec"), "egress");
      assertFalse(egress.isEmpty(), file.toString());
      for (Map<String, Object> rule : egress) {
        for (String name : CrdManifest.<String>list(rule, "toFQDNS")) {
          assertTrue(fqdn.matcher(name).matches(), file + ": " + name);
        }
      }
    }
  }

  /** Visits every schema node below {@code node}; paths use the same syntax as schema(). */
  @SuppressWarnings("unchecked")
  private static void walk(
      String path, Map<String, Object> node, BiConsumer<String, Map<String, Object>> visitor) {
    visitor.accept(path, node);
    if (node.get("properties") instanceof Map<?, ?> properties) {
      properties.forEach((name, child) ->
          walk(
              path.isEmpty() ? (String) name : path + "." + name,
              (Map<String, Object>) child,
              visitor));
    }
    if (node.get("items") instanceof Map<?, ?> items) {
      walk(path + "[]", (Map<String, Object>) items, visitor);
    }
    if (node.get("additionalProperties") instanceof Map<?, ?> values) {
      walk(path + "{}", (Map<String, Object>) values, visitor);
    }
  }
}
