package io.fqdnjob.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.ToNumberPolicy;
import java.util.LinkedHashMap;
import java.util.List;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** Converts between YAML documents and JSON trees. */
final class YamlOutput {
  private static final Gson GSON =
      new GsonBuilder().setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).create();

  private YamlOutput() {}

  /** Returns {@code json} as a block-style YAML document (without the leading {@code ---}). */
  static String toYaml(JsonObject json) {
    return toYaml((JsonElement) json);
  }

  /** Returns {@code json} (an object or an array) as a block-style YAML document. */
  static String toYaml(JsonElement json) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndicatorIndent(0);
    options.setIndent(2);
    Object tree =
        json.isJsonArray()
            ? GSON.fromJson(json, List.class)
            : GSON.fromJson(json, LinkedHashMap.class);
    return new Yaml(options).dump(tree);
  }

  /** Returns a YAML document as JSON. */
  static JsonElement toJson(Object document) {
    return GSON.toJsonTree(document);
  }

  /** A loader that accepts plain data only: no custom tags, no class instantiation. */
  static Yaml safeLoader() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    return new Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(options));
  }
}
