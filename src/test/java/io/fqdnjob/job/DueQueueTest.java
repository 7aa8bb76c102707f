package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order in which a run works on its due resources. */
class DueQueueTest {
  private static final Instant T = Instant.parse("2026-12-07T12:00:00Z");

  private static List<String> names(List<Target> targets) {
    return targets.stream().map(t -> t.id().name()).toList();
  }

  @Test
  void theMostOverdueComeFirstWhateverTheListOrder() {
    DueQueue queue = new DueQueue();
    // Listed by name; "a" and "b" were written by the last run, "y" and "z" left by it.
    queue.addAll(
        List.of(
            Resources.target("a", T.minusSeconds(60)),
            Resources.target("b", T.minusSeconds(60)),
            Resources.target("y", T.minusSeconds(120)),
            Resources.target("z", T.minusSeconds(120))));
    assertEquals(List.of("y", "z"), names(queue.take(2)));
    assertEquals(List.of("a", "b"), names(queue.take(2)));
    assertTrue(queue.isEmpty());
  }

  @Test
  void resourcesNeverLookedUpComeBeforeAnyTtl() {
    DueQueue queue = new DueQueue();
    queue.addAll(List.of(Resources.target("old", T.minusSeconds(3600))));
    queue.addAll(List.of(Resources.target("new", null)));
    assertEquals(List.of("new", "old"), names(queue.take(5)));
  }

  @Test
  void aRunThatFitsHalfTheWorkWritesEveryResourceWithinTwoRuns() {
    // Every run can write 5 of 10 due resources; the next run starts from where the state is.
    List<Target> resources = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      resources.add(Resources.target("r" + i, T.minusSeconds(60)));
    }
    DueQueue first = new DueQueue();
    first.addAll(resources);
    List<String> written = new ArrayList<>(names(first.take(5)));
    List<Target> second = new ArrayList<>();
    for (Target target : resources) {
      // Those written by the first run were looked up at its start, T.
      second.add(
          written.contains(target.id().name()) ? Resources.target(target.id().name(), T) : target);
    }
    DueQueue next = new DueQueue();
    next.addAll(second);
    written.addAll(names(next.take(5)));
    assertEquals(10, written.stream().distinct().count(), written.toString());
  }

  @Test
  void theQueueIsFullBeyondItsWindow() {
    DueQueue queue = new DueQueue();
    List<Target> many = new ArrayList<>();
    Target one = Resources.target("r", T);
    for (int i = 0; i <= DueQueue.WINDOW; i++) {
      many.add(one);
    }
    queue.addAll(many.subList(0, DueQueue.WINDOW));
    assertFalse(queue.full());
    queue.addAll(List.of(one));
    assertTrue(queue.full());
  }
}
