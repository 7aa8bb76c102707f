package io.fqdnjob.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An install whose image was never set fails where the user looks, naming the placeholder: the
 * manifests' image cannot pull anything, on a real node whose containerd tries.
 */
@ExtendWith(TestBedExtension.class)
class PlaceholderImageIT {
  private static final String PLACEHOLDER = "fqdn-job.invalid/fqdn-job:set-the-image";
  private static final Duration WAIT = Duration.ofSeconds(90);

  private static TestBed bed;
  private static String namespace;

  @BeforeAll
  static void namespace(TestBed testBed) {
    bed = testBed;
    bed.node();
    namespace =
        "fqdn-placeholder-" + Integer.toString(new SecureRandom().nextInt(36 * 36 * 36 * 36), 36);
    bed.kubectl("create", "namespace", namespace);
    bed.kubectl("create", "serviceaccount", "fqdn-job", "-n", namespace);
  }

  @AfterAll
  static void deleteNamespace() {
    if (namespace != null) {
      bed.kubectl("delete", "namespace", namespace, "--wait=false", "--ignore-not-found");
    }
  }

  @Test
  void aCronJobWhoseImageWasNotSetFailsToPullNamingThePlaceholder() throws Exception {
    // The base's CronJob as rendered, moved into this class's namespace, suspended so that only
    // the Job started below runs.
    JsonObject cronJob =
        InstallSupport.only(
            InstallSupport.render(bed, InstallSupport.repoPath(bed, "kustomize/base")),
            "CronJob",
            "fqdn-job");
    assertEquals(
        PLACEHOLDER,
        InstallSupport.container(
                cronJob
                    .getAsJsonObject("spec")
                    .getAsJsonObject("jobTemplate")
                    .getAsJsonObject("spec")
                    .getAsJsonObject("template")
                    .getAsJsonObject("spec"))
            .get("image")
            .getAsString());
    cronJob.getAsJsonObject("metadata").addProperty("namespace", namespace);
    cronJob.getAsJsonObject("spec").addProperty("suspend", true);
    bed.kubectlWithInput(cronJob.toString(), "apply", "--server-side", "-f", "-");

    JsonObject pod = InstallSupport.podFromCronJob(bed, namespace, "image-not-set");
    String podName = pod.getAsJsonObject("metadata").get("name").getAsString();
    Instant deadline = Instant.now().plus(WAIT);
    String last = "no status yet";
    while (Instant.now().isBefore(deadline)) {
      JsonObject status =
          JsonParser.parseString(bed.kubectl("get", "pod", podName, "-n", namespace, "-o", "json"))
              .getAsJsonObject()
              .getAsJsonObject("status");
      JsonArray containers = status.getAsJsonArray("containerStatuses");
      if (containers != null && !containers.isEmpty()) {
        JsonObject state = containers.get(0).getAsJsonObject().getAsJsonObject("state");
        last = state.toString();
        JsonObject waiting = state.getAsJsonObject("waiting");
        if (waiting != null
            && List.of("ErrImagePull", "ImagePullBackOff")
                .contains(waiting.get("reason").getAsString())) {
          // What `kubectl describe pod` shows: the image it could not pull, by name.
          String events =
              bed.kubectl(
                  "get",
                  "events",
                  "-n",
                  namespace,
                  "--field-selector",
                  "involvedObject.name=" + podName,
                  "-o",
                  "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}");
          assertTrue(
              events.contains(PLACEHOLDER) || waiting.toString().contains("fqdn-job.invalid"),
              "the pull failure does not name the placeholder:\n" + waiting + "\n" + events);
          assertTrue(
              state.getAsJsonObject("running") == null, "a container runs: " + state.toString());
          return;
        }
        assertTrue(state.getAsJsonObject("running") == null, "a container runs: " + state);
      }
      Thread.sleep(500);
    }
    fail("the pod never failed to pull within " + WAIT.toSeconds() + " s; last state: " + last);
  }
}
