package io.fqdnjob.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads fqdn custom resources from JSON and writes their status back.
 *
 * <p>Reading applies the CRD's defaults and checks what the job relies on, so that a resource read
 * from a file (where no API server applied the schema) or created under an older schema gets a
 * message naming the field instead of a failure later on. Name syntax is not checked here: a bad
 * name is reported per name as {@link ResolveReason#INVALID_DOMAIN}.
 */
public final class FqdnNetworkPolicyCodec {
  static final int MAX_FQDNS_PER_RULE = 20;

  private FqdnNetworkPolicyCodec() {}

  /** Returns the resource held by {@code object}, or throws naming the offending field. */
  public static FqdnNetworkPolicy fromJson(JsonObject object) throws InvalidResourceException {
    String apiVersion = optionalString(object, "apiVersion", "apiVersion");
    String kind = optionalString(object, "kind", "kind");
    if (apiVersion != null && !FqdnNetworkPolicy.API_VERSION.equals(apiVersion)) {
      throw new InvalidResourceException(
          "apiVersion", "expected " + FqdnNetworkPolicy.API_VERSION + ", got " + apiVersion);
    }
    if (kind != null && !FqdnNetworkPolicy.KIND.equals(kind)) {
      throw new InvalidResourceException(
          "kind", "expected " + FqdnNetworkPolicy.KIND + ", got " + kind);
    }
    JsonObject metadata = requiredObject(object, "metadata", "metadata");
    String name = requiredString(metadata, "name", "metadata.name");
    String namespace = optionalString(metadata, "namespace", "metadata.namespace");
    if (namespace == null) {
      namespace = "default";
    }
    String uid = optionalString(metadata, "uid", "metadata.uid");
    long generation = optionalLong(metadata, "generation", "metadata.generation", 0);
    Map<String, String> labels = stringMap(metadata, "labels", "metadata.labels");

    FqdnNetworkPolicySpec spec = readSpec(requiredObject(object, "spec", "spec"));
    FqdnNetworkPolicyStatus status =
        object.has("status") && object.get("status").isJsonObject()
            ? readStatus(object.getAsJsonObject("status"))
            : FqdnNetworkPolicyStatus.EMPTY;
    return new FqdnNetworkPolicy(
        new ResourceId(namespace, name), uid, generation, labels, spec, status);
  }

  private static FqdnNetworkPolicySpec readSpec(JsonObject spec) throws InvalidResourceException {
    JsonObject podSelector = requiredObject(spec, "podSelector", "spec.podSelector");
    JsonArray egressArray = requiredArray(spec, "egress", "spec.egress");
    if (egressArray.isEmpty()) {
      throw new InvalidResourceException("spec.egress", "at least one egress rule is required");
    }
    List<EgressRule> egress = new ArrayList<>();
    for (int i = 0; i < egressArray.size(); i++) {
      String path = "spec.egress[" + i + "]";
      if (!egressArray.get(i).isJsonObject()) {
        throw new InvalidResourceException(path, "must be an object");
      }
      egress.add(readRule(egressArray.get(i).getAsJsonObject(), path));
    }
    String typeValue = optionalString(spec, "enabledNetworkType", "spec.enabledNetworkType");
    NetworkType networkType =
        typeValue == null ? NetworkType.IPV4 : NetworkType.fromWireName(typeValue);
    if (networkType == null) {
      throw new InvalidResourceException(
          "spec.enabledNetworkType", "must be ipv4, ipv6 or all, got '" + typeValue + "'");
    }
    int ttl =
        boundedInt(
            spec,
            "ttlSeconds",
            "spec.ttlSeconds",
            FqdnNetworkPolicySpec.DEFAULT_TTL_SECONDS,
            5,
            1800);
    int resolveTimeout =
        boundedInt(
            spec,
            "resolveTimeoutSeconds",
            "spec.resolveTimeoutSeconds",
            FqdnNetworkPolicySpec.DEFAULT_RESOLVE_TIMEOUT_SECONDS,
            1,
            60);
    int retryTimeout =
        boundedInt(
            spec,
            "retryTimeoutSeconds",
            "spec.retryTimeoutSeconds",
            FqdnNetworkPolicySpec.DEFAULT_RETRY_TIMEOUT_SECONDS,
            0,
            86400);
    if (resolveTimeout >= ttl) {
      throw new InvalidResourceException(
          "spec.resolveTimeoutSeconds",
          "must be less than spec.ttlSeconds (" + resolveTimeout + " >= " + ttl + ")");
    }
    Boolean blockPrivate = optionalBoolean(spec, "blockPrivateIPs", "spec.blockPrivateIPs");
    int seenRetention =
        boundedInt(
            spec, "seenAddressRetentionSeconds", "spec.seenAddressRetentionSeconds", 0, 0, 86400);
    int maxAddresses =
        boundedInt(
            spec,
            "maxAddressesPerFQDN",
            "spec.maxAddressesPerFQDN",
            FqdnNetworkPolicySpec.DEFAULT_MAX_ADDRESSES_PER_FQDN,
            1,
            1000);
    Boolean followRecordTtl = optionalBoolean(spec, "followRecordTTL", "spec.followRecordTTL");
    return new FqdnNetworkPolicySpec(
        podSelector,
        egress,
        networkType,
        ttl,
        resolveTimeout,
        retryTimeout,
        blockPrivate != null && blockPrivate,
        seenRetention,
        maxAddresses,
        followRecordTtl != null && followRecordTtl);
  }

  private static EgressRule readRule(JsonObject rule, String path) throws InvalidResourceException {
    JsonArray names = requiredArray(rule, "toFQDNS", path + ".toFQDNS");
    if (names.isEmpty() || names.size() > MAX_FQDNS_PER_RULE) {
      throw new InvalidResourceException(
          path + ".toFQDNS",
          "must list 1 to " + MAX_FQDNS_PER_RULE + " names, got " + names.size());
    }
    List<String> fqdns = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      JsonElement name = names.get(i);
      if (!name.isJsonPrimitive() || !name.getAsJsonPrimitive().isString()) {
        throw new InvalidResourceException(path + ".toFQDNS[" + i + "]", "must be a string");
      }
      fqdns.add(name.getAsString());
    }
    JsonArray ports = null;
    if (rule.has("ports") && !rule.get("ports").isJsonNull()) {
      ports = requiredArray(rule, "ports", path + ".ports");
      for (int i = 0; i < ports.size(); i++) {
        if (!ports.get(i).isJsonObject()) {
          throw new InvalidResourceException(path + ".ports[" + i + "]", "must be an object");
        }
      }
    }
    return new EgressRule(
        fqdns, ports, optionalBoolean(rule, "blockPrivateIPs", path + ".blockPrivateIPs"));
  }

  /**
   * Returns the status held by {@code status}. The status is the job's own memory, so damage in it
   * is forgiven: an unreadable entry is skipped rather than failing the resource.
   */
  public static FqdnNetworkPolicyStatus readStatus(JsonObject status) {
    List<Condition> conditions = new ArrayList<>();
    for (JsonElement element : arrayOrEmpty(status, "conditions")) {
      if (!element.isJsonObject()) {
        continue;
      }
      JsonObject c = element.getAsJsonObject();
      String type = stringOrNull(c, "type");
      if (type == null) {
        continue;
      }
      conditions.add(
          new Condition(
              type,
              stringOrNull(c, "status"),
              stringOrNull(c, "reason"),
              stringOrNull(c, "message"),
              instantOrNull(c, "lastTransitionTime"),
              longOrNull(c, "observedGeneration")));
    }
    List<FqdnStatus> fqdns = new ArrayList<>();
    for (JsonElement element : arrayOrEmpty(status, "fqdns")) {
      if (!element.isJsonObject()) {
        continue;
      }
      JsonObject f = element.getAsJsonObject();
      String fqdn = stringOrNull(f, "fqdn");
      if (fqdn == null) {
        continue;
      }
      // fqdn-controller wrote the key with a capital L; read it so migrated resources keep their
      // retention window.
      Instant lastSuccess = instantOrNull(f, "lastSuccessfulTime");
      if (lastSuccess == null) {
        lastSuccess = instantOrNull(f, "LastSuccessfulTime");
      }
      List<String> addresses = new ArrayList<>();
      for (JsonElement a : arrayOrEmpty(f, "addresses")) {
        if (a.isJsonPrimitive()) {
          addresses.add(a.getAsString());
        }
      }
      List<SeenAddress> seen = new ArrayList<>();
      for (JsonElement a : arrayOrEmpty(f, "seenAddresses")) {
        if (a.isJsonObject()) {
          String address = stringOrNull(a.getAsJsonObject(), "address");
          Instant lastSeen = instantOrNull(a.getAsJsonObject(), "lastSeenTime");
          if (address != null && lastSeen != null) {
            seen.add(new SeenAddress(address, lastSeen));
          }
        }
      }
      Long dropped = longOrNull(f, "droppedAddressCount");
      fqdns.add(
          new FqdnStatus(
              fqdn,
              lastSuccess,
              instantOrNull(f, "lastTransitionTime"),
              ResolveReason.parse(stringOrNull(f, "resolveReason")),
              stringOrNull(f, "resolveMessage"),
              addresses,
              seen,
              longOrNull(f, "recordTTLSeconds"),
              dropped == null ? null : dropped.intValue()));
    }
    Long applied = longOrNull(status, "appliedAddressCount");
    Long total = longOrNull(status, "totalAddressesCount");
    return new FqdnNetworkPolicyStatus(
        conditions,
        fqdns,
        applied == null ? null : applied.intValue(),
        total == null ? null : total.intValue(),
        instantOrNull(status, "latestLookupTime"),
        longOrNull(status, "observedGeneration"));
  }

  /** Returns the JSON of a status, in the field order of the CRD, with timestamps in UTC. */
  public static JsonObject statusToJson(FqdnNetworkPolicyStatus status) {
    JsonObject json = new JsonObject();
    JsonArray conditions = new JsonArray();
    for (Condition c : status.conditions()) {
      JsonObject o = new JsonObject();
      o.addProperty("type", c.type());
      o.addProperty("status", c.status());
      o.addProperty("reason", c.reason());
      o.addProperty("message", c.message() == null ? "" : c.message());
      if (c.lastTransitionTime() != null) {
        o.addProperty("lastTransitionTime", Timestamps.format(c.lastTransitionTime()));
      }
      if (c.observedGeneration() != null) {
        o.addProperty("observedGeneration", c.observedGeneration());
      }
      conditions.add(o);
    }
    json.add("conditions", conditions);
    JsonArray fqdns = new JsonArray();
    for (FqdnStatus f : status.fqdns()) {
      JsonObject o = new JsonObject();
      o.addProperty("fqdn", f.fqdn());
      if (f.lastSuccessfulTime() != null) {
        o.addProperty("lastSuccessfulTime", Timestamps.format(f.lastSuccessfulTime()));
      }
      if (f.lastTransitionTime() != null) {
        o.addProperty("lastTransitionTime", Timestamps.format(f.lastTransitionTime()));
      }
      o.addProperty("resolveReason", f.resolveReason().name());
      o.addProperty("resolveMessage", f.resolveMessage() == null ? "" : f.resolveMessage());
      JsonArray addresses = new JsonArray();
      f.addresses().forEach(addresses::add);
      o.add("addresses", addresses);
      if (!f.seenAddresses().isEmpty()) {
        JsonArray seen = new JsonArray();
        for (SeenAddress a : f.seenAddresses()) {
          JsonObject entry = new JsonObject();
          entry.addProperty("address", a.address());
          entry.addProperty("lastSeenTime", Timestamps.format(a.lastSeenTime()));
          seen.add(entry);
        }
        o.add("seenAddresses", seen);
      }
      if (f.recordTTLSeconds() != null) {
        o.addProperty("recordTTLSeconds", f.recordTTLSeconds());
      }
      if (f.droppedAddressCount() != null && f.droppedAddressCount() > 0) {
        o.addProperty("droppedAddressCount", f.droppedAddressCount());
      }
      fqdns.add(o);
    }
    json.add("fqdns", fqdns);
    if (status.appliedAddressCount() != null) {
      json.addProperty("appliedAddressCount", status.appliedAddressCount());
    }
    if (status.totalAddressesCount() != null) {
      json.addProperty("totalAddressesCount", status.totalAddressesCount());
    }
    if (status.latestLookupTime() != null) {
      json.addProperty("latestLookupTime", Timestamps.format(status.latestLookupTime()));
    }
    if (status.observedGeneration() != null) {
      json.addProperty("observedGeneration", status.observedGeneration());
    }
    return json;
  }

  private static JsonObject requiredObject(JsonObject parent, String key, String path)
      throws InvalidResourceException {
    JsonElement value = parent.get(key);
    if (value == null || value.isJsonNull()) {
      throw new InvalidResourceException(path, "is required");
    }
    if (!value.isJsonObject()) {
      throw new InvalidResourceException(path, "must be an object");
    }
    return value.getAsJsonObject();
  }

  private static JsonArray requiredArray(JsonObject parent, String key, String path)
      throws InvalidResourceException {
    JsonElement value = parent.get(key);
    if (value == null || value.isJsonNull()) {
      throw new InvalidResourceException(path, "is required");
    }
    if (!value.isJsonArray()) {
      throw new InvalidResourceException(path, "must be a list");
    }
    return value.getAsJsonArray();
  }

  private static String requiredString(JsonObject parent, String key, String path)
      throws InvalidResourceException {
    String value = optionalString(parent, key, path);
    if (value == null || value.isEmpty()) {
      throw new InvalidResourceException(path, "is required");
    }
    return value;
  }

  private static String optionalString(JsonObject parent, String key, String path)
      throws InvalidResourceException {
    JsonElement value = parent.get(key);
    if (value == null || value.isJsonNull()) {
      return null;
    }
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
      throw new InvalidResourceException(path, "must be a string");
    }
    return value.getAsString();
  }

  private static Boolean optionalBoolean(JsonObject parent, String key, String path)
      throws InvalidResourceException {
    JsonElement value = parent.get(key);
    if (value == null || value.isJsonNull()) {
      return null;
    }
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isBoolean()) {
      throw new InvalidResourceException(path, "must be true or false");
    }
    return value.getAsBoolean();
  }

  private static long optionalLong(JsonObject parent, String key, String path, long fallback)
      throws InvalidResourceException {
    JsonElement value = parent.get(key);
    if (value == null || value.isJsonNull()) {
      return fallback;
    }
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
      throw new InvalidResourceException(path, "must be an integer");
    }
    double number = value.getAsDouble();
    if (number != Math.rint(number)) {
      throw new InvalidResourceException(path, "must be an integer, got " + value);
    }
    return (long) number;
  }

  private static int boundedInt(
      JsonObject parent, String key, String path, int fallback, int min, int max)
      throws InvalidResourceException {
    long value = optionalLong(parent, key, path, fallback);
    if (value < min || value > max) {
      throw new InvalidResourceException(
          path, "must be between " + min + " and " + max + ", got " + value);
    }
    return (int) value;
  }

  private static Map<String, String> stringMap(JsonObject parent, String key, String path)
      throws InvalidResourceException {
    JsonElement value = parent.get(key);
    Map<String, String> result = new LinkedHashMap<>();
    if (value == null || value.isJsonNull()) {
      return result;
    }
    if (!value.isJsonObject()) {
      throw new InvalidResourceException(path, "must be a map of strings");
    }
    for (Map.Entry<String, JsonElement> entry : value.getAsJsonObject().entrySet()) {
      JsonElement v = entry.getValue();
      if (!v.isJsonPrimitive()) {
        throw new InvalidResourceException(path + "." + entry.getKey(), "must be a string");
      }
      result.put(entry.getKey(), v.getAsString());
    }
    return result;
  }

  private static Iterable<JsonElement> arrayOrEmpty(JsonObject parent, String key) {
    JsonElement value = parent.get(key);
    return value != null && value.isJsonArray() ? value.getAsJsonArray() : new JsonArray();
  }

  private static String stringOrNull(JsonObject parent, String key) {
    JsonElement value = parent.get(key);
    return value != null && value.isJsonPrimitive() ? value.getAsString() : null;
  }

  private static Long longOrNull(JsonObject parent, String key) {
    JsonElement value = parent.get(key);
    if (value == null || !value.isJsonPrimitive()) {
      return null;
    }
    JsonPrimitive primitive = value.getAsJsonPrimitive();
    return primitive.isNumber() ? (long) primitive.getAsDouble() : null;
  }

  private static Instant instantOrNull(JsonObject parent, String key) {
    String value = stringOrNull(parent, key);
    if (value == null || value.isEmpty()) {
      return null;
    }
    try {
      return Timestamps.parse(value);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
