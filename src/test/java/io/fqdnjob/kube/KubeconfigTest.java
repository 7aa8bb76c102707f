package io.fqdnjob.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** $KUBECONFIG lists merged the way kubectl merges them, and --context. */
class KubeconfigTest {
  @TempDir Path dir;

  private Path write(String name, String yaml) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, yaml);
    return file;
  }

  /** A file with one cluster, user and context named NAME; current-context when given. */
  private Path file(String path, String name, String server, String current) throws IOException {
    return write(
        path,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: %1$s
          cluster: {server: "%2$s", certificate-authority: certs/%1$s.crt}
        users:
        - name: %1$s
          user: {client-certificate: %1$s.crt, client-key: /keys/%1$s.key, tokenFile: token}
        contexts:
        - name: %1$s
          context: {cluster: %1$s, user: %1$s, namespace: ns-%1$s}
        %3$s
        """
            .formatted(name, server, current == null ? "" : "current-context: " + current));
  }

  /** A file with one context NAME on SERVER, without TLS verification, authenticated by token. */
  private Path plain(String path, String name, String server, String current) throws IOException {
    return write(
        path,
        """
        clusters: [{name: %1$s, cluster: {server: "%2$s", insecure-skip-tls-verify: true}}]
        users: [{name: %1$s, user: {token: t}}]
        contexts: [{name: %1$s, context: {cluster: %1$s, user: %1$s, namespace: ns-%1$s}}]
        %3$s
        """
            .formatted(name, server, current == null ? "" : "current-context: " + current));
  }

  private static String list(Path... files) {
    return String.join(
        java.io.File.pathSeparator, java.util.Arrays.stream(files).map(Path::toString).toList());
  }

  @Test
  void theFirstFileToNameAnEntryWinsItWhole() throws Exception {
    Path first = file("a/config", "shared", "https://first.example:6443", null);
    Path second = file("b/config", "shared", "https://second.example:6443", "shared");
    Kubeconfig merged = Kubeconfig.fromList(list(first, second));
    Kubeconfig.Selected selected = merged.select(null);
    assertEquals("https://first.example:6443", selected.config().getServer());
    assertEquals(List.of(first, second), merged.files());
  }

  @Test
  void currentContextComesFromTheFirstFileThatSetsIt() throws Exception {
    Path none = file("a/config", "alpha", "https://alpha.example", null);
    Path beta = file("b/config", "beta", "https://beta.example", "beta");
    Path gamma = file("c/config", "gamma", "https://gamma.example", "gamma");
    Kubeconfig merged = Kubeconfig.fromList(list(none, beta, gamma));
    assertEquals("beta", merged.currentContext());
    assertEquals(List.of("alpha", "beta", "gamma"), merged.contextNames());
    assertEquals("https://beta.example", merged.select(null).config().getServer());
    // --context picks any context of any file, with its own file's cluster and user.
    Kubeconfig.Selected alpha = merged.select("alpha");
    assertEquals("https://alpha.example", alpha.config().getServer());
    assertEquals("ns-alpha", alpha.namespace());
    assertEquals("alpha", alpha.config().getCurrentContext());
  }

  @Test
  void relativePathsResolveAgainstTheFileThatHoldsThem() throws Exception {
    Path first = file("one/config", "alpha", "https://alpha.example", "alpha");
    Path second = file("two/deeper/config", "beta", "https://beta.example", null);
    Kubeconfig merged = Kubeconfig.fromList(list(first, second));
    Kubeconfig.Selected beta = merged.select("beta");
    Path folder = second.getParent().toAbsolutePath();
    assertEquals(
        folder.resolve("certs/beta.crt").toString(), beta.config().getCertificateAuthorityFile());
    assertEquals(folder.resolve("beta.crt").toString(), beta.config().getClientCertificateFile());
    assertEquals("/keys/beta.key", beta.config().getClientKeyFile(), "absolute paths stay");
    Kubeconfig.Selected alpha = merged.select("alpha");
    assertEquals(
        first.getParent().toAbsolutePath().resolve("certs/alpha.crt").toString(),
        alpha.config().getCertificateAuthorityFile());
  }

  @Test
  void aRelativeTokenFileIsReadFromTheKubeconfigsFolder() throws Exception {
    Path config = file("creds/config", "alpha", "https://alpha.example", "alpha");
    Files.writeString(config.getParent().resolve("token"), "the-token");
    Kubeconfig.Selected alpha = Kubeconfig.fromList(config.toString()).select(null);
    assertEquals("the-token", alpha.config().getCredentials().get("token"));
  }

  @Test
  void missingFilesAreSkippedAndAListOfNoneIsAnError() throws Exception {
    Path real = file("a/config", "alpha", "https://alpha.example", "alpha");
    String missing = dir.resolve("missing/config").toString();
    Kubeconfig merged = Kubeconfig.fromList(missing + ":" + real + "::");
    assertEquals(List.of(real), merged.files());
    assertEquals("https://alpha.example", merged.select(null).config().getServer());

    ConfigurationException none =
        assertThrows(ConfigurationException.class, () -> Kubeconfig.fromList(missing));
    assertEquals("KUBECONFIG names no file that exists: " + missing, none.getMessage());
  }

  @Test
  void aFileThatExistsButIsNotYamlIsAnErrorNamingIt() throws Exception {
    Path bad = write("bad", "clusters: [unclosed");
    Path good = file("a/config", "alpha", "https://alpha.example", "alpha");
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> Kubeconfig.fromList(list(good, bad)));
    assertTrue(
        e.getMessage().startsWith("kubeconfig " + bad + " is not valid YAML"), e.getMessage());
  }

  @Test
  void aMissingContextNamesItAndListsThoseThatExist() throws Exception {
    Path first = file("a/config", "alpha", "https://alpha.example", "alpha");
    Path second = file("b/config", "beta", "https://beta.example", null);
    Kubeconfig merged = Kubeconfig.fromList(list(first, second));
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> merged.select("prod"));
    assertEquals(
        "--context 'prod' is not a context of the kubeconfig merged from "
            + first
            + ":"
            + second
            + " (contexts: alpha, beta)",
        e.getMessage());
  }

  @Test
  void noCurrentContextAsksForContext() throws Exception {
    Path only = file("a/config", "alpha", "https://alpha.example", null);
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> Kubeconfig.fromFile(only).select(null));
    assertEquals(
        "kubeconfig " + only + " sets no current-context: pass --context NAME (contexts: alpha)",
        e.getMessage());
  }

  @Test
  void aContextWhoseClusterOrUserIsNotDefinedIsAnError() throws Exception {
    Path config =
        write(
            "config",
            """
            clusters: [{name: c, cluster: {server: "https://c.example"}}]
            contexts:
            - {name: no-cluster, context: {cluster: d, user: u}}
            - {name: no-user, context: {cluster: c, user: nobody}}
            """);
    Kubeconfig kubeconfig = Kubeconfig.fromFile(config);
    assertEquals(
        "context 'no-cluster' of kubeconfig " + config + " names cluster 'd', which is not defined",
        assertThrows(ConfigurationException.class, () -> kubeconfig.select("no-cluster"))
            .getMessage());
    assertEquals(
        "context 'no-user' of kubeconfig " + config + " names user 'nobody', which is not defined",
        assertThrows(ConfigurationException.class, () -> kubeconfig.select("no-user"))
            .getMessage());
  }

  @Test
  void anExplicitKubeconfigIsThatFileOnlyAndMustExist() throws Exception {
    Path explicit = plain("explicit/config", "alpha", "https://127.0.0.1:9", "alpha");
    Path other = plain("other/config", "beta", "https://127.0.0.1:8", "beta");
    Path home = dir.resolve("home/.kube/config");
    // KUBECONFIG set to another file: --kubeconfig still reads its file only.
    KubeClients.Connection connection =
        KubeClients.connect(explicit, null, Duration.ofSeconds(1), other.toString(), home, true);
    assertFalse(connection.inCluster(), "a kubeconfig was used");
    assertEquals("https://127.0.0.1:9", connection.client().getBasePath());
    assertEquals("ns-alpha", connection.contextNamespace());
    assertEquals("kubeconfig " + explicit + ", context alpha", connection.source());
    assertThrows(
        ConfigurationException.class,
        () ->
            KubeClients.connect(
                explicit, "beta", Duration.ofSeconds(1), other.toString(), home, true));

    ConfigurationException missing =
        assertThrows(
            ConfigurationException.class,
            () ->
                KubeClients.connect(
                    dir.resolve("nope"), null, Duration.ofSeconds(1), null, home, false));
    assertTrue(missing.getMessage().contains(dir.resolve("nope").toString()), missing.getMessage());
  }

  @Test
  void theListIsUsedWhenNoFileIsGiven() throws Exception {
    Path first = plain("a/config", "alpha", "https://127.0.0.1:9", null);
    Path second = plain("b/config", "beta", "https://127.0.0.1:8", "beta");
    KubeClients.Connection connection =
        KubeClients.connect(
            null, "alpha", Duration.ofSeconds(1), list(first, second), dir.resolve("none"), true);
    assertEquals("https://127.0.0.1:9", connection.client().getBasePath());
    assertFalse(connection.inCluster());
  }

  @Test
  void withNoKubeconfigInAPodContextIsAnError() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                KubeClients.connect(
                    null, "prod", Duration.ofSeconds(1), null, dir.resolve("none"), true));
    assertTrue(
        e.getMessage().startsWith("--context prod: no kubeconfig to take it from"), e.getMessage());
  }

  @Test
  void aCertificateFileThatIsMissingIsNamedWithItsResolvedPath() throws Exception {
    Path config = file("x/config", "alpha", "https://127.0.0.1:9", "alpha");
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> KubeClients.connect(config, null, Duration.ofSeconds(1), null, config, false));
    assertTrue(
        e.getMessage()
            .endsWith(
                ": cannot read "
                    + config.getParent().toAbsolutePath().resolve("certs/alpha.crt")
                    + ": no such file"),
        e.getMessage());
  }
}
