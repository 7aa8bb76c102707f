package io.fqdnjob.job;

/** Where a run reports how far it got, for a person watching a long run. */
public interface Progress {
  /** Reports nothing. */
  Progress NONE =
      new Progress() {
        @Override
        public void phase(String description) {}

        @Override
        public void step(int done, int total) {}

        @Override
        public void done() {}
      };

  /** A new phase of the run started, e.g. "resolving 2000 names". */
  void phase(String description);

  /** {@code done} of {@code total} items of the current phase are finished. */
  void step(int done, int total);

  /** The run finished. */
  void done();
}
