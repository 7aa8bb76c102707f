package io.fqdnjob.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.model.ResourceId;
import org.junit.jupiter.api.Test;

class EventRecorderTest {
  private static final ResourceId ID = new ResourceId("shop", "api-egress");

  @Test
  void theSameDecisionFromTheSameStateHasTheSameName() {
    String name = EventRecorder.eventName(ID, "u-1", "41/none", "Created");
    assertEquals(name, EventRecorder.eventName(ID, "u-1", "41/none", "Created"));
    assertTrue(name.matches("api-egress\\.[0-9a-f]{16}"), name);
  }

  @Test
  void anotherStateReasonOrObjectHasAnotherName() {
    String name = EventRecorder.eventName(ID, "u-1", "41/none", "Created");
    assertNotEquals(name, EventRecorder.eventName(ID, "u-1", "42/none", "Created"));
    assertNotEquals(name, EventRecorder.eventName(ID, "u-1", "41/none", "ApplyFailed"));
    assertNotEquals(name, EventRecorder.eventName(ID, "u-2", "41/none", "Created"));
  }

  @Test
  void aLongResourceNameIsCutSoTheNameStaysValid() {
    ResourceId longName = new ResourceId("shop", "a".repeat(253));
    String name = EventRecorder.eventName(longName, "u-1", "1/none", "Created");
    assertEquals(253, name.length());
  }
}
