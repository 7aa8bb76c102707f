package io.fqdnjob.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControllerCheckTest {
  private static final String IMAGE = "ghcr.io/konsole-is/fqdn-controller:1.0.0";
  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  @Test
  void runningControllerBlocksAndSaysHowToScaleIt() {
    List<Finding> findings =
        ControllerCheck.deployments(List.of(ControllerObjects.deployment("fqdn", 1, 1, IMAGE)));
    assertEquals(1, findings.size());
    Finding f = findings.get(0);
    assertEquals(Finding.Severity.BLOCKS, f.severity());
    assertEquals("deployment fqdn/fqdn-controller-controller-manager", f.subject());
    assertTrue(f.message().contains("Helm release fqdn-controller"), f.message());
    assertEquals(
        "kubectl scale deployment -n fqdn fqdn-controller-controller-manager --replicas=0 before"
            + " the first run of fqdn-job",
        f.fix());
  }

  @Test
  void controllerScaledToZeroIsANote() {
    Finding f =
        ControllerCheck.deployments(List.of(ControllerObjects.deployment("fqdn", 0, 0, IMAGE)))
            .get(0);
    assertEquals(Finding.Severity.NOTE, f.severity());
    assertTrue(f.fix().contains("helm uninstall fqdn-controller -n fqdn"), f.fix());
  }

  @Test
  void podsStillTerminatingBlock() {
    Finding f =
        ControllerCheck.deployments(List.of(ControllerObjects.deployment("fqdn", 0, 1, IMAGE)))
            .get(0);
    assertEquals(Finding.Severity.BLOCKS, f.severity());
    assertTrue(f.message().contains("still exist"), f.message());
  }

  @Test
  void controllerIsRecognisedByItsImageWhenItsLabelsWereChanged() {
    JsonObject renamed = ControllerObjects.deployment("ops", 1, 1, IMAGE + "@sha256:abc");
    renamed.getAsJsonObject("metadata").remove("labels");
    assertTrue(ControllerCheck.isController(renamed));
    JsonObject other =
        ControllerObjects.deployment("ops", 1, 1, "registry.local/fqdn-job/fqdn-job:1");
    other.getAsJsonObject("metadata").remove("labels");
    assertEquals(List.of(), ControllerCheck.deployments(List.of(other)));
  }

  @Test
  void imageNameDropsRegistryTagAndDigest() {
    assertEquals("fqdn-controller", ControllerCheck.imageName("fqdn-controller"));
    assertEquals("fqdn-controller", ControllerCheck.imageName("localhost:5000/fqdn-controller"));
    assertEquals(
        "fqdn-controller",
        ControllerCheck.imageName("ghcr.io/konsole.is/fqdn-controller:1.0.0@sha256:0123"));
  }

  @Test
  void leaseRenewedWithinItsDurationBlocks() {
    Finding f =
        ControllerCheck.leases(
                List.of(ControllerObjects.lease("fqdn", "pod-1_abc", NOW.minusSeconds(3))), NOW)
            .get(0);
    assertEquals(Finding.Severity.BLOCKS, f.severity());
    assertEquals("controller-lease-held", f.check());
    assertTrue(f.message().contains("pod-1_abc"), f.message());
  }

  @Test
  void expiredLeaseIsANote() {
    Finding f =
        ControllerCheck.leases(
                List.of(ControllerObjects.lease("fqdn", "pod-1_abc", NOW.minusSeconds(21))), NOW)
            .get(0);
    assertEquals(Finding.Severity.NOTE, f.severity());
    assertTrue(f.message().contains("has expired"), f.message());
  }

  @Test
  void otherLeasesAreIgnored() {
    JsonObject lease = ControllerObjects.lease("fqdn", "x", NOW);
    lease.getAsJsonObject("metadata").addProperty("name", "something-else");
    assertEquals(List.of(), ControllerCheck.leases(List.of(lease), NOW));
  }
}
