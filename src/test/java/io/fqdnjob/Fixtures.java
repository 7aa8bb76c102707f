package io.fqdnjob;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/** Loads test fixtures: small YAML files under {@code src/test/resources}, as Gson JSON. */
public final class Fixtures {
  private Fixtures() {}

  /**
   * Returns the YAML resource at {@code path} (relative to the class path root) as a JSON object.
   * Timestamps stay strings, as they are on the wire.
   */
  public static JsonObject yaml(String path) {
    try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + path);
      }
      return parseYaml(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns the text resource at {@code path} (relative to the class path root). */
  public static String text(String path) {
    try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + path);
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns YAML text as a JSON object; timestamps stay strings. */
  public static JsonObject yamlText(String text) {
    return new Gson().toJsonTree(yamlParser().load(text)).getAsJsonObject();
  }

  private static JsonObject parseYaml(InputStream in) {
    Object loaded = yamlParser().load(in);
    return new Gson().toJsonTree(loaded).getAsJsonObject();
  }

  private static Yaml yamlParser() {
    LoaderOptions options = new LoaderOptions();
    DumperOptions dumper = new DumperOptions();
    return new Yaml(
        new SafeConstructor(options), new Representer(dumper), dumper, options, new NoTimestamps());
  }

  /** The YAML 1.1 resolver without its timestamp rule, which would turn them into Dates. */
  private static final class NoTimestamps extends Resolver {
    @Override
    protected void addImplicitResolvers() {
      addImplicitResolver(Tag.BOOL, BOOL, "yYnNtTfFoO");
      addImplicitResolver(Tag.INT, INT, "-+0123456789");
      addImplicitResolver(Tag.FLOAT, FLOAT, "-+0123456789.");
      addImplicitResolver(Tag.MERGE, MERGE, "<");
      addImplicitResolver(Tag.NULL, NULL, "~nN\0");
      addImplicitResolver(Tag.NULL, EMPTY, null);
    }
  }
}
