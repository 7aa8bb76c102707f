package io.fqdnjob.policy;

import com.google.gson.JsonObject;
import io.fqdnjob.model.AddressFamily;
import io.fqdnjob.model.Condition;
import io.fqdnjob.model.EgressRule;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.FqdnNetworkPolicyStatus;
import io.fqdnjob.model.FqdnStatus;
import io.fqdnjob.model.ResolveReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What one run decided for one resource: the new status of each name, the NetworkPolicy to apply
 * and the events to report. Computing it is pure; applying it is the caller's business, and the
 * status to write follows from how the apply went ({@link #appliedStatus}, {@link
 * #notAppliedStatus}).
 *
 * @param names the status of each distinct name of the spec, in spec order
 * @param networkPolicy the apply body of the generated NetworkPolicy
 * @param appliedAddressCount distinct addresses in the NetworkPolicy
 * @param totalAddressesCount distinct addresses known for the names, filtered ones included
 * @param expiredAddresses per name, addresses dropped in this run because the retry window passed
 * @param unfinishedNames names whose lookup did not finish; their previous status was kept
 * @param newlyCappedNames names that, from this run on, have more addresses than {@code
 *     maxAddressesPerFQDN} allows (reported once, when it starts)
 */
public record ResourcePlan(
    FqdnNetworkPolicy resource,
    Instant now,
    List<FqdnStatus> names,
    JsonObject networkPolicy,
    int appliedAddressCount,
    int totalAddressesCount,
    Map<String, List<String>> expiredAddresses,
    List<String> unfinishedNames,
    List<String> newlyCappedNames) {

  public ResourcePlan {
    names = List.copyOf(names);
    expiredAddresses = Collections.unmodifiableMap(new LinkedHashMap<>(expiredAddresses));
    unfinishedNames = List.copyOf(unfinishedNames);
    newlyCappedNames = List.copyOf(newlyCappedNames);
  }

  /** Returns the number of peers (address blocks) over all egress rules of the NetworkPolicy. */
  public int peerCount() {
    int peers = 0;
    for (var rule : networkPolicy.getAsJsonObject("spec").getAsJsonArray("egress")) {
      peers += rule.getAsJsonObject().getAsJsonArray("to").size();
    }
    return peers;
  }

  /** Returns whether the NetworkPolicy allows no destination at all. */
  public boolean deniesAll() {
    return networkPolicy.getAsJsonObject("spec").getAsJsonArray("egress").isEmpty();
  }

  /**
   * Returns the plan of {@code resource}, with status times that are exact.
   *
   * @param lookups for a name as written in the spec, its finished lookups by family
   */
  public static ResourcePlan compute(
      FqdnNetworkPolicy resource,
      Function<String, Map<AddressFamily, NameLookup>> lookups,
      AddressFilter filter,
      Instant now) {
    return render(retain(resource, lookups, Duration.ZERO, now), filter);
  }

  /**
   * Returns the new status of each name of {@code resource}, rebuilt by {@link Retention} from its
   * status and this run's lookups.
   *
   * @param lookups for a name as written in the spec, its finished lookups by family
   * @param lag how much older than the lookups they stand for the recorded times may be ({@link
   *     StatusRefresh#lag})
   */
  public static RetainedNames retain(
      FqdnNetworkPolicy resource,
      Function<String, Map<AddressFamily, NameLookup>> lookups,
      Duration lag,
      Instant now) {
    Set<AddressFamily> asked = AddressFamily.of(resource.spec().enabledNetworkType());
    Retention.Window window =
        new Retention.Window(
            resource.spec().seenAddressRetention(), resource.spec().maxAddressesPerFQDN(), lag);
    List<String> newlyCapped = new ArrayList<>();
    Map<String, FqdnStatus> names = new LinkedHashMap<>();
    Map<String, List<String>> expired = new LinkedHashMap<>();
    List<String> unfinished = new ArrayList<>();
    for (EgressRule rule : resource.spec().egress()) {
      for (String fqdn : rule.toFqdns()) {
        if (names.containsKey(fqdn) || unfinished.contains(fqdn)) {
          continue;
        }
        FqdnStatus previous = resource.status().fqdn(fqdn).orElse(null);
        Retention.Outcome outcome =
            Retention.next(
                fqdn,
                previous,
                asked,
                lookups.apply(fqdn),
                resource.spec().retryTimeout(),
                window,
                now);
        if (outcome.changed()
            && outcome.status().droppedAddressCount() != null
            && (previous == null
                || previous.droppedAddressCount() == null
                || previous.droppedAddressCount() == 0)) {
          newlyCapped.add(fqdn);
        }
        if (!outcome.changed()) {
          unfinished.add(fqdn);
        }
        if (outcome.status() != null) {
          names.put(fqdn, outcome.status());
        }
        if (!outcome.expiredAddresses().isEmpty()) {
          expired.put(fqdn, outcome.expiredAddresses());
        }
      }
    }
    return new RetainedNames(
        resource, now, List.copyOf(names.values()), expired, unfinished, newlyCapped);
  }

  /**
   * Returns the plan that applies {@code retained}: the NetworkPolicy allowing, per egress rule,
   * the addresses of its names that {@code filter} lets through.
   */
  public static ResourcePlan render(RetainedNames retained, AddressFilter filter) {
    FqdnNetworkPolicy resource = retained.resource();
    Map<String, FqdnStatus> names = new LinkedHashMap<>();
    retained.names().forEach(n -> names.put(n.fqdn(), n));
    Set<Cidr> known = new LinkedHashSet<>();
    Set<Cidr> applied = new LinkedHashSet<>();
    List<SortedSet<Cidr>> allowedPerRule = new ArrayList<>();
    for (EgressRule rule : resource.spec().egress()) {
      boolean blockPrivate = rule.blocksPrivate(resource.spec().blockPrivateIPs());
      SortedSet<Cidr> allowed = new TreeSet<>(Addresses.ORDER);
      for (String fqdn : rule.toFqdns()) {
        FqdnStatus status = names.get(fqdn);
        if (status == null) {
          continue;
        }
        for (Cidr cidr : Addresses.parseAll(status.addresses())) {
          known.add(cidr);
          if (filter.allows(cidr, blockPrivate)) {
            allowed.add(cidr);
          }
        }
      }
      applied.addAll(allowed);
      allowedPerRule.add(allowed);
    }
    JsonObject body = NetworkPolicyRenderer.render(resource, allowedPerRule);
    return new ResourcePlan(
        resource,
        retained.now(),
        retained.names(),
        body,
        applied.size(),
        known.size(),
        retained.expiredAddresses(),
        retained.unfinishedNames(),
        retained.newlyCappedNames());
  }

  /** Returns the status to write once the NetworkPolicy is applied. */
  public FqdnNetworkPolicyStatus appliedStatus() {
    FqdnNetworkPolicyStatus previous = resource.status();
    long generation = resource.generation();
    Condition ready;
    if (deniesAll()) {
      ready =
          Conditions.ready(
              true,
              Conditions.EMPTY_RULES,
              "Egress deny-all in effect: no name has an allowed address",
              previous,
              generation,
              now);
    } else {
      ready =
          Conditions.ready(
              true,
              Conditions.READY,
              "NetworkPolicy allows "
                  + appliedAddressCount
                  + (appliedAddressCount == 1 ? " address" : " addresses"),
              previous,
              generation,
              now);
    }
    Condition resolve = Conditions.resolve(namesToJudge(), previous, generation, now);
    return new FqdnNetworkPolicyStatus(
        List.of(ready, resolve), names, appliedAddressCount, totalAddressesCount, now, generation);
  }

  /**
   * Returns the status to write when the NetworkPolicy was not applied: only the Ready condition
   * changes, to False with {@code failure}. Names, addresses, counts, {@code latestLookupTime} and
   * {@code observedGeneration} stay as they were, so that the status keeps describing the policy in
   * place and the resource is due again on the next run.
   */
  public FqdnNetworkPolicyStatus notAppliedStatus(String failure) {
    FqdnNetworkPolicyStatus previous = resource.status();
    Condition ready =
        Conditions.ready(false, Conditions.FAILED, failure, previous, resource.generation(), now);
    List<Condition> conditions = new ArrayList<>();
    conditions.add(ready);
    previous.conditions().stream()
        .filter(c -> !c.type().equals(Condition.READY))
        .forEach(conditions::add);
    return new FqdnNetworkPolicyStatus(
        conditions,
        previous.fqdns(),
        previous.appliedAddressCount(),
        previous.totalAddressesCount(),
        previous.latestLookupTime(),
        previous.observedGeneration());
  }

  /**
   * Returns the names as the Resolve condition judges them: a name whose lookup did not finish and
   * that has no earlier status counts as {@link ResolveReason#UNKNOWN}, so that Resolve is never
   * True while a name of the spec has not resolved. No status entry is written for it.
   */
  private List<FqdnStatus> namesToJudge() {
    List<FqdnStatus> judged = new ArrayList<>(names);
    for (String fqdn : unfinishedNames) {
      if (names.stream().noneMatch(n -> n.fqdn().equals(fqdn))) {
        judged.add(
            new FqdnStatus(
                fqdn, null, null, ResolveReason.UNKNOWN, "lookup did not finish", List.of()));
      }
    }
    return judged;
  }
}
