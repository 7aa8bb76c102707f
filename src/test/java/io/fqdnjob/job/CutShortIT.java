package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.kube.Deadline;
import io.fqdnjob.kube.StopSignal;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs that their deadline cuts short, on the real bed. The deadline's clock moves ten seconds with
 * every status the run writes, so that a deadline of 100 s fits exactly ten writes whatever the
 * machine's speed; the runs' own clock is the test's.
 */
@ExtendWith(TestBedExtension.class)
class CutShortIT {
  private static final Logger LOG = LoggerFactory.getLogger(CutShortIT.class);
  private static final int RESOURCES = 20;

  private static TestBed bed;

  @BeforeAll
  static void setUp(TestBed testBed) {
    bed = testBed;
    bed.installCrd();
  }

  /** A clock that stands at {@code base} plus ten seconds per write counted since it was made. */
  private static final class WriteClock extends Clock {
    private final Instant base;
    private final AtomicInteger writes;
    private final int start;

    WriteClock(Instant base, AtomicInteger writes) {
      this.base = base;
      this.writes = writes;
      this.start = writes.get();
    }

    @Override
    public Instant instant() {
      return base.plusSeconds(10L * (writes.get() - start));
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  @Test
  void aDeadlineThatFitsHalfTheDueWorkWritesEveryResourceWithinTwoRuns() throws Exception {
    String ns = bed.namespace() + "-cut";
    bed.kubectl("create", "namespace", ns);
    try {
      String name = bed.zone().uniqueName("cut");
      bed.zone().setA(name, "198.51.100.71");
      for (int i = 0; i < RESOURCES; i++) {
        BedObjects.applyFqdn(
            bed,
            ns,
            "r%02d".formatted(i),
            null,
            "podSelector: {}\nttlSeconds: 60\negress:\n- toFQDNS: [%s]\n".formatted(name));
      }
      AtomicInteger statusWrites = new AtomicInteger();
      InProcessRun run = new InProcessRun(bed, InProcessRun.TestClock.atNow());
      run.client = countingStatusWrites(statusWrites);
      run.apiConcurrency = 1; // One writer: the order of the writes is the order of the work.
      run.statusRefresh = Duration.ZERO; // Every processed resource writes its status.

      Instant t0 = run.clock.instant();
      RunSummary all = run.namespace(ns);
      assertEquals(RESOURCES, all.statusWrites(), all.toString());

      // Every TTL has ended: all twenty are due, and a run fits ten status writes.
      run.deadline =
          () ->
              Deadline.after(
                  Duration.ofSeconds(100),
                  new WriteClock(Instant.now(), statusWrites),
                  StopSignal.create());
      run.clock.set(t0.plusSeconds(120));
      Instant t1 = run.clock.instant();
      RunSummary first = run.namespace(ns);
      Set<String> inFirst = lookedUpAt(ns, t1);

      run.clock.set(t0.plusSeconds(200));
      Instant t2 = run.clock.instant();
      RunSummary second = run.namespace(ns);
      Set<String> inSecond = lookedUpAt(ns, t2);
      LOG.info("first cut-short run wrote {}: {}", inFirst.size(), first);
      LOG.info("second cut-short run wrote {}: {}", inSecond.size(), second);

      assertEquals(10, first.cutShort(), first.toString());
      assertEquals(RunSummary.EXIT_CUT_SHORT, first.exitCode());
      assertEquals(10, inFirst.size(), inFirst.toString());
      assertEquals(10, second.cutShort(), second.toString());
      // The second run took first what the first had left: between them, every resource.
      Set<String> union = new TreeSet<>(inFirst);
      union.addAll(inSecond);
      assertEquals(RESOURCES, union.size(), "first " + inFirst + ", second " + inSecond);
      assertTrue(
          inSecond.stream().noneMatch(inFirst::contains),
          "the second run started with the most overdue: " + inSecond);
    } finally {
      bed.kubectl("delete", "namespace", ns, "--wait=false");
    }
  }

  /** Returns the bed's client, counting the status writes it sends. */
  private static io.kubernetes.client.openapi.ApiClient countingStatusWrites(AtomicInteger count)
      throws Exception {
    io.kubernetes.client.openapi.ApiClient client =
        io.fqdnjob.kube.KubeClients.create(bed.kubeconfig(), Duration.ofSeconds(30));
    client.setHttpClient(
        client
            .getHttpClient()
            .newBuilder()
            .addInterceptor(chain -> {
              okhttp3.Response response = chain.proceed(chain.request());
              if (chain.request().method().equals("PATCH")
                  && chain.request().url().encodedPath().endsWith("/status")) {
                count.incrementAndGet();
              }
              return response;
            })
            .build());
    return client;
  }

  /** The resources of {@code ns} whose status was written by the run at {@code at}. */
  private static Set<String> lookedUpAt(String ns, Instant at) {
    Set<String> names = new TreeSet<>();
    for (int i = 0; i < RESOURCES; i++) {
      String resource = "r%02d".formatted(i);
      var status = BedObjects.get(bed, ns, "fqdn", resource).getAsJsonObject("status");
      if (status.get("latestLookupTime").getAsString().equals(at.toString())) {
        names.add(resource);
      }
    }
    return names;
  }
}
