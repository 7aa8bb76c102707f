package io.fqdnjob.job;

import io.fqdnjob.policy.DueCheck;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The due resources of a run that are listed and not yet worked on, most overdue first ({@link
 * DueCheck#dueSince}; then by namespace and name).
 *
 * <p>Why this order: a run that its deadline or a stop cuts short leaves the resources it did not
 * reach as they were, with their old lookup times. Worked on in list order, every run would reach
 * the same ones first and leave the same tail, run after run. Most overdue first, the next run
 * starts with what the last one left, and a run that fits half the due work has written every
 * resource within two runs. The order holds over the whole list as long as the due resources listed
 * and not yet worked on fit in {@link #WINDOW}; beyond that the run works on the most overdue of
 * those listed so far, to keep its memory bounded.
 */
final class DueQueue {
  /** How many listed due resources a run holds before it starts working on some. */
  static final int WINDOW = 10_000;

  private record Entry(Instant since, Target target) {}

  private static final Comparator<Entry> MOST_OVERDUE_FIRST =
      Comparator.comparing(Entry::since).thenComparing(e -> e.target().id());

  private final PriorityQueue<Entry> queue = new PriorityQueue<>(MOST_OVERDUE_FIRST);

  void addAll(List<Target> due) {
    for (Target target : due) {
      queue.add(new Entry(DueCheck.dueSince(target.policy()), target));
    }
  }

  int size() {
    return queue.size();
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /** Whether more are held than {@link #WINDOW}: the run should work on some before listing on. */
  boolean full() {
    return queue.size() > WINDOW;
  }

  /** Removes and returns at most {@code count} of the most overdue, most overdue first. */
  List<Target> take(int count) {
    List<Target> batch = new ArrayList<>(Math.min(count, queue.size()));
    while (batch.size() < count && !queue.isEmpty()) {
      batch.add(queue.poll().target());
    }
    return batch;
  }
}
