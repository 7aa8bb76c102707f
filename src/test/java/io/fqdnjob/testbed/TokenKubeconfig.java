package io.fqdnjob.testbed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a kubeconfig that reaches the bed's API server with a bearer token and nothing else, the
 * way a pod's ServiceAccount does: a job run with it has exactly the token's rights.
 *
 * <pre>{@code
 * Path kubeconfig = TokenKubeconfig.write(bed, bed.mintToken("ns", "sa"), dir.resolve("sa.yaml"));
 * new JobProcess(bed).runWith(kubeconfig, "--namespace", "ns");
 * }</pre>
 */
public final class TokenKubeconfig {
  private TokenKubeconfig() {}

  /**
   * Writes the kubeconfig to {@code file} (readable by its owner only) and returns its absolute
   * path. The CA certificate is referenced by its absolute path.
   */
  public static Path write(TestBed bed, String token, Path file) {
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters:
          - name: bed
            cluster:
              server: %s
              certificate-authority: %s
        users:
          - name: token
            user:
              token: %s
        contexts:
          - name: bed
            context:
              cluster: bed
              user: token
        current-context: bed
        """
            .formatted(bed.apiServerUrl(), bed.caCertificate().toAbsolutePath().toString(), token);
    Path absolute = file.toAbsolutePath();
    try {
      Files.createDirectories(absolute.getParent());
      Files.writeString(absolute, yaml);
      Files.setPosixFilePermissions(absolute, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new TestBedException("could not write kubeconfig " + absolute, e);
    }
    return absolute;
  }
}
