package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.model.ResourceId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ShardTest {
  @Test
  void everyResourceBelongsToExactlyOneShard() {
    int[] sizes = new int[3];
    for (int i = 0; i < 3000; i++) {
      ResourceId id = new ResourceId("ns-" + (i % 20), "policy-" + i);
      int owners = 0;
      for (int index = 0; index < 3; index++) {
        if (new Shard(index, 3).owns(id)) {
          owners++;
          sizes[index]++;
        }
      }
      assertEquals(1, owners, id.toString());
    }
    for (int size : sizes) {
      assertTrue(size > 800 && size < 1200, "roughly even: " + size);
    }
  }

  @ParameterizedTest
  @CsvSource({"team-a, web, 3", "team-b, api, 1", "default, x, 1"})
  void assignmentIsPinnedAcrossReleases(String namespace, String name, int owner) {
    // A different hash would move resources between the pods of a sharded Job on upgrade.
    ResourceId id = new ResourceId(namespace, name);
    for (int index = 0; index < 5; index++) {
      assertEquals(index == owner, new Shard(index, 5).owns(id), "shard " + index);
    }
  }

  @Test
  void singleShardOwnsEverything() {
    assertTrue(Shard.ALL.owns(new ResourceId("a", "b")));
  }

  @Test
  void outOfRangeIndexIsRejectedWithTheRange() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Shard(3, 3));
    assertEquals("shard index must be between 0 and 2, got 3", e.getMessage());
  }
}
