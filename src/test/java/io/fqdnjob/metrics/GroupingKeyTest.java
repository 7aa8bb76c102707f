package io.fqdnjob.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupingKeyTest {
  @TempDir Path dir;

  @Test
  void namespaceAloneForOneShard() {
    assertEquals(Map.of("namespace", "fqdn-job-system"), GroupingKey.of("fqdn-job-system", 0, 1));
  }

  @Test
  void namespaceAndShardWhenSharded() {
    Map<String, String> key = GroupingKey.of("team-a", 2, 3);
    assertEquals(Map.of("namespace", "team-a", "shard", "2"), key);
    // The order of the URL's path: /job/fqdn-job/namespace/team-a/shard/2.
    assertEquals(List.of("namespace", "shard"), List.copyOf(key.keySet()));
  }

  @Test
  void outsideAPodTheKeyHasOnlyTheShard() {
    assertEquals(Map.of(), GroupingKey.of(null, 0, 1));
    assertEquals(Map.of("shard", "1"), GroupingKey.of(null, 1, 2));
  }

  @Test
  void theEnvironmentVariableWinsOverTheServiceAccountFile() throws Exception {
    Path file = Files.writeString(dir.resolve("namespace"), "from-file");
    assertEquals("from-env", GroupingKey.podNamespace(Map.of("POD_NAMESPACE", "from-env"), file));
    assertEquals("from-file", GroupingKey.podNamespace(Map.of(), file));
  }

  @Test
  void theServiceAccountFileIsReadWithoutItsNewline() throws Exception {
    Path file = Files.writeString(dir.resolve("namespace"), "fqdn-job-system\n");
    assertEquals("fqdn-job-system", GroupingKey.podNamespace(Map.of("POD_NAMESPACE", ""), file));
  }

  @Test
  void noNamespaceWithoutEitherSource() {
    assertNull(GroupingKey.podNamespace(Map.of(), dir.resolve("absent")));
  }

  @Test
  void aValueThatIsNoNamespaceNameIsIgnored() throws Exception {
    Path file = Files.writeString(dir.resolve("namespace"), "a/b");
    assertNull(GroupingKey.podNamespace(Map.of("POD_NAMESPACE", "../x"), file));
  }
}
