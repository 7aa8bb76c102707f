package io.fqdnjob.job;

import io.fqdnjob.dns.DnsResolver;
import io.fqdnjob.dns.LookupKey;
import io.fqdnjob.dns.LookupResult;
import io.fqdnjob.model.ResolveReason;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The third stage: resolves the names the due resources of a page need, through a cache that lasts
 * the whole run, so that each unique (name, record type) is asked once per run however many pages
 * and resources share it. One instance per run.
 */
final class ResolveStage {
  private static final Logger LOG = LoggerFactory.getLogger(ResolveStage.class);

  private final DnsResolver resolver;
  private final Map<LookupKey, LookupResult> results = new ConcurrentHashMap<>();
  private final Set<LookupKey> asked = ConcurrentHashMap.newKeySet();

  ResolveStage(DnsResolver resolver) {
    this.resolver = resolver;
  }

  /**
   * Resolves what {@code due} needs and this run has not asked yet, waiting at most until {@code
   * deadline}; returns the results of the whole run so far. A lookup unfinished at the deadline is
   * not asked again in this run: the resources that need it are left for the next.
   */
  Map<LookupKey, LookupResult> resolve(List<Target> due, Instant deadline) {
    Map<LookupKey, Duration> wanted = new LinkedHashMap<>();
    NameLookups.collect(due.stream().map(Target::policy).toList())
        .forEach((key, timeout) -> {
          if (asked.add(key)) {
            wanted.put(key, timeout);
          }
        });
    if (!wanted.isEmpty()) {
      Map<LookupKey, LookupResult> finished = resolver.resolveAll(wanted, deadline);
      results.putAll(finished);
      if (finished.size() < wanted.size()) {
        LOG.warn(
            "{} of {} lookups did not finish before the run was cut short; resources that need"
                + " them are left untouched",
            wanted.size() - finished.size(),
            wanted.size());
      }
    }
    return Collections.unmodifiableMap(results);
  }

  /** Returns the distinct (name, record type) pairs asked in this run. */
  int uniqueNames() {
    return asked.size();
  }

  /** Returns the finished lookups of this run by outcome. */
  Map<ResolveReason, Integer> byReason() {
    Map<ResolveReason, Integer> counts = new EnumMap<>(ResolveReason.class);
    for (LookupResult result : results.values()) {
      counts.merge(result.reason(), 1, Integer::sum);
    }
    return counts;
  }
}
