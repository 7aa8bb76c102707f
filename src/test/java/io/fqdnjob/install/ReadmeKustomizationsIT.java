package io.fqdnjob.install;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every kustomization that README.md shows with components builds as written, with the paths it
 * names pointed at this checkout: a reader who copies one gets a working install, not a kustomize
 * error.
 *
 * <p>The README writes paths as a user would: {@code ../fqdn-job/kustomize/...} (a checkout beside
 * the user's kustomization) or {@code ../../...} (a kustomization of one's own among the overlays).
 */
@ExtendWith(TestBedExtension.class)
class ReadmeKustomizationsIT {
  private static final Pattern YAML_BLOCK =
      Pattern.compile("^```yaml\\n(.*?)^```$", Pattern.MULTILINE | Pattern.DOTALL);

  @Test
  void everyKustomizationWithComponentsBuilds(TestBed bed) throws IOException {
    List<String> shown = kustomizationsWithComponents(bed.repoRoot().resolve("README.md"));
    // The options' example (loop with custom DNS) and the monitoring example.
    assertTrue(shown.size() >= 2, "README.md shows " + shown.size() + " such kustomizations");
    for (int i = 0; i < shown.size(); i++) {
      Path dir =
          Files.createDirectories(
              bed.repoRoot().resolve("target").resolve("readme-it").resolve("example-" + i));
      String kustomization = pointedAtCheckout(shown.get(i), bed.repoRoot(), dir);
      Files.writeString(dir.resolve("kustomization.yaml"), kustomization);
      List<JsonObject> objects = InstallSupport.render(bed, dir);
      String rendered = objects.toString();
      String label = "README example " + i + ":\n" + shown.get(i);
      assertAll(
          label,
          () -> assertFalse(objects.isEmpty()),
          // An example that sets the image leaves no placeholder behind.
          () ->
              assertTrue(
                  !kustomization.contains("images:") || !rendered.contains("fqdn-job.invalid"),
                  "the placeholder image is left"),
          // Exactly one workload: the loop replaces the CronJob.
          () ->
              assertEquals(
                  1,
                  objects.stream()
                      .filter(o -> o.get("kind").getAsString().matches("CronJob|Deployment"))
                      .count()));
    }
  }

  /** The README's YAML blocks that list components. */
  static List<String> kustomizationsWithComponents(Path readme) throws IOException {
    List<String> found = new ArrayList<>();
    Matcher m = YAML_BLOCK.matcher(Files.readString(readme));
    while (m.find()) {
      if (m.group(1).contains("\ncomponents:")) {
        found.add(m.group(1));
      }
    }
    return found;
  }

  /** Rewrites the example's paths to this checkout, relative to {@code dir} as kustomize wants. */
  private static String pointedAtCheckout(String example, Path repo, Path dir) {
    String toRepo = dir.relativize(repo).toString();
    return example
        .replace("../fqdn-job/", toRepo + "/")
        .replace("../../base", toRepo + "/kustomize/base")
        .replace("../../components/", toRepo + "/kustomize/components/");
  }
}
