package io.fqdnjob.kube;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Builds the API client from a kubeconfig file or the in-cluster service account. */
public final class KubeClients {
  private KubeClients() {}

  /**
   * Where the client's configuration came from.
   *
   * @param client the client, with the timeouts set
   * @param inCluster whether it is the pod's service account (no kubeconfig was used)
   * @param source what was used, for messages: "kubeconfig FILE, context NAME" or "the pod's
   *     service account"
   * @param contextNamespace the namespace the kubeconfig's context sets, or null
   */
  public record Connection(
      ApiClient client, boolean inCluster, String source, String contextNamespace) {}

  /**
   * Returns a client as {@link #connect} does, from the current context.
   *
   * @throws ConfigurationException when the configuration cannot be read; the message names it
   */
  public static ApiClient create(Path kubeconfig, Duration timeout) throws ConfigurationException {
    return connect(kubeconfig, null, timeout).client();
  }

  /**
   * Returns a client configured from, in order: {@code kubeconfig} when given (that file only),
   * {@code $KUBECONFIG} (a list of files merged as kubectl merges them, see {@link Kubeconfig}),
   * {@code ~/.kube/config}, then the pod's service account.
   *
   * <p>Every request is synchronous ({@code execute()}), so OkHttp's dispatcher limits, which
   * govern only {@code enqueue()}, would bound nothing and are not set. What bounds concurrency is
   * the callers: lists and gets run one after another on the run's thread, writes and Events on the
   * run's {@code --api-concurrency} threads.
   *
   * @param context the kubeconfig's context to use ({@code --context}), or null for its current
   *     context; with no kubeconfig to choose from it is an error
   * @param timeout bounds each API request as a whole (connect, send, wait, read: OkHttp's call
   *     timeout), and each of its steps; the client has no timeout of its own. {@link RawCalls}
   *     cuts it further to what is left of the run's {@link Deadline}.
   * @throws ConfigurationException when the configuration cannot be read, or the context is not in
   *     it; the message names it
   */
  public static Connection connect(Path kubeconfig, String context, Duration timeout)
      throws ConfigurationException {
    return connect(
        kubeconfig,
        context,
        timeout,
        System.getenv("KUBECONFIG"),
        Path.of(System.getProperty("user.home"), ".kube", "config"),
        System.getenv("KUBERNETES_SERVICE_HOST") != null);
  }

  static Connection connect(
      Path kubeconfig,
      String context,
      Duration timeout,
      String kubeconfigVariable,
      Path home,
      boolean podEnvironment)
      throws ConfigurationException {
    Kubeconfig config;
    if (kubeconfig != null) {
      config = Kubeconfig.fromFile(kubeconfig);
    } else if (kubeconfigVariable != null && !kubeconfigVariable.isBlank()) {
      config = Kubeconfig.fromList(kubeconfigVariable);
    } else if (Files.isReadable(home)) {
      config = Kubeconfig.fromFile(home);
    } else if (podEnvironment) {
      if (context != null) {
        throw new ConfigurationException(
            "--context "
                + context
                + ": no kubeconfig to take it from (no --kubeconfig, no KUBECONFIG, no "
                + home
                + "); in a pod the job uses its service account");
      }
      ApiClient client;
      try {
        // cluster() re-reads the rotating service-account token before it expires.
        client = ClientBuilder.cluster().build();
      } catch (IOException e) {
        throw new ConfigurationException(
            "cannot build the Kubernetes client from the pod's service account: " + e.getMessage(),
            e);
      }
      return new Connection(withTimeouts(client, timeout), true, "the pod's service account", null);
    } else {
      throw new ConfigurationException(
          "no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, create "
              + home
              + " or run in a pod");
    }
    Kubeconfig.Selected selected = config.select(context);
    ApiClient client;
    try {
      client = ClientBuilder.kubeconfig(selected.config()).build();
    } catch (IOException | RuntimeException e) {
      throw new ConfigurationException(
          "cannot build the Kubernetes client from context '"
              + selected.context()
              + "' of "
              + config.describe()
              + ": "
              + (e instanceof java.nio.file.NoSuchFileException missing
                  ? "cannot read " + missing.getFile() + ": no such file"
                  : e.getMessage()),
          e);
    }
    return new Connection(
        withTimeouts(client, timeout),
        false,
        config.describe() + ", context " + selected.context(),
        selected.namespace());
  }

  private static ApiClient withTimeouts(ApiClient client, Duration timeout) {
    client.setHttpClient(
        client
            .getHttpClient()
            .newBuilder()
            .addInterceptor(new FirstRequestLog())
            .callTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .connectTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .readTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .writeTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .build());
    return client;
  }
}
