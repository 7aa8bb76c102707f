package io.fqdnjob.cli;

import io.fqdnjob.kube.ConfigurationException;
import io.fqdnjob.kube.KubeClients;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Which cluster a command talks to: {@code --kubeconfig} and {@code --context}, as kubectl. */
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

  /** Connects as these options say; each API request is bounded by {@code timeout}. */
  KubeClients.Connection connect(Duration timeout) throws ConfigurationException {
    return KubeClients.connect(kubeconfig, context, timeout);
  }
}
