package io.fqdnjob.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fqdnjob.kube.ConfigurationException;
import java.util.List;

/** The {@code -o/--output} formats of the commands that print objects. */
final class OutputFormat {
  private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().create();

  private OutputFormat() {}

  /** Returns {@code value} when it is one of {@code allowed}, else a usage error naming them. */
  static String parse(String value, String... allowed) throws ConfigurationException {
    if (List.of(allowed).contains(value)) {
      return value;
    }
    throw new ConfigurationException(
        "-o/--output must be " + String.join(" or ", allowed) + ", got '" + value + "'");
  }

  /** A {@code v1 List} of {@code items}, the way kubectl prints several objects as one. */
  static JsonObject list(JsonArray items) {
    JsonObject list = new JsonObject();
    list.addProperty("apiVersion", "v1");
    list.addProperty("kind", "List");
    list.add("items", items);
    return list;
  }

  /** Indented JSON, as kubectl prints it. */
  static String toJson(JsonElement json) {
    return PRETTY.toJson(json);
  }
}
