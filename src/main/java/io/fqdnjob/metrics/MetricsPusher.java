package io.fqdnjob.metrics;

import io.fqdnjob.kube.ConfigurationException;
import io.prometheus.metrics.exporter.pushgateway.PushGateway;
import io.prometheus.metrics.exporter.pushgateway.Scheme;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Pushes run metrics to a Prometheus Pushgateway, under job {@code fqdn-job}. */
public final class MetricsPusher {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsPusher.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final Scheme scheme;
  private final String address;
  private final Map<String, String> groupingKey;

  private MetricsPusher(Scheme scheme, String address, Map<String, String> groupingKey) {
    this.scheme = scheme;
    this.address = address;
    this.groupingKey = new TreeMap<>(groupingKey);
  }

  /**
   * Returns a pusher for {@code url} ({@code http://host:port} or {@code https://...}, with an
   * optional path prefix).
   */
  public static MetricsPusher forUrl(String url, Map<String, String> groupingKey)
      throws ConfigurationException {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new ConfigurationException("--pushgateway '" + url + "': " + e.getMessage(), e);
    }
    if (uri.getScheme() == null
        || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
        || uri.getHost() == null) {
      throw new ConfigurationException(
          "--pushgateway '" + url + "': expected http://HOST:PORT or https://HOST:PORT");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
    String address = uri.getRawAuthority() + path;
    return new MetricsPusher(
        uri.getScheme().equals("https") ? Scheme.HTTPS : Scheme.HTTP, address, groupingKey);
  }

  /**
   * Pushes {@code metrics}, replacing the series of the same names and keeping the others, so a
   * failed run leaves the last success time of the previous good run in place. A failure to push is
   * logged and does not fail the run.
   */
  public void push(RunMetrics metrics) {
    PushGateway.Builder builder =
        PushGateway.builder()
            .scheme(scheme)
            .address(address)
            .job("fqdn-job")
            .registry(metrics.registry())
            .connectionTimeout(TIMEOUT)
            .readTimeout(TIMEOUT);
    groupingKey.forEach(builder::groupingKey);
    try {
      builder.build().pushAdd();
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not push metrics to {}://{}: {}", scheme, address, e.getMessage());
    }
  }
}
