package io.fqdnjob.job;

import io.fqdnjob.dns.LookupKey;
import io.fqdnjob.dns.LookupResult;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.policy.ResourcePlan;
import io.fqdnjob.policy.RetainedNames;
import io.fqdnjob.policy.StatusRefresh;
import java.time.Instant;
import java.util.Map;

/**
 * The fourth stage: rebuilds the status of each name of a resource from its previous status and
 * this run's answers (retry window, seen-address window, address limit), with the windows widened
 * by how far behind the status's times may be ({@link StatusRefresh#lag}).
 */
final class RetainStage {
  private final StatusRefresh refresh;

  RetainStage(StatusRefresh refresh) {
    this.refresh = refresh;
  }

  /** Returns the names of a due resource after this run's lookups. */
  RetainedNames retain(Target target, Map<LookupKey, LookupResult> results, Instant now) {
    FqdnNetworkPolicy policy = target.policy();
    return ResourcePlan.retain(
        policy,
        fqdn -> NameLookups.forName(policy, fqdn, results),
        refresh.lag(policy.spec()),
        now);
  }

  /**
   * Returns the names of a resource that is not due, as its status has them: nothing is looked up,
   * so every name keeps its status.
   */
  RetainedNames asRecorded(Target target, Instant now) {
    return ResourcePlan.retain(
        target.policy(), fqdn -> Map.of(), refresh.lag(target.policy().spec()), now);
  }
}
