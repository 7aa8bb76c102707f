package io.fqdnjob.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.dns.DnsResolver;
import io.fqdnjob.dns.LookupKey;
import io.fqdnjob.dns.LookupResult;
import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.kube.Deadline;
import io.fqdnjob.kube.EventRecorder;
import io.fqdnjob.kube.FqdnPolicyStore;
import io.fqdnjob.kube.ListedResource;
import io.fqdnjob.kube.LiveNetworkPolicy;
import io.fqdnjob.kube.NetworkPolicyStore;
import io.fqdnjob.kube.Scope;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.policy.AddressFilter;
import io.fqdnjob.policy.DueCheck;
import io.fqdnjob.policy.RetainedNames;
import io.fqdnjob.policy.StatusRefresh;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedExtension;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Each stage of a run on its own, in this JVM, against the real API server and DNS server of the
 * bed, at a fixed time: what goes in and what comes out are values.
 */
@ExtendWith(TestBedExtension.class)
class RunStagesIT {
  private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream());

  private static TestBed bed;
  private static FqdnPolicyStore policies;
  private static NetworkPolicyStore networkPolicies;

  @BeforeAll
  static void setUp(TestBed testBed) {
    bed = testBed;
    bed.installCrd();
    policies = new FqdnPolicyStore(bed.client(), ApiRetry.standard(), 2);
    networkPolicies = new NetworkPolicyStore(bed.client(), ApiRetry.standard());
  }

  private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  @Test
  void listHandsOverOnePageAtATimeAndOnlyTheShardsPart() throws Exception {
    String ns = namespace("list");
    String name = name("list", "198.51.100.41");
    Set<ResourceId> all = new TreeSet<>();
    for (int i = 0; i < 7; i++) {
      create(ns, "page-" + i, "", name);
      all.add(new ResourceId(ns, "page-" + i));
    }
    Shard half = new Shard(0, 2);
    ListStage list = new ListStage(policies, networkPolicies, scope(ns), half);

    List<Integer> pages = new ArrayList<>();
    Set<ResourceId> handed = new TreeSet<>();
    FqdnPolicyStore.Pages read = list.resources();
    for (List<ListedResource> page = read.next(); page != null; page = read.next()) {
      pages.add(page.size());
      page.forEach(r -> assertTrue(handed.add(r.id()), "once: " + r.id()));
    }

    Set<ResourceId> owned = new TreeSet<>(all.stream().filter(half::owns).toList());
    assertEquals(owned, handed);
    assertEquals(4, pages.size(), "seven resources in pages of two: " + pages);
    pages.forEach(size -> assertTrue(size <= 2, pages.toString()));
    assertFalse(owned.isEmpty() || owned.size() == all.size(), "the shard holds a part");
  }

  @Test
  void dueSortsAPageByTheStatusAndTheFixedTime() throws Exception {
    String ns = namespace("due");
    String name = name("due", "198.51.100.42");
    create(ns, "fresh", "ttlSeconds: 60\n", name);
    create(ns, "recent", "ttlSeconds: 60\n", name);
    patchStatus(ns, "recent", now.minusSeconds(30));
    DueStage due = new DueStage(new DueCheck(Duration.ZERO, false));
    List<ListedResource> page = listed(ns);

    DueStage.Triage atNow = due.triage(page, Map.of(), now);
    assertEquals(List.of("fresh"), names(atNow.due()));
    assertEquals(List.of("recent"), names(atNow.notDue()));

    DueStage.Triage later = due.triage(page, Map.of(), now.plusSeconds(30));
    assertEquals(List.of("fresh", "recent"), names(later.due()), "its TTL ended");
  }

  @Test
  void resolveAsksEachNameOncePerRunHoweverManyPagesNeedIt() throws Exception {
    String ns = namespace("resolve");
    String shared = name("shared", "198.51.100.43");
    create(ns, "first", "", shared);
    create(ns, "second", "", shared);
    List<ListedResource> listed = listed(ns);
    List<Target> targets = listed.stream().map(r -> new Target(r, r.policy(), null)).toList();
    try (DnsResolver resolver = resolver()) {
      ResolveStage resolve = new ResolveStage(resolver);
      Map<LookupKey, LookupResult> afterFirst =
          resolve.resolve(List.of(targets.get(0)), Instant.MAX);
      Map<LookupKey, LookupResult> afterSecond =
          resolve.resolve(List.of(targets.get(1)), Instant.MAX);

      assertEquals(1, resolver.queriesSent(), "one query for the name both pages need");
      assertEquals(1, resolve.uniqueNames());
      assertEquals(afterFirst.keySet(), afterSecond.keySet());
    }
  }

  @Test
  void retainAndRenderTurnTheAnswersIntoTheStatusAndThePolicy() throws Exception {
    String ns = namespace("render");
    String name = name("render", "198.51.100.44", "198.51.100.45");
    create(ns, "web", "", name);
    Target target = targets(ns).get(0);
    try (DnsResolver resolver = resolver()) {
      Map<LookupKey, LookupResult> results =
          new ResolveStage(resolver).resolve(List.of(target), Instant.MAX);
      RetainedNames names =
          new RetainStage(new StatusRefresh(StatusRefresh.DEFAULT_INTERVAL))
              .retain(target, results, now);
      assertEquals(
          List.of("198.51.100.44/32", "198.51.100.45/32"), names.names().get(0).addresses());
      assertEquals(now, names.names().get(0).lastSuccessfulTime());

      RenderStage.Rendered rendered = new RenderStage(AddressFilter.defaults()).render(names);
      assertEquals(
          List.of("198.51.100.44/32", "198.51.100.45/32"),
          BedObjects.peers(rendered.plan().networkPolicy()));
      assertEquals(2, rendered.plan().appliedAddressCount());
    }
  }

  @Test
  void applyCreatesThenFindsThePolicyUnchangedAndLeavesAnotherOwnersPolicyAlone() throws Exception {
    String ns = namespace("apply");
    String name = name("apply", "198.51.100.46");
    create(ns, "web", "", name);
    create(ns, "taken", "", name);
    bed.kubectlWithInput(
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: taken}
        spec: {podSelector: {}, policyTypes: [Egress]}
        """,
        "apply",
        "-n",
        ns,
        "-f",
        "-");
    ApplyStage apply = new ApplyStage(networkPolicies, 5000, false, Deadline.none(), NOWHERE);

    Map<String, Outcome> first = applyAll(ns, apply);
    assertEquals(Map.of("web", Outcome.APPLIED, "taken", Outcome.CONFLICT), first);
    Map<String, Outcome> second = applyAll(ns, apply);
    assertEquals(
        Map.of("web", Outcome.UNCHANGED, "taken", Outcome.CONFLICT),
        second,
        "the listed policy's digests match what is rendered");
    assertEquals(List.of(), BedObjects.peers(BedObjects.get(bed, ns, "networkpolicy", "taken")));
  }

  @Test
  void recordWritesAChangedStatusAndNotOneWhoseTimesAloneMoved() throws Exception {
    String ns = namespace("record");
    String name = name("record", "198.51.100.47");
    create(ns, "web", "", name);
    StatusRefresh refresh = new StatusRefresh(StatusRefresh.DEFAULT_INTERVAL);
    RecordStage record =
        new RecordStage(
            policies,
            new EventRecorder(bed.client(), ApiRetry.standard(), "stages"),
            refresh,
            false,
            Deadline.none(),
            NOWHERE);

    RecordStage.Recorded first = recordOnce(ns, record, now);
    assertEquals(StatusRefresh.Decision.CHANGED, first.decision());
    assertEquals(RecordStage.Write.WRITTEN, first.write());
    String version = BedObjects.resourceVersion(bed, ns, "fqdn", "web");

    Instant turn = StatusRefresh.turnAfter(uid(ns, "web"), refresh.interval(), now);
    RecordStage.Recorded again = recordOnce(ns, record, turn.minusSeconds(1));
    if (turn.minusSeconds(1).isAfter(now)) {
      assertEquals(StatusRefresh.Decision.UNCHANGED, again.decision());
      assertEquals(RecordStage.Write.SKIPPED, again.write());
      assertEquals(version, BedObjects.resourceVersion(bed, ns, "fqdn", "web"));
    }
    RecordStage.Recorded atTurn = recordOnce(ns, record, turn);
    assertEquals(StatusRefresh.Decision.REFRESH, atTurn.decision());
    assertEquals(RecordStage.Write.WRITTEN, atTurn.write());
  }

  // --- helpers

  /** Runs retain, render and apply over the namespace's resources; returns each outcome. */
  private Map<String, Outcome> applyAll(String ns, ApplyStage apply) throws Exception {
    Map<String, Outcome> outcomes = new TreeMap<>();
    for (Target target : liveTargets(ns)) {
      RenderStage.Rendered rendered = throughRender(target, StatusRefresh.EVERY_RUN, now);
      outcomes.put(target.id().name(), apply.apply(target, rendered).outcome());
    }
    return outcomes;
  }

  /** Runs every stage for the namespace's one resource at {@code at}; returns what record did. */
  private RecordStage.Recorded recordOnce(String ns, RecordStage record, Instant at)
      throws Exception {
    Target target = liveTargets(ns).get(0);
    RenderStage.Rendered rendered =
        throughRender(target, new StatusRefresh(StatusRefresh.DEFAULT_INTERVAL), at);
    ApplyStage.Applied applied =
        new ApplyStage(networkPolicies, 5000, false, Deadline.none(), NOWHERE)
            .apply(target, rendered);
    return record.record(target, rendered, applied);
  }

  /** Resolves, retains and renders one resource, as a run at {@code at} would. */
  private static RenderStage.Rendered throughRender(
      Target target, StatusRefresh refresh, Instant at) {
    try (DnsResolver resolver = resolver()) {
      Map<LookupKey, LookupResult> results =
          new ResolveStage(resolver).resolve(List.of(target), Instant.MAX);
      return new RenderStage(AddressFilter.defaults())
          .render(new RetainStage(refresh).retain(target, results, at));
    }
  }

  /** The namespace's resources, each with its listed NetworkPolicy. */
  private static List<Target> liveTargets(String ns) throws Exception {
    Map<ResourceId, LiveNetworkPolicy> live =
        new ListStage(policies, networkPolicies, scope(ns), Shard.ALL).networkPolicies();
    return listed(ns).stream().map(r -> new Target(r, r.policy(), live.get(r.id()))).toList();
  }

  private static String name(String prefix, String... addresses) {
    String name = bed.zone().uniqueName(prefix);
    bed.zone().setA(name, addresses);
    return name;
  }

  private static DnsResolver resolver() {
    return new DnsResolver(DnsResolver.Config.of(List.of(bed.dnsAddress())));
  }

  private static String namespace(String suffix) {
    String ns = bed.namespace() + "-" + suffix;
    bed.kubectlWithInput(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + ns + "}\n", "apply", "-f", "-");
    return ns;
  }

  private static Scope scope(String ns) {
    return new Scope(new TreeSet<>(List.of(ns)), null, new TreeSet<>());
  }

  private static List<ListedResource> listed(String ns) throws Exception {
    List<ListedResource> all = new ArrayList<>();
    FqdnPolicyStore.Pages pages =
        new ListStage(policies, networkPolicies, scope(ns), Shard.ALL).resources();
    for (List<ListedResource> page = pages.next(); page != null; page = pages.next()) {
      all.addAll(page);
    }
    return all;
  }

  private static List<Target> targets(String ns) throws Exception {
    return listed(ns).stream().map(r -> new Target(r, r.policy(), null)).toList();
  }

  private static List<String> names(List<Target> targets) {
    return targets.stream().map(t -> t.id().name()).toList();
  }

  private static void create(String ns, String resource, String fields, String fqdn) {
    BedObjects.applyFqdn(
        bed,
        ns,
        resource,
        null,
        "podSelector: {}\n" + fields + "egress:\n- toFQDNS: [%s]\n".formatted(fqdn));
  }

  private static void patchStatus(String ns, String resource, Instant lookedUp) {
    bed.kubectl(
        "patch",
        "fqdn",
        resource,
        "-n",
        ns,
        "--subresource=status",
        "--type=merge",
        "-p",
        "{\"status\":{\"latestLookupTime\":\"%s\",\"observedGeneration\":1}}".formatted(lookedUp));
  }

  private static String uid(String ns, String resource) {
    return BedObjects.get(bed, ns, "fqdn", resource)
        .getAsJsonObject("metadata")
        .get("uid")
        .getAsString();
  }
}
