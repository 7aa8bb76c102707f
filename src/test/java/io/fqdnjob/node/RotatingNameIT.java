package io.fqdnjob.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.Fixtures;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.JobProcess;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import io.fqdnjob.testbed.TestNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A name whose address moves, felt from the pod's side through the cluster DNS a real cluster has:
 * two CoreDNS replicas with their caches, forwarding to the bed's two BIND servers. Clients in pods
 * resolve through the C library before each connection ({@code dns-client}, every 0.5 s) and log
 * every attempt; the job runs on the host after each move.
 *
 * <p>The rotation is deterministic and short: the name answers one address of a pool of four at a
 * time, A, B, C, D, then A, B, C, D again, with a record TTL of 5 s. Each step waits until every
 * replica serves the new answer and both clients have used it, then runs the job once per
 * configuration. The first cycle is the convergence of the recommended configuration (a window that
 * keeps every address seen, every replica asked); in the second, its client must never be refused,
 * while the reference's behaviour (the latest answer, one replica) is refused again at each step,
 * so the test can fail.
 */
@ExtendWith(TestBedExtension.class)
class RotatingNameIT {
  private static final int PORT = 8080;
  private static final int POOL = 4;
  private static final long RECORD_TTL_SECONDS = 5;
  private static final Duration STEP_WAIT = Duration.ofSeconds(45);
  private static final Set<String> SPECIAL = Set.of("127.0.0.1", "169.254.169.254");

  private static final String RECOMMENDED = "recommended";
  private static final String REFERENCE = "reference";

  @Test
  void recommendedConfigurationStopsRefusingOnceConvergedWhileTheLatestAnswerKeepsRefusing(
      TestBed bed) throws IOException {
    bed.installCrd();
    TestNode node = bed.node();
    JobProcess job = new JobProcess(bed);
    String ns = bed.namespace();
    List<String> pool = new ArrayList<>();
    for (int i = 0; i < POOL; i++) {
      pool.add(node.startServerPod(ns, "pool-" + i, Map.of("role", "pool"), PORT));
    }
    String name = bed.zone().uniqueName("cdn");
    bed.zone().setRecords(name, Type.A, RECORD_TTL_SECONDS, pool.get(0));
    for (String app : List.of(RECOMMENDED, REFERENCE)) {
      bed.kubectlApply(Fixtures.text("io/fqdnjob/node/allow-dns.yaml").replace("${APP}", app));
      node.startToolsPod(
          ns,
          "client-" + app,
          Map.of("app", app),
          "dns-client",
          name,
          Integer.toString(PORT),
          "500",
          "1000");
      BedObjects.applyFqdn(
          bed,
          ns,
          app,
          null,
          "podSelector: {matchLabels: {app: %s}}\n%segress:\n- toFQDNS: [%s]\n  ports: [{protocol: TCP, port: %d}]\n"
              .formatted(
                  app,
                  app.equals(RECOMMENDED) ? "seenAddressRetentionSeconds: 3600\n" : "",
                  name,
                  PORT));
    }
    List<String> replicas = node.clusterDnsReplicas();
    assertEquals(
        2, replicas.size(), "CoreDNS replicas: " + replicas + " (" + node.clusterDns() + ")");

    Instant converged = null;
    for (int step = 0; step < 2 * POOL; step++) {
      String address = pool.get(step % POOL);
      // Once, the answer also holds addresses that must never reach a policy.
      List<String> answer = new ArrayList<>(List.of(address));
      if (step == POOL + 1) {
        answer.addAll(SPECIAL);
      }
      Instant moved = Instant.now();
      bed.zone().setRecords(name, Type.A, RECORD_TTL_SECONDS, answer.toArray(String[]::new));
      awaitReplicasAnswer(replicas, name, Set.copyOf(answer));
      for (String app : List.of(RECOMMENDED, REFERENCE)) {
        awaitAttempt(
            node, ns, app, moved, a -> a.answer().contains(address), "resolved " + address);
      }

      Instant ran = Instant.now();
      String kubeconfig = bed.kubeconfig().toString();
      JobProcess.Result recommended =
          job.exec(
              "run",
              "--kubeconfig",
              kubeconfig,
              "--policy",
              ns + "/" + RECOMMENDED,
              "--force",
              "--dns-from-service",
              "kube-system/kube-dns",
              "--dns-union");
      assertEquals(0, recommended.exitCode(), recommended.toString());
      JobProcess.Result reference =
          job.exec(
              "run",
              "--kubeconfig",
              kubeconfig,
              "--policy",
              ns + "/" + REFERENCE,
              "--force",
              "--dns-server",
              replicas.get(0) + ":53");
      assertEquals(0, reference.exitCode(), reference.toString());

      Set<String> expected = new TreeSet<>(pool.subList(0, Math.min(step, POOL - 1) + 1));
      assertEquals(
          expected,
          BedObjects.peerAddresses(bed, ns, RECOMMENDED),
          "recommended after step " + step);
      assertEquals(
          Set.of(address),
          BedObjects.peerAddresses(bed, ns, REFERENCE),
          "reference after step " + step);
      // The C library puts 127.0.0.1 first in an answer that holds it, so with the special
      // addresses the clients never try the pool's; the policy above is what that step checks.
      for (String app : answer.size() == 1 ? List.of(RECOMMENDED, REFERENCE) : List.<String>of()) {
        awaitAttempt(
            node,
            ns,
            app,
            ran,
            a -> a.address().equals(address) && a.allowed(),
            "connected to " + address + " after the run");
      }
      if (step == POOL - 1) {
        converged = Instant.now();
      }
    }

    Instant since = converged;
    Predicate<Attempt> refusedAfterConvergence =
        a -> !a.time().isBefore(since) && pool.contains(a.address()) && a.refused();
    List<Attempt> recommendedRefused =
        attempts(node, ns, RECOMMENDED).stream().filter(refusedAfterConvergence).toList();
    List<Attempt> referenceRefused =
        attempts(node, ns, REFERENCE).stream().filter(refusedAfterConvergence).toList();
    System.out.printf(
        "rotating name, second cycle: recommended refused %d times, reference %d times%n",
        recommendedRefused.size(), referenceRefused.size());
    assertEquals(List.of(), recommendedRefused, "the recommended configuration after convergence");
    assertFalse(referenceRefused.isEmpty(), "the latest answer alone was never refused");
    assertTrue(
        BedObjects.peerAddresses(bed, ns, RECOMMENDED).stream().noneMatch(SPECIAL::contains),
        "special addresses applied");
  }

  /** One line of {@code dns-client}'s output. */
  private record Attempt(Instant time, String address, String outcome, List<String> answer) {
    boolean allowed() {
      return outcome.equals("allowed");
    }

    boolean refused() {
      return outcome.equals("refused") || outcome.equals("timeout");
    }
  }

  private static List<Attempt> attempts(TestNode node, String ns, String app) {
    List<Attempt> attempts = new ArrayList<>();
    for (String line : node.logs(ns, "client-" + app).split("\n")) {
      String[] fields = line.strip().split(" ");
      if (fields.length >= 4 && fields[0].matches("\\d+")) {
        attempts.add(
            new Attempt(
                Instant.ofEpochMilli(Long.parseLong(fields[0])),
                fields[1],
                fields[2],
                List.of(fields[3].split(","))));
      }
    }
    return attempts;
  }

  /** Waits until the client made an attempt at or after {@code since} that {@code wanted}. */
  private static void awaitAttempt(
      TestNode node, String ns, String app, Instant since, Predicate<Attempt> wanted, String what) {
    Instant deadline = Instant.now().plus(STEP_WAIT);
    List<Attempt> recent = List.of();
    while (Instant.now().isBefore(deadline)) {
      recent = attempts(node, ns, app).stream().filter(a -> !a.time().isBefore(since)).toList();
      if (recent.stream().anyMatch(wanted)) {
        return;
      }
      TestNode.pause();
    }
    throw new AssertionError(
        "client of "
            + app
            + " never "
            + what
            + " within "
            + STEP_WAIT.toSeconds()
            + " s; its attempts since "
            + since
            + ": "
            + recent.stream().map(Attempt::toString).collect(Collectors.joining("\n")));
  }

  /** Waits until every CoreDNS replica answers {@code name} with exactly {@code addresses}. */
  private static void awaitReplicasAnswer(List<String> replicas, String name, Set<String> addresses)
      throws IOException {
    Instant deadline = Instant.now().plus(STEP_WAIT);
    for (String replica : replicas) {
      Set<String> seen = Set.of();
      while (!(seen = ask(replica, name)).equals(addresses)) {
        if (Instant.now().isAfter(deadline)) {
          throw new AssertionError(
              "CoreDNS replica " + replica + " still answers " + name + " with " + seen);
        }
        TestNode.pause();
      }
    }
  }

  private static Set<String> ask(String replica, String name) throws IOException {
    SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(replica, 53));
    resolver.setTimeout(Duration.ofSeconds(2));
    Message query =
        Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.A, DClass.IN));
    Message response = resolver.send(query);
    Set<String> addresses = new TreeSet<>();
    if (response.getRcode() == Rcode.NOERROR) {
      for (Record record : response.getSection(Section.ANSWER)) {
        if (record instanceof ARecord a) {
          addresses.add(a.getAddress().getHostAddress());
        }
      }
    }
    return addresses;
  }
}
