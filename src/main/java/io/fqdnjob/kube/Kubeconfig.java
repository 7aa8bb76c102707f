package io.fqdnjob.kube;

import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * One kubeconfig merged from one or more files the way kubectl merges {@code $KUBECONFIG}, for the
 * fields the job uses: clusters, users and contexts by name, where the first file that names an
 * entry wins it whole, and {@code current-context} from the first file that sets it.
 *
 * <p>Paths inside a file ({@code certificate-authority}, {@code client-certificate}, {@code
 * client-key}, {@code tokenFile}, and an exec plugin's {@code command} when it holds a slash) are
 * made absolute against the folder of the file that holds them, before the merge, so that an entry
 * keeps meaning what its own file meant.
 */
public final class Kubeconfig {
  private static final String CLUSTERS = "clusters";
  private static final String USERS = "users";
  private static final String CONTEXTS = "contexts";

  private final List<Path> files;
  private final Map<String, Map<String, Object>> clusters = new LinkedHashMap<>();
  private final Map<String, Map<String, Object>> users = new LinkedHashMap<>();
  private final Map<String, Map<String, Object>> contexts = new LinkedHashMap<>();
  private String currentContext;

  private Kubeconfig(List<Path> files) {
    this.files = List.copyOf(files);
  }

  /**
   * Reads one file: the {@code --kubeconfig} case, where the file must exist.
   *
   * @throws ConfigurationException when the file cannot be read or is not a kubeconfig; the message
   *     names it
   */
  public static Kubeconfig fromFile(Path file) throws ConfigurationException {
    Path path = file.toAbsolutePath().normalize();
    Kubeconfig config = new Kubeconfig(List.of(path));
    Map<String, Object> content = read(path);
    if (content == null) {
      throw new ConfigurationException("cannot read kubeconfig " + path + ": no such file");
    }
    config.merge(path, content);
    return config;
  }

  /**
   * Merges the files of a {@code $KUBECONFIG} list (split on the platform's path separator, ':' on
   * Linux), in order. Empty entries and files that do not exist are skipped, as kubectl skips them;
   * a file that exists but cannot be read or parsed is an error.
   *
   * @throws ConfigurationException when no file of the list exists, or one cannot be read; the
   *     message names it
   */
  public static Kubeconfig fromList(String list) throws ConfigurationException {
    List<Path> existing = new ArrayList<>();
    List<Map<String, Object>> contents = new ArrayList<>();
    List<String> named = new ArrayList<>();
    for (String entry : list.split(java.io.File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      named.add(entry);
      Path path = Path.of(entry).toAbsolutePath().normalize();
      Map<String, Object> content = read(path);
      if (content != null) {
        existing.add(path);
        contents.add(content);
      }
    }
    if (existing.isEmpty()) {
      throw new ConfigurationException(
          "KUBECONFIG names no file that exists: "
              + String.join(java.io.File.pathSeparator, named));
    }
    Kubeconfig config = new Kubeconfig(existing);
    for (int i = 0; i < existing.size(); i++) {
      config.merge(existing.get(i), contents.get(i));
    }
    return config;
  }

  /** The files read, in merge order. */
  public List<Path> files() {
    return files;
  }

  /** The names of the contexts, in the order the files define them. */
  public List<String> contextNames() {
    return List.copyOf(contexts.keySet());
  }

  /** The current context: the first file's {@code current-context} that is set, or null. */
  public String currentContext() {
    return currentContext;
  }

  /** The namespace the context {@code name} sets, or null (also when there is no such context). */
  public String namespaceOf(String name) {
    Map<String, Object> context = body(contexts.get(name), "context");
    return context == null ? null : string(context.get("namespace"));
  }

  /**
   * Returns the client configuration of {@code context}, or of the current context when null.
   *
   * @throws ConfigurationException when the context, its cluster, its user or the cluster's server
   *     is missing; the message names what is missing and lists the contexts that exist
   */
  public Selected select(String context) throws ConfigurationException {
    String name = context != null ? context : currentContext;
    if (name == null || name.isEmpty()) {
      throw new ConfigurationException(
          describe() + " sets no current-context: pass --context NAME (" + available() + ")");
    }
    Map<String, Object> entry = contexts.get(name);
    if (entry == null) {
      throw new ConfigurationException(
          (context != null ? "--context " : "current-context ")
              + "'"
              + name
              + "' is not a context of "
              + describe()
              + " ("
              + available()
              + ")");
    }
    Map<String, Object> body = body(entry, "context");
    String clusterName = body == null ? null : string(body.get("cluster"));
    String userName = body == null ? null : string(body.get("user"));
    if (clusterName == null || !clusters.containsKey(clusterName)) {
      throw new ConfigurationException(
          "context '"
              + name
              + "' of "
              + describe()
              + (clusterName == null
                  ? " names no cluster"
                  : " names cluster '" + clusterName + "', which is not defined"));
    }
    if (userName != null && !userName.isEmpty() && !users.containsKey(userName)) {
      throw new ConfigurationException(
          "context '"
              + name
              + "' of "
              + describe()
              + " names user '"
              + userName
              + "', which is not defined");
    }
    Map<String, Object> cluster = body(clusters.get(clusterName), "cluster");
    if (cluster == null || string(cluster.get("server")) == null) {
      throw new ConfigurationException(
          "cluster '" + clusterName + "' of " + describe() + " has no server");
    }
    ArrayList<Object> contextList = new ArrayList<>(List.of(entry));
    ArrayList<Object> clusterList = new ArrayList<>(List.of(clusters.get(clusterName)));
    ArrayList<Object> userList = new ArrayList<>();
    if (userName != null && users.containsKey(userName)) {
      userList.add(users.get(userName));
    }
    KubeConfig config = new KubeConfig(contextList, clusterList, userList);
    config.setContext(name);
    // Every path was made absolute, so the file only matters to the client as a folder to resolve
    // against; any of the files does.
    config.setFile(files.get(0).toFile());
    return new Selected(name, namespaceOf(name), config);
  }

  /**
   * A context chosen from the merged files.
   *
   * @param context its name
   * @param namespace the namespace it sets, or null
   * @param config the client configuration, holding that context only
   */
  public record Selected(String context, String namespace, KubeConfig config) {}

  /** "kubeconfig FILE", or "the kubeconfig merged from A:B". */
  public String describe() {
    return files.size() == 1
        ? "kubeconfig " + files.get(0)
        : "the kubeconfig merged from "
            + files.stream().map(Path::toString).collect(Collectors.joining(":"));
  }

  private String available() {
    return contexts.isEmpty()
        ? "it defines no context"
        : "contexts: " + String.join(", ", contexts.keySet());
  }

  /** Returns the file's content, or null when it does not exist. */
  private static Map<String, Object> read(Path path) throws ConfigurationException {
    Object document;
    try (Reader reader = Files.newBufferedReader(path)) {
      LoaderOptions options = new LoaderOptions();
      document = new Yaml(new SafeConstructor(options)).load(reader);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new ConfigurationException("cannot read kubeconfig " + path + ": " + e, e);
    } catch (YAMLException e) {
      throw new ConfigurationException(
          "kubeconfig " + path + " is not valid YAML: " + e.getMessage(), e);
    }
    if (document == null) {
      return Map.of();
    }
    if (!(document instanceof Map<?, ?> map)) {
      throw new ConfigurationException("kubeconfig " + path + " is not a mapping");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> content = (Map<String, Object>) map;
    return content;
  }

  private void merge(Path file, Map<String, Object> content) throws ConfigurationException {
    Path folder = file.getParent();
    mergeList(file, content, CLUSTERS, "cluster", clusters, folder);
    mergeList(file, content, USERS, "user", users, folder);
    mergeList(file, content, CONTEXTS, "context", contexts, folder);
    String current = string(content.get("current-context"));
    if ((currentContext == null || currentContext.isEmpty()) && current != null) {
      currentContext = current;
    }
  }

  private static void mergeList(
      Path file,
      Map<String, Object> content,
      String key,
      String bodyKey,
      Map<String, Map<String, Object>> into,
      Path folder)
      throws ConfigurationException {
    Object value = content.get(key);
    if (value == null) {
      return;
    }
    if (!(value instanceof List<?> list)) {
      throw new ConfigurationException("kubeconfig " + file + ": " + key + " is not a list");
    }
    for (Object item : list) {
      if (!(item instanceof Map<?, ?> raw) || !(raw.get("name") instanceof String name)) {
        throw new ConfigurationException(
            "kubeconfig " + file + ": an entry of " + key + " has no name");
      }
      if (into.containsKey(name)) {
        continue; // the first file that names an entry wins it whole
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> entry = new LinkedHashMap<>((Map<String, Object>) raw);
      Object body = entry.get(bodyKey);
      if (body instanceof Map<?, ?> bodyMap) {
        @SuppressWarnings("unchecked")
        Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) bodyMap);
        resolvePaths(bodyKey, copy, folder);
        entry.put(bodyKey, copy);
      }
      into.put(name, entry);
    }
  }

  private static void resolvePaths(String kind, Map<String, Object> body, Path folder) {
    switch (kind) {
      case "cluster" -> resolve(body, "certificate-authority", folder);
      case "user" -> {
        resolve(body, "client-certificate", folder);
        resolve(body, "client-key", folder);
        resolve(body, "tokenFile", folder);
        if (body.get("exec") instanceof Map<?, ?> exec
            && exec.get("command") instanceof String command
            && command.contains("/")) {
          @SuppressWarnings("unchecked")
          Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) exec);
          resolve(copy, "command", folder);
          body.put("exec", copy);
        }
      }
      default -> {}
    }
  }

  private static void resolve(Map<String, Object> body, String key, Path folder) {
    if (body.get(key) instanceof String path && !path.isEmpty()) {
      body.put(key, folder.resolve(path).normalize().toString());
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> body(Map<String, Object> entry, String key) {
    return entry != null && entry.get(key) instanceof Map<?, ?> map
        ? (Map<String, Object>) map
        : null;
  }

  private static String string(Object value) {
    return value instanceof String s ? s : null;
  }
}
