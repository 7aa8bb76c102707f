package io.fqdnjob.job;

import com.google.common.net.InetAddresses;
import io.fqdnjob.dns.DnsResolver;
import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.kube.ConfigurationException;
import io.fqdnjob.kube.DeadlineExceededException;
import io.fqdnjob.kube.DnsServiceEndpoints;
import io.fqdnjob.kube.DnsServiceUnavailableException;
import io.fqdnjob.kube.StopSignal;
import io.fqdnjob.model.ResourceId;
import io.kubernetes.client.openapi.ApiException;
import java.net.InetSocketAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resolver of each run. With {@code --dns-from-service} the Service's endpoints are read at the
 * start of every run, under that run's deadline and stop signal (DNS pods come and go while a loop
 * runs), and the resolver is made again when they changed. A stop of the process cancels the
 * lookups in flight.
 */
public final class DnsServers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DnsServers.class);

  /** Reads the DNS Service's endpoints with a run's retry. */
  @FunctionalInterface
  public interface ServiceReader {
    DnsServiceEndpoints.Found read(ApiRetry retry) throws ApiException, ConfigurationException;
  }

  /** Makes a resolver that asks these servers (after any given on the command line). */
  @FunctionalInterface
  public interface ResolverFactory {
    DnsResolver create(List<InetSocketAddress> servers) throws ConfigurationException;
  }

  /**
   * The DNS servers could not be read for a run, and none were read before: the run fails (it is
   * not a configuration error; the next run tries again).
   */
  public static final class UnavailableException extends Exception {
    private final transient ApiException cause;

    UnavailableException(String message, ApiException cause) {
      super(message, cause);
      this.cause = cause;
    }

    /** Whether the read was given up because the run's deadline passed or it was stopped. */
    public boolean cutShort() {
      return cause instanceof DeadlineExceededException;
    }
  }

  private final ResourceId service;
  private final ServiceReader reader;
  private final ResolverFactory factory;
  private final StopSignal stop;
  private final StopSignal.Registration cancelOnStop;
  private volatile DnsResolver resolver;
  private List<InetSocketAddress> serviceServers;

  /**
   * @param service the Service of {@code --dns-from-service}, or {@code null} without it
   * @param stop the process's stop signal, which cancels the lookups in flight
   */
  public DnsServers(
      ResourceId service, ServiceReader reader, ResolverFactory factory, StopSignal stop) {
    this.service = service;
    this.reader = reader;
    this.factory = factory;
    this.stop = stop;
    this.cancelOnStop =
        stop.onStop(() -> {
          DnsResolver current = resolver;
          if (current != null) {
            current.cancel();
          }
        });
  }

  /**
   * Returns the resolver for a run that reads with {@code retry}. The first read of the Service
   * decides: a Service with no DNS EndpointSlice, or a right missing to list them, is a
   * configuration error; any other failure fails the run. Later, a failed read keeps the servers
   * read before.
   */
  public DnsResolver resolver(ApiRetry retry)
      throws ConfigurationException, UnavailableException, InterruptedException {
    List<InetSocketAddress> servers = List.of();
    if (service != null) {
      try {
        DnsServiceEndpoints.Found found = reader.read(retry);
        servers = found.servers();
        if (found.noneReady()) {
          LOG.warn(
              "no endpoint of {} is ready; asking all {} of them (a lookup that gets no answer is"
                  + " a transient failure and keeps the addresses applied)",
              service,
              servers.size());
        } else if (!found.notReady().isEmpty()) {
          LOG.info("endpoints of {} not ready, left out: {}", service, text(found.notReady()));
        }
      } catch (ApiException e) {
        if (resolver != null) {
          LOG.warn(
              "could not read the DNS servers of {}, keeping {}: {}",
              service,
              text(serviceServers),
              ApiRetry.describe(e));
          return resolver;
        }
        if (e.getCode() == 401 || e.getCode() == 403) {
          throw new ConfigurationException(
              "--dns-from-service "
                  + service
                  + ": the credentials may not list endpointslices.discovery.k8s.io in "
                  + service.namespace()
                  + " (grant list on them, as the cluster-dns component does): "
                  + ApiRetry.describe(e),
              e);
        }
        throw new UnavailableException(
            e instanceof DnsServiceUnavailableException
                ? e.getMessage()
                : "--dns-from-service "
                    + service
                    + ": could not read its EndpointSlices, nothing is looked up or written, the"
                    + " next run tries again: "
                    + ApiRetry.describe(e),
            e);
      } catch (ConfigurationException e) {
        if (resolver != null) {
          LOG.warn("{}; keeping {}", e.getMessage(), text(serviceServers));
          return resolver;
        }
        throw e;
      }
    }
    if (resolver != null && servers.equals(serviceServers)) {
      return resolver;
    }
    if (service != null) {
      LOG.info("DNS servers of {}: {}", service, text(servers));
    }
    DnsResolver previous = resolver;
    resolver = factory.create(servers);
    serviceServers = servers;
    if (stop.requested()) {
      resolver.cancel();
    }
    if (previous != null) {
      previous.close();
    }
    return resolver;
  }

  static List<String> text(List<InetSocketAddress> servers) {
    return servers.stream()
        .map(a -> InetAddresses.toUriString(a.getAddress()) + ":" + a.getPort())
        .toList();
  }

  @Override
  public void close() {
    cancelOnStop.close();
    if (resolver != null) {
      resolver.close();
    }
  }
}
