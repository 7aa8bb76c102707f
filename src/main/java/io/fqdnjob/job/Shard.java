package io.fqdnjob.job;

import com.google.common.hash.Hashing;
import io.fqdnjob.model.ResourceId;
import java.nio.charset.StandardCharsets;

/**
 * One of {@code count} disjoint parts of the resources, for runs split across the pods of an
 * Indexed Job. A resource belongs to the part given by a stable hash of {@code namespace/name}
 * (Murmur3, the same on every JVM and release), so every resource is in exactly one part and stays
 * there from run to run.
 */
public record Shard(int index, int count) {
  /** The whole set: one part. */
  public static final Shard ALL = new Shard(0, 1);

  public Shard {
    if (count < 1) {
      throw new IllegalArgumentException("shard count must be at least 1, got " + count);
    }
    if (index < 0 || index >= count) {
      throw new IllegalArgumentException(
          "shard index must be between 0 and " + (count - 1) + ", got " + index);
    }
  }

  /** Returns whether {@code id} belongs to this part. */
  public boolean owns(ResourceId id) {
    if (count == 1) {
      return true;
    }
    int hash = Hashing.murmur3_32_fixed().hashString(id.toString(), StandardCharsets.UTF_8).asInt();
    return Math.floorMod(hash, count) == index;
  }
}
