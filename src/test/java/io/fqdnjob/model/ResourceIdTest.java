package io.fqdnjob.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResourceIdTest {
  @Test
  void parsesNamespaceSlashName() {
    assertEquals(new ResourceId("shop", "api-egress"), ResourceId.parse("shop/api-egress"));
  }

  @Test
  void printsAsNamespaceSlashName() {
    assertEquals("shop/api-egress", new ResourceId("shop", "api-egress").toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "api-egress", "/api-egress", "shop/", "shop/api/egress", "/"})
  void malformedIdIsRejectedQuotingTheInput(String value) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResourceId.parse(value));

    assertTrue(e.getMessage().contains("'" + value + "'"), e.getMessage());
  }

  @Test
  void sortsByNamespaceThenName() {
    List<ResourceId> ids =
        new ArrayList<>(
            List.of(new ResourceId("b", "a"), new ResourceId("a", "z"), new ResourceId("a", "b")));
    Collections.sort(ids);

    assertEquals(
        List.of(new ResourceId("a", "b"), new ResourceId("a", "z"), new ResourceId("b", "a")), ids);
  }
}
