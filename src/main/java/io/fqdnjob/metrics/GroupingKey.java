package io.fqdnjob.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The labels that identify one process's series on the Pushgateway, besides {@code job="fqdn-job"}.
 * A push replaces the series of its own group only, so the key must tell apart everything that
 * pushes at the same time:
 *
 * <ul>
 *   <li>{@code namespace}: the namespace the job's pod runs in. One installation (the CronJob or
 *       the loop Deployment, both named {@code fqdn-job}) lives in one namespace, so two
 *       installations on one cluster (a cluster-wide one and a namespaced one, say) or two clusters
 *       pushing to one gateway from different namespaces never overwrite each other. It is read
 *       from {@code POD_NAMESPACE} when set, else from the ServiceAccount's mounted namespace file;
 *       a process outside a pod has neither and pushes without it.
 *   <li>{@code shard}: the shard index, only with {@code --shard-count} above 1, since the shards
 *       of an Indexed Job run at once and each reports on its own part.
 * </ul>
 *
 * No instance or pod name: a pod name changes with every run, so each run would leave a group
 * behind on the gateway and the last-success time of the previous run would be lost.
 */
public final class GroupingKey {
  /** Where Kubernetes mounts the namespace of the pod's ServiceAccount. */
  public static final Path SERVICE_ACCOUNT_NAMESPACE =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

  /** Environment variable that names the namespace, for a pod that sets it (Downward API). */
  public static final String NAMESPACE_VARIABLE = "POD_NAMESPACE";

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  private GroupingKey() {}

  /**
   * Returns the key for a process in {@code namespace} (or {@code null} when unknown) that handles
   * shard {@code shardIndex} of {@code shardCount}.
   */
  public static Map<String, String> of(String namespace, int shardIndex, int shardCount) {
    Map<String, String> key = new LinkedHashMap<>();
    if (namespace != null) {
      key.put("namespace", namespace);
    }
    if (shardCount > 1) {
      key.put("shard", String.valueOf(shardIndex));
    }
    return key;
  }

  /** Returns the key of this process, with the namespace of its pod if it runs in one. */
  public static Map<String, String> forThisProcess(int shardIndex, int shardCount) {
    return of(podNamespace(System.getenv(), SERVICE_ACCOUNT_NAMESPACE), shardIndex, shardCount);
  }

  /**
   * Returns the pod's namespace: {@code POD_NAMESPACE} from {@code env} when it holds a namespace
   * name, else the content of {@code serviceAccountFile}, else {@code null}.
   */
  static String podNamespace(Map<String, String> env, Path serviceAccountFile) {
    String fromEnv = env.get(NAMESPACE_VARIABLE);
    if (fromEnv != null && DNS_LABEL.matcher(fromEnv.strip()).matches()) {
      return fromEnv.strip();
    }
    try {
      String fromFile = Files.readString(serviceAccountFile, StandardCharsets.UTF_8).strip();
      return DNS_LABEL.matcher(fromFile).matches() ? fromFile : null;
    } catch (IOException | SecurityException e) {
      return null;
    }
  }
}
