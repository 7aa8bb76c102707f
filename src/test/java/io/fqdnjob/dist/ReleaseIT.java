package io.fqdnjob.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.testbed.Command;
import io.fqdnjob.testbed.Command.Result;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/release.sh} as a maintainer runs it: on a clean clone of the tested commit, with
 * {@code --verify-reproducible} (two image builds from two copies of the commit must give one
 * digest), then the bundle as a platform team takes it: the checksums, the archive's OCI layout and
 * {@code docker save} form, its labels, layers and SBOM, the manifests pinned by digest, and the
 * archive taken in by skopeo and crane (into a registry on loopback), by the node's containerd
 * ({@code ctr images import}, in a namespace of this class) and by {@code docker load} (a private
 * daemon of this class). And the refusals: a dirty work tree, a bad version, a non-empty DIR. Needs
 * root (chroot, the Docker daemon) and the bed's node.
 */
@ExtendWith(TestBedExtension.class)
class ReleaseIT {
  private static final Duration RELEASE_TIMEOUT = Duration.ofMinutes(20);
  private static final Duration TIMEOUT = Duration.ofMinutes(3);
  private static final String VERSION = "1.2.3-rc.1";
  private static final String REPOSITORY = "registry.example/platform/fqdn-job";
  private static final String SOURCE = "https://example.invalid/fqdn-job.git";
  private static final String ARCHIVE = "fqdn-job-" + VERSION + ".oci.tar";
  private static final Pattern SERVING = Pattern.compile("serving on port (\\d+)");

  @TempDir static Path temp;

  private static Path root;
  private static Path clone;
  private static Path bundle;
  private static Path layout;
  private static Path rootfs;
  private static String digest;
  private static String revision;
  private static long epoch;
  private static String releaseLog;

  @BeforeAll
  static void release() throws Exception {
    String projectDir = System.getenv("FQDN_PROJECT_DIR");
    root = Path.of(projectDir != null ? projectDir : System.getProperty("user.dir"));
    clone = temp.resolve("repo");
    Result cloned = run(Map.of(), temp, TIMEOUT, "git", "clone", "-q", root.toString(), "repo");
    assertEquals(0, cloned.exitCode(), cloned.toString());
    revision = git("rev-parse", "HEAD");
    epoch = Long.parseLong(git("log", "-1", "--format=%ct"));

    bundle = temp.resolve("bundle");
    long started = System.nanoTime();
    Result result =
        run(
            Map.of(),
            clone,
            RELEASE_TIMEOUT,
            "scripts/release.sh",
            "--verify-reproducible",
            "--repository",
            REPOSITORY,
            "--source",
            SOURCE,
            VERSION,
            bundle.toString());
    releaseLog = result.toString();
    assertEquals(0, result.exitCode(), releaseLog);
    System.out.printf(
        "ReleaseIT: release.sh --verify-reproducible took %d s%n",
        Duration.ofNanos(System.nanoTime() - started).toSeconds());
    List<String> lines = result.stdout().lines().toList();
    digest = lines.get(lines.size() - 1);
    assertTrue(digest.matches("sha256:[0-9a-f]{64}"), releaseLog);

    layout = temp.resolve("layout");
    Files.createDirectories(layout);
    Result unpacked =
        run(
            Map.of(),
            temp,
            TIMEOUT,
            "tar",
            "-xf",
            bundle.resolve(ARCHIVE).toString(),
            "-C",
            "layout");
    assertEquals(0, unpacked.exitCode(), unpacked.toString());
    rootfs = temp.resolve("rootfs");
    Files.createDirectories(rootfs);
    for (JsonElement layer : manifest().getAsJsonArray("layers")) {
      Path blob = blob(layer.getAsJsonObject().get("digest").getAsString());
      Result layerUnpacked =
          run(Map.of(), temp, TIMEOUT, "tar", "-xzf", blob.toString(), "-C", rootfs.toString());
      assertEquals(0, layerUnpacked.exitCode(), layerUnpacked.toString());
    }
  }

  @Test
  void bothBuildsGaveOneDigest() {
    assertTrue(releaseLog.contains("reproducible: both builds gave " + digest), releaseLog);
  }

  @Test
  void bundleHoldsTheArchiveSbomManifestsLicenseAndChecksums() throws Exception {
    TreeSet<String> expected = new TreeSet<>(List.of(ARCHIVE, "sbom.cyclonedx.json", "LICENSE"));
    expected.add("manifests/base.yaml");
    try (Stream<Path> overlays = Files.list(clone.resolve("kustomize/overlays"))) {
      overlays
          .filter(d -> Files.exists(d.resolve("kustomization.yaml")))
          .forEach(d -> expected.add("manifests/" + d.getFileName() + ".yaml"));
    }
    assertTrue(expected.size() > 2, expected.toString());
    TreeSet<String> checked = new TreeSet<>();
    for (String line : Files.readAllLines(bundle.resolve("SHA256SUMS"))) {
      String[] fields = line.split(" {2}", 2);
      assertEquals(2, fields.length, line);
      assertEquals(sha256(bundle.resolve(fields[1])), fields[0], line);
      checked.add(fields[1]);
    }
    assertEquals(expected, checked);
    expected.add("SHA256SUMS");
    try (Stream<Path> files = Files.walk(bundle)) {
      assertEquals(
          expected,
          files
              .filter(Files::isRegularFile)
              .map(f -> bundle.relativize(f).toString())
              .collect(Collectors.toCollection(TreeSet::new)));
    }
    assertEquals(
        Files.readString(root.resolve("LICENSE")), Files.readString(bundle.resolve("LICENSE")));
    assertTrue(Files.readString(bundle.resolve("LICENSE")).contains("Apache License"));
  }

  @Test
  void archiveIsAnOciLayoutAndADockerArchive() throws Exception {
    assertEquals(
        "1.0.0", json(layout.resolve("oci-layout")).get("imageLayoutVersion").getAsString());
    JsonObject index = json(layout.resolve("index.json"));
    JsonArray manifests = index.getAsJsonArray("manifests");
    assertEquals(1, manifests.size(), index.toString());
    JsonObject descriptor = manifests.get(0).getAsJsonObject();
    assertEquals(digest, descriptor.get("digest").getAsString());
    assertEquals(
        "application/vnd.oci.image.manifest.v1+json", descriptor.get("mediaType").getAsString());
    assertEquals(
        REPOSITORY + ":" + VERSION,
        descriptor
            .getAsJsonObject("annotations")
            .get("org.opencontainers.image.ref.name")
            .getAsString());
    assertEquals(Files.size(blob(digest)), descriptor.get("size").getAsLong());

    // Every blob is named by its digest; the manifest's config and layers are there, of their
    // size.
    try (Stream<Path> blobs = Files.list(layout.resolve("blobs/sha256"))) {
      for (Path blob : blobs.toList()) {
        assertEquals(blob.getFileName().toString(), sha256(blob), blob.toString());
      }
    }
    JsonObject manifest = manifest();
    List<String> layers = new ArrayList<>();
    for (JsonElement layer : manifest.getAsJsonArray("layers")) {
      JsonObject l = layer.getAsJsonObject();
      assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", l.get("mediaType").getAsString());
      assertEquals(Files.size(blob(l.get("digest").getAsString())), l.get("size").getAsLong());
      layers.add("blobs/sha256/" + l.get("digest").getAsString().substring(7));
    }
    assertEquals(3, layers.size(), manifest.toString());
    JsonObject config = manifest.getAsJsonObject("config");
    assertEquals(
        Files.size(blob(config.get("digest").getAsString())), config.get("size").getAsLong());

    // docker load reads manifest.json: the same config and layers.
    JsonArray docker =
        JsonParser.parseString(Files.readString(layout.resolve("manifest.json"))).getAsJsonArray();
    assertEquals(1, docker.size());
    JsonObject entry = docker.get(0).getAsJsonObject();
    assertEquals(
        "blobs/sha256/" + config.get("digest").getAsString().substring(7),
        entry.get("Config").getAsString());
    assertEquals(layers, strings(entry.getAsJsonArray("Layers")));
    assertEquals(List.of(REPOSITORY + ":" + VERSION), strings(entry.getAsJsonArray("RepoTags")));
  }

  @Test
  void labelsAndAnnotationsNameTheRelease() throws Exception {
    String created = DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(epoch));
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("org.opencontainers.image.source", SOURCE);
    expected.put("org.opencontainers.image.version", VERSION);
    expected.put("org.opencontainers.image.revision", revision);
    expected.put("org.opencontainers.image.licenses", "Apache-2.0");
    expected.put("org.opencontainers.image.created", created);
    JsonObject config = config();
    JsonObject labels = config.getAsJsonObject("config").getAsJsonObject("Labels");
    JsonObject annotations = manifest().getAsJsonObject("annotations");
    for (Map.Entry<String, String> e : expected.entrySet()) {
      assertEquals(e.getValue(), labels.get(e.getKey()).getAsString(), "label " + e.getKey());
      assertEquals(
          e.getValue(), annotations.get(e.getKey()).getAsString(), "annotation " + e.getKey());
    }
    assertEquals(created, config.get("created").getAsString());
    assertEquals("65532:65532", config.getAsJsonObject("config").get("User").getAsString());
    assertEquals("amd64", config.get("architecture").getAsString());
  }

  @Test
  void everyFileIsOwnedByRootAndHasTheCommitsTime() throws Exception {
    String time =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC)
            .format(Instant.ofEpochSecond(epoch));
    Set<String> paths = new TreeSet<>();
    for (JsonElement layer : manifest().getAsJsonArray("layers")) {
      Path blob = blob(layer.getAsJsonObject().get("digest").getAsString());
      Result listing =
          run(
              Map.of("TZ", "UTC"),
              temp,
              TIMEOUT,
              "tar",
              "--numeric-owner",
              "--full-time",
              "-tvzf",
              blob.toString());
      assertEquals(0, listing.exitCode(), listing.toString());
      for (String line : listing.stdout().lines().toList()) {
        String[] fields = line.split("\\s+", 6);
        assertEquals("0/0", fields[1], line);
        assertEquals(time, fields[3] + " " + fields[4], line);
        paths.add(fields[5].replaceFirst(" -> .*", ""));
      }
    }
    for (String path :
        List.of(
            "opt/fqdn-job/bin/fqdn-job",
            "opt/java/bin/java",
            "opt/java/release",
            "bin/sh",
            "usr/share/doc/fqdn-job/LICENSE",
            "usr/share/doc/libc6/copyright",
            "var/lib/dpkg/status.d/libc6",
            "tmp/")) {
      assertTrue(paths.contains(path), path + " in the image");
    }
    assertFalse(paths.contains("opt/fqdn-job/lib/fqdn-job.aot"), "no AOT cache");
  }

  @Test
  void imageRunsTheReleasedVersion() throws Exception {
    // As the image's user, with its environment, in a chroot with a /proc of its own (the dynamic
    // loader finds the runtime's libraries through /proc/self/exe).
    Files.createDirectories(rootfs.resolve("proc"));
    JsonObject config = config().getAsJsonObject("config");
    List<String> command = new ArrayList<>(List.of("env", "-i"));
    command.addAll(strings(config.getAsJsonArray("Env")));
    command.addAll(
        List.of(
            which("unshare"),
            "--fork",
            "--pid",
            "--mount",
            "--mount-proc=" + rootfs.resolve("proc"),
            which("chroot"),
            "--userspec=" + config.get("User").getAsString(),
            rootfs.toString()));
    command.addAll(strings(config.getAsJsonArray("Entrypoint")));
    command.add("--version");
    Result result = run(Map.of(), temp, TIMEOUT, command.toArray(String[]::new));
    assertEquals(0, result.exitCode(), result.toString());
    assertEquals(
        "fqdn-job " + VERSION + "\nJava " + release("JAVA_RUNTIME_VERSION") + "\n",
        result.stdout(),
        result.toString());
  }

  @Test
  void sbomListsTheJarsTheRuntimeAndTheDebianPackagesOfTheImage() throws Exception {
    JsonObject sbom = json(bundle.resolve("sbom.cyclonedx.json"));
    assertEquals("CycloneDX", sbom.get("bomFormat").getAsString());
    JsonObject image = sbom.getAsJsonObject("metadata").getAsJsonObject("component");
    assertEquals("container", image.get("type").getAsString());
    assertEquals(VERSION, image.get("version").getAsString());
    assertEquals(
        digest.substring(7),
        image.getAsJsonArray("hashes").get(0).getAsJsonObject().get("content").getAsString());

    TreeSet<String> jars = new TreeSet<>();
    String runtime = null;
    Map<String, String> debs = new LinkedHashMap<>();
    for (JsonElement element : sbom.getAsJsonArray("components")) {
      JsonObject c = element.getAsJsonObject();
      String purl = c.has("purl") ? c.get("purl").getAsString() : "";
      String name = c.get("name").getAsString();
      String version = c.get("version").getAsString();
      if (purl.startsWith("pkg:maven/")) {
        jars.add(name + "-" + version + ".jar");
      } else if (purl.startsWith("pkg:deb/debian/")) {
        debs.put(name, version);
      } else if ("platform".equals(c.get("type").getAsString())) {
        runtime = version;
      }
    }
    try (Stream<Path> files = Files.list(rootfs.resolve("opt/fqdn-job/lib"))) {
      assertEquals(
          files
              .map(f -> f.getFileName().toString())
              .filter(n -> n.endsWith(".jar"))
              .collect(Collectors.toCollection(TreeSet::new)),
          jars);
    }
    assertTrue(jars.contains("fqdn-job-" + VERSION + ".jar"), jars.toString());
    assertEquals(release("JAVA_RUNTIME_VERSION"), runtime);
    Map<String, String> installed = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(rootfs.resolve("var/lib/dpkg/status.d"))) {
      for (Path file : files.sorted().toList()) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
          int colon = line.indexOf(": ");
          if (colon > 0 && !line.startsWith(" ")) {
            fields.put(line.substring(0, colon), line.substring(colon + 2));
          }
        }
        installed.put(fields.get("Package"), fields.get("Version"));
      }
    }
    assertFalse(installed.isEmpty());
    assertEquals(new TreeMap<>(installed), new TreeMap<>(debs));
    System.out.printf(
        "ReleaseIT: SBOM of %d components (%d jars, the runtime %s, %d Debian packages)%n",
        sbom.getAsJsonArray("components").size(), jars.size(), runtime, debs.size());
  }

  @Test
  void manifestsNameTheImageByDigestAndNoPlaceholder() throws Exception {
    try (Stream<Path> files = Files.list(bundle.resolve("manifests"))) {
      for (Path file : files.toList()) {
        String text = Files.readString(file);
        assertTrue(text.contains("image: " + REPOSITORY + "@" + digest + "\n"), file.toString());
        assertFalse(text.contains("fqdn-job.invalid"), file.toString());
        assertFalse(text.contains("ghcr.io/fqdn-job"), file.toString());
        for (String line : text.lines().toList()) {
          if (line.strip().startsWith("image: ") && line.contains("fqdn-job")) {
            assertTrue(line.contains("@sha256:"), file + ": " + line);
          }
        }
      }
    }
  }

  @Test
  void skopeoAndCraneCopyItIntoARegistryKeepingTheDigest() throws Exception {
    Result tools = run(Map.of(), clone, Duration.ofMinutes(10), "scripts/lib/release-tools.sh");
    assertEquals(0, tools.exitCode(), tools.toString());
    List<String> paths = tools.stdout().lines().toList();
    String crane = paths.get(0);
    String skopeo = paths.get(1);
    // A port of the kernel's choice on loopback, which crane names in its first line.
    Process server =
        new ProcessBuilder(crane, "registry", "serve", "--address", "127.0.0.1:0")
            .redirectErrorStream(true)
            .start();
    String registry = "127.0.0.1:" + servingPort(server);
    try {
      Result copied =
          run(
              Map.of(),
              temp,
              TIMEOUT,
              skopeo,
              "copy",
              "--dest-tls-verify=false",
              "oci-archive:" + bundle.resolve(ARCHIVE),
              "docker://" + registry + "/fqdn-job:skopeo");
      assertEquals(0, copied.exitCode(), copied.toString());
      assertEquals(digest, craneDigest(crane, registry + "/fqdn-job:skopeo"));

      // crane pushes the OCI layout, unpacked, as it is; the archive as a docker save archive,
      // which it turns into a Docker manifest of another digest.
      Result pushed =
          run(
              Map.of(),
              temp,
              TIMEOUT,
              crane,
              "push",
              "--insecure",
              layout.toString(),
              registry + "/fqdn-job:crane");
      assertEquals(0, pushed.exitCode(), pushed.toString());
      assertEquals(digest, craneDigest(crane, registry + "/fqdn-job:crane"));
      Result pushedArchive =
          run(
              Map.of(),
              temp,
              TIMEOUT,
              crane,
              "push",
              "--insecure",
              bundle.resolve(ARCHIVE).toString(),
              registry + "/fqdn-job:archive");
      assertEquals(0, pushedArchive.exitCode(), pushedArchive.toString());
      Result pulledConfig =
          run(
              Map.of(),
              temp,
              TIMEOUT,
              crane,
              "config",
              "--insecure",
              registry + "/fqdn-job:archive");
      assertEquals(0, pulledConfig.exitCode(), pulledConfig.toString());
      assertEquals(config(), JsonParser.parseString(pulledConfig.stdout()).getAsJsonObject());
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void containerdImportsItUnderItsNameAndDigest(TestBed bed) throws Exception {
    String socket = bed.node().containerdSocket().toString();
    String namespace = "fqdn-release-it-" + UUID.randomUUID().toString().substring(0, 8);
    try {
      Result imported =
          run(
              Map.of(),
              temp,
              TIMEOUT,
              "ctr",
              "--address",
              socket,
              "-n",
              namespace,
              "images",
              "import",
              bundle.resolve(ARCHIVE).toString());
      assertEquals(0, imported.exitCode(), imported.toString());
      Result listed =
          run(Map.of(), temp, TIMEOUT, "ctr", "--address", socket, "-n", namespace, "images", "ls");
      assertEquals(0, listed.exitCode(), listed.toString());
      assertTrue(
          listed
              .stdout()
              .lines()
              .anyMatch(l -> l.startsWith(REPOSITORY + ":" + VERSION + " ") && l.contains(digest)),
          listed.toString());
    } finally {
      removeNamespace(socket, namespace);
    }
  }

  @Test
  void dockerLoadsIt() throws Exception {
    Path dockerd = clone.resolve("scripts/lib/dockerd.sh");
    Map<String, String> env =
        Map.of(
            "FQDN_CACHE_DIR", temp.resolve("docker-cache").toString(),
            "FQDN_DOCKERD_RUN_DIR", temp.resolve("docker-run").toString(),
            "DOCKER_CONFIG", temp.resolve("docker-client").toString());
    Result started = run(env, temp, TIMEOUT, dockerd.toString(), "start");
    try {
      assertEquals(0, started.exitCode(), started.toString());
      Map<String, String> client = new LinkedHashMap<>(env);
      client.put("DOCKER_HOST", "unix://" + temp.resolve("docker-run/docker.sock"));
      Result loaded =
          run(client, temp, TIMEOUT, "docker", "load", "-i", bundle.resolve(ARCHIVE).toString());
      assertEquals(0, loaded.exitCode(), loaded.toString());
      assertTrue(
          loaded.stdout().contains("Loaded image: " + REPOSITORY + ":" + VERSION),
          loaded.toString());
      Result version =
          run(
              client,
              temp,
              TIMEOUT,
              "docker",
              "run",
              "--rm",
              "--network=none",
              REPOSITORY + ":" + VERSION,
              "--version");
      assertEquals(0, version.exitCode(), version.toString());
      assertTrue(version.stdout().startsWith("fqdn-job " + VERSION + "\n"), version.toString());
    } finally {
      run(env, temp, TIMEOUT, dockerd.toString(), "stop");
    }
  }

  @Test
  void aDirtyWorkTreeIsRefused() throws Exception {
    Path stray = clone.resolve("notes.txt");
    Files.writeString(stray, "not committed\n");
    try {
      Path dir = temp.resolve("dirty-bundle");
      Result result =
          run(
              Map.of(),
              clone,
              TIMEOUT,
              "scripts/release.sh",
              "--source",
              SOURCE,
              "1.0.0",
              dir.toString());
      assertEquals(2, result.exitCode(), result.toString());
      assertTrue(result.stderr().contains("the work tree has changes"), result.toString());
      assertTrue(result.stderr().contains("notes.txt"), result.toString());
      assertFalse(Files.exists(dir), "nothing written");
    } finally {
      Files.delete(stray);
    }
    Files.writeString(clone.resolve("pom.xml"), "\n", java.nio.file.StandardOpenOption.APPEND);
    try {
      Result result =
          run(
              Map.of(),
              clone,
              TIMEOUT,
              "scripts/release.sh",
              "--source",
              SOURCE,
              "1.0.0",
              temp.resolve("d2").toString());
      assertEquals(2, result.exitCode(), result.toString());
      assertTrue(result.stderr().contains("M pom.xml"), result.toString());
    } finally {
      assertEquals(0, run(Map.of(), clone, TIMEOUT, "git", "checkout", "pom.xml").exitCode());
    }
  }

  @Test
  void aMissingOrMalformedVersionIsRefused() {
    Result missing = run(Map.of(), clone, TIMEOUT, "scripts/release.sh", "--source", SOURCE);
    assertEquals(2, missing.exitCode(), missing.toString());
    assertTrue(missing.stderr().contains("no VERSION given"), missing.toString());
    for (String version : List.of("1.2", "v1.2.3", "1.2.3+build.5", "01.2.3", "latest", "")) {
      Result result =
          run(
              Map.of(),
              clone,
              TIMEOUT,
              "scripts/release.sh",
              "--source",
              SOURCE,
              version,
              temp.resolve("v").toString());
      assertEquals(2, result.exitCode(), version + ": " + result);
      assertTrue(result.stderr().contains("is not a semantic version"), version + ": " + result);
    }
    assertFalse(Files.exists(temp.resolve("v")), "nothing written");
  }

  @Test
  void aDirThatIsNotEmptyIsRefused() {
    Result result =
        run(
            Map.of(),
            clone,
            TIMEOUT,
            "scripts/release.sh",
            "--source",
            SOURCE,
            "1.0.0",
            bundle.toString());
    assertEquals(2, result.exitCode(), result.toString());
    assertTrue(result.stderr().contains("is not empty"), result.toString());
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static String git(String... args) {
    List<String> command = new ArrayList<>(List.of("git", "-C", clone.toString()));
    command.addAll(List.of(args));
    Result result = run(Map.of(), temp, TIMEOUT, command.toArray(String[]::new));
    assertEquals(0, result.exitCode(), result.toString());
    return result.stdout().strip();
  }

  private static Path blob(String digest) {
    return layout.resolve("blobs/sha256/" + digest.substring("sha256:".length()));
  }

  private static JsonObject manifest() throws IOException {
    return json(blob(digest));
  }

  private static JsonObject config() throws IOException {
    return json(blob(manifest().getAsJsonObject("config").get("digest").getAsString()));
  }

  private static JsonObject json(Path file) throws IOException {
    return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
  }

  private static List<String> strings(JsonArray array) {
    List<String> list = new ArrayList<>();
    array.forEach(e -> list.add(e.getAsString()));
    return list;
  }

  /** A field of the image's /opt/java/release. */
  private static String release(String field) throws IOException {
    for (String line : Files.readAllLines(rootfs.resolve("opt/java/release"))) {
      if (line.startsWith(field + "=")) {
        return line.substring(field.length() + 1).replace("\"", "");
      }
    }
    throw new AssertionError("no " + field + " in the image's /opt/java/release");
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        sha.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** The path of a program on this JVM's PATH or in /usr/sbin and /sbin. */
  private static String which(String program) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
    for (String folder : path.split(":")) {
      Path candidate = Path.of(folder.isEmpty() ? "." : folder, program);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new AssertionError(program + " not found on " + path);
  }

  private static String craneDigest(String crane, String reference) {
    Result result = run(Map.of(), temp, TIMEOUT, crane, "digest", "--insecure", reference);
    assertEquals(0, result.exitCode(), result.toString());
    return result.stdout().strip();
  }

  /**
   * The port in crane's line "serving on port N"; then a thread drains the rest of its output (one
   * line a request), so that it never blocks on a full pipe.
   */
  private static int servingPort(Process server) throws IOException {
    BufferedReader reader =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line; (line = reader.readLine()) != null; ) {
      seen.append(line).append('\n');
      Matcher m = SERVING.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> drain(reader));
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("crane registry serve ended without serving: " + seen);
  }

  private static void drain(BufferedReader reader) {
    try {
      reader.transferTo(Writer.nullWriter());
    } catch (IOException e) {
      // the registry stopped
    }
  }

  /** Removes the images, content and snapshots of a containerd namespace, then the namespace. */
  private static void removeNamespace(String socket, String namespace) {
    String[] ctr = {"ctr", "--address", socket, "-n", namespace};
    for (String image : lines(ctr, "images", "ls", "-q")) {
      run(Map.of(), temp, TIMEOUT, concat(ctr, "images", "rm", image));
    }
    for (String blob : lines(ctr, "content", "ls", "-q")) {
      run(Map.of(), temp, TIMEOUT, concat(ctr, "content", "rm", blob));
    }
    // Snapshots go from the top down: each round removes those that are no parent.
    for (int round = 0; round < 10; round++) {
      List<String> snapshots = lines(ctr, "snapshots", "ls");
      if (snapshots.size() <= 1) {
        break;
      }
      for (String line : snapshots.subList(1, snapshots.size())) {
        run(Map.of(), temp, TIMEOUT, concat(ctr, "snapshots", "rm", line.split("\\s+")[0]));
      }
    }
    Result removed =
        run(Map.of(), temp, TIMEOUT, "ctr", "--address", socket, "namespaces", "rm", namespace);
    assertEquals(0, removed.exitCode(), removed.toString());
  }

  private static List<String> lines(String[] prefix, String... args) {
    Result result = run(Map.of(), temp, TIMEOUT, concat(prefix, args));
    assertEquals(0, result.exitCode(), result.toString());
    return result.stdout().lines().filter(l -> !l.isBlank()).toList();
  }

  private static String[] concat(String[] prefix, String... args) {
    List<String> all = new ArrayList<>(List.of(prefix));
    all.addAll(List.of(args));
    return all.toArray(String[]::new);
  }

  private static Result run(
      Map<String, String> env, Path cwd, Duration timeout, String... command) {
    return Command.run(List.of(command), env, cwd, null, timeout);
  }
}
