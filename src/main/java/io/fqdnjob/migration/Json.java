package io.fqdnjob.migration;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Null-safe reading of the API server's JSON, for the checks. */
final class Json {
  private Json() {}

  static JsonObject object(JsonObject parent, String... path) {
    JsonObject current = parent;
    for (String key : path) {
      if (current == null) {
        return new JsonObject();
      }
      JsonElement next = current.get(key);
      current = next != null && next.isJsonObject() ? next.getAsJsonObject() : null;
    }
    return current == null ? new JsonObject() : current;
  }

  static String string(JsonObject parent, String key) {
    JsonElement value = parent == null ? null : parent.get(key);
    return value != null && value.isJsonPrimitive() ? value.getAsString() : null;
  }

  static Long number(JsonObject parent, String key) {
    JsonElement value = parent == null ? null : parent.get(key);
    return value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()
        ? value.getAsLong()
        : null;
  }

  static List<JsonObject> objects(JsonObject parent, String key) {
    JsonElement value = parent == null ? null : parent.get(key);
    if (value == null || !value.isJsonArray()) {
      return List.of();
    }
    return value.getAsJsonArray().asList().stream()
        .filter(JsonElement::isJsonObject)
        .map(JsonElement::getAsJsonObject)
        .toList();
  }

  /**
   * Returns a string map such as {@code metadata.labels}; values that are not strings are skipped.
   */
  static Map<String, String> strings(JsonObject parent, String key) {
    Map<String, String> result = new LinkedHashMap<>();
    object(parent, key)
        .asMap()
        .forEach((k, v) -> {
          if (v.isJsonPrimitive()) {
            result.put(k, v.getAsString());
          }
        });
    return result;
  }

  static String namespaced(JsonObject item) {
    JsonObject metadata = object(item, "metadata");
    String namespace = string(metadata, "namespace");
    return (namespace == null ? "" : namespace + "/") + string(metadata, "name");
  }
}
