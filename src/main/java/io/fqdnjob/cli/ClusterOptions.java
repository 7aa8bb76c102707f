package io.fqdnjob.cli;

import io.fqdnjob.kube.ConfigurationException;
import io.fqdnjob.kube.KubeClients;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Which cluster a command talks to, {@code --kubeconfig} and {@code --context} as kubectl has them,
 * and how long one request to it may take, {@code --api-timeout}.
 */
final class ClusterOptions {
  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description =
          "Kubeconfig file to use, that file only. Default: $KUBECONFIG (files separated by ':',"
              + " merged as kubectl merges them), else ~/.kube/config, else the pod's service"
              + " account.")
  Path kubeconfig;

  @Option(
      names = "--context",
      paramLabel = "NAME",
      description = "The kubeconfig's context to use. Default: its current-context.")
  String context;

  @Option(
      names = "--api-timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = Durations.class,
      description = "Timeout of one API request (default: ${DEFAULT-VALUE}).")
  Duration apiTimeout;

  /** Connects as these options say; each API request is bounded by {@code --api-timeout}. */
  KubeClients.Connection connect() throws ConfigurationException {
    return KubeClients.connect(kubeconfig, context, apiTimeout);
  }
}
