package io.fqdnjob.kube;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Builds the API client from a kubeconfig file or the in-cluster service account. */
public final class KubeClients {
  private KubeClients() {}

  /**
   * Returns a client configured from, in order: {@code kubeconfig} when given, {@code $KUBECONFIG},
   * {@code ~/.kube/config}, then the pod's service account.
   *
   * <p>Every request is synchronous ({@code execute()}), so OkHttp's dispatcher limits, which
   * govern only {@code enqueue()}, would bound nothing and are not set. What bounds concurrency is
   * the callers: lists and gets run one after another on the run's thread, writes and Events on the
   * run's {@code --api-concurrency} threads.
   *
   * @param timeout bounds each API request as a whole (connect, send, wait, read: OkHttp's call
   *     timeout), and each of its steps; the client has no timeout of its own. {@link RawCalls}
   *     cuts it further to what is left of the run's {@link Deadline}.
   * @throws ConfigurationException when the configuration cannot be read; the message names it
   */
  public static ApiClient create(Path kubeconfig, Duration timeout) throws ConfigurationException {
    ApiClient client;
    try {
      if (kubeconfig != null) {
        client = fromFile(kubeconfig);
      } else if (System.getenv("KUBECONFIG") != null && !System.getenv("KUBECONFIG").isBlank()) {
        client =
            fromFile(Path.of(System.getenv("KUBECONFIG").split(java.io.File.pathSeparator)[0]));
      } else {
        Path home = Path.of(System.getProperty("user.home"), ".kube", "config");
        if (Files.isReadable(home)) {
          client = fromFile(home);
        } else if (System.getenv("KUBERNETES_SERVICE_HOST") != null) {
          // cluster() re-reads the rotating service-account token before it expires.
          client = ClientBuilder.cluster().build();
        } else {
          throw new ConfigurationException(
              "no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, create "
                  + home
                  + " or run in a pod");
        }
      }
    } catch (IOException e) {
      throw new ConfigurationException("cannot build the Kubernetes client: " + e.getMessage(), e);
    }
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

  private static ApiClient fromFile(Path given) throws ConfigurationException, IOException {
    // Absolute, so that files the kubeconfig names relative to itself resolve from its folder.
    Path path = given.toAbsolutePath();
    if (!Files.isReadable(path)) {
      throw new ConfigurationException("cannot read kubeconfig " + path);
    }
    KubeConfig config;
    try (Reader reader = Files.newBufferedReader(path)) {
      config = KubeConfig.loadKubeConfig(reader);
    } catch (RuntimeException e) {
      throw new ConfigurationException(
          "kubeconfig " + path + " is not valid: " + e.getMessage(), e);
    }
    config.setFile(path.toFile());
    if (config.getServer() == null) {
      throw new ConfigurationException(
          "kubeconfig " + path + " has no server for its current context");
    }
    return ClientBuilder.kubeconfig(config).build();
  }
}
