package io.fqdnjob.job;

import io.fqdnjob.dns.DnsResolver;
import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.kube.ConfigurationException;
import io.fqdnjob.kube.Deadline;
import io.fqdnjob.kube.EventRecorder;
import io.fqdnjob.kube.FqdnPolicyStore;
import io.fqdnjob.kube.NetworkPolicyStore;
import io.fqdnjob.kube.StopSignal;
import io.fqdnjob.policy.AddressFilter;
import io.kubernetes.client.openapi.ApiClient;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run against a cluster, as {@link Lifecycle} starts it: every request of the run, the DNS
 * Service's endpoints included, bounded by the run's deadline and stop signal.
 */
public final class ClusterRound implements Lifecycle.Round {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterRound.class);

  private final ApiClient client;
  private final ApiRetry retry;
  private final DnsServers dnsServers;
  private final AddressFilter filter;
  private final RunJob.Options options;
  private final String instance;
  private final Clock clock;
  private final PrintStream out;
  private final Progress progress;

  /**
   * @param options the runs' options; the deadline of each run replaces theirs
   * @param instance names this process in the Events it records
   */
  public ClusterRound(
      ApiClient client,
      ApiRetry retry,
      DnsServers dnsServers,
      AddressFilter filter,
      RunJob.Options options,
      String instance,
      Clock clock,
      PrintStream out,
      Progress progress) {
    this.client = client;
    this.retry = retry;
    this.dnsServers = dnsServers;
    this.filter = filter;
    this.options = options;
    this.instance = instance;
    this.clock = clock;
    this.out = out;
    this.progress = progress;
  }

  @Override
  public RunSummary run(Deadline deadline) throws InterruptedException, ConfigurationException {
    Instant started = clock.instant();
    ApiRetry runRetry = retry.withDeadline(deadline);
    DnsResolver resolver;
    try {
      resolver = dnsServers.resolver(runRetry);
    } catch (DnsServers.UnavailableException e) {
      LOG.error("{}", e.getMessage());
      RunSummary.Ending ending =
          !e.cutShort()
              ? RunSummary.Ending.DNS_SERVICE_FAILED
              : deadline.stop().reason() == StopSignal.Reason.STALLED
                  ? RunSummary.Ending.API_STALLED
                  : RunSummary.Ending.LIST_CUT_SHORT;
      return RunSummary.unlisted(ending, Duration.between(started, clock.instant()));
    }
    return new RunJob(
            new FqdnPolicyStore(client, runRetry),
            new NetworkPolicyStore(client, runRetry),
            new EventRecorder(client, runRetry, instance),
            resolver,
            filter,
            clock,
            options.withDeadline(deadline),
            out,
            progress)
        .run();
  }
}
