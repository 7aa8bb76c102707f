package io.fqdnjob.dns;

import io.fqdnjob.model.ResolveReason;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.io.IoClientFactory;

/**
 * Resolves A and AAAA records of fully qualified names against a fixed list of DNS servers.
 *
 * <p>Every name is absolute: no search list is applied, whatever {@code ndots} says in {@code
 * /etc/resolv.conf}. Each query is built here and sent with dnsjava's {@link SimpleResolver} to one
 * server: over UDP first, and again over TCP when the UDP answer is truncated. CNAME chains are
 * followed, also across queries, up to {@link Config#maxCnameHops()} hops. A UDP datagram whose
 * message ID or question is not the query's is dropped and the answer still awaited (see {@link
 * MatchingUdpClient}), so that a forged datagram cannot fail a lookup.
 *
 * <p>Servers are tried in order; a server that does not answer in time, answers with an error code
 * (SERVFAIL, REFUSED, ...), cannot be reached or sends an unusable answer is skipped for the next
 * one. An answer that says something about the name (addresses, NXDOMAIN, NODATA) is final. The
 * lookup's timeout covers all of it: each server gets an equal share of the time that is left when
 * it is asked, so the last server gets what the others left over.
 *
 * <p>At most {@link Config#maxInFlight()} lookups run at once; the others wait in a queue, and
 * their timeout starts when they leave it. All work runs on one executor owned by this resolver;
 * {@link #close()} shuts it down.
 *
 * <p>DNS failures are results ({@link LookupResult.Failure}), never exceptions. The futures
 * returned by {@link #resolve} complete normally, except when they are cancelled by {@link
 * #cancel()}, {@link #close()} or the caller.
 */
public final class DnsResolver implements AutoCloseable {
  private static final Duration MAX_WAIT = Duration.ofDays(1);

  private static final Logger log = LoggerFactory.getLogger(DnsResolver.class);

  /**
   * How a {@link DnsResolver} works.
   *
   * @param servers DNS servers, tried in this order; at least one
   * @param maxInFlight how many lookups may run at the same time; at least 1
   * @param maxCnameHops how many CNAME records a lookup follows before giving up with {@link
   *     ResolveReason#OTHER_ERROR}; at least 1
   * @param resolverFactory makes the dnsjava {@link Resolver} for one query to one server; called
   *     for every query, so that each carries its own timeout. {@code null} means a {@link
   *     SimpleResolver} with dnsjava's defaults (EDNS with a 1280 byte payload, TCP retry on
   *     truncation). Meant for tests.
   */
  public record Config(
      List<InetSocketAddress> servers,
      int maxInFlight,
      int maxCnameHops,
      Function<InetSocketAddress, Resolver> resolverFactory,
      boolean union,
      int samples,
      Duration sampleInterval) {
    /** Lookups running at the same time unless configured otherwise. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 32;

    /** CNAME records followed per lookup unless configured otherwise. */
    public static final int DEFAULT_MAX_CNAME_HOPS = 8;

    public Config {
      servers = List.copyOf(servers);
      if (servers.isEmpty()) {
        throw new IllegalArgumentException("at least one DNS server is needed");
      }
      for (InetSocketAddress server : servers) {
        if (server.isUnresolved()) {
          throw new IllegalArgumentException("DNS server must be an IP address: " + server);
        }
      }
      if (maxInFlight < 1) {
        throw new IllegalArgumentException("maxInFlight must be at least 1: " + maxInFlight);
      }
      if (maxCnameHops < 1) {
        throw new IllegalArgumentException("maxCnameHops must be at least 1: " + maxCnameHops);
      }
      if (samples < 1 || samples > MAX_SAMPLES) {
        throw new IllegalArgumentException(
            "samples must be between 1 and " + MAX_SAMPLES + ": " + samples);
      }
      checkSampleInterval(sampleInterval);
    }

    /**
     * Checks a {@link #sampleInterval()}: from 0 to {@link #MAX_SAMPLE_INTERVAL}.
     *
     * @throws IllegalArgumentException naming the bounds when it is outside them
     */
    public static void checkSampleInterval(Duration interval) {
      Objects.requireNonNull(interval, "sampleInterval");
      if (interval.isNegative() || interval.compareTo(MAX_SAMPLE_INTERVAL) > 0) {
        throw new IllegalArgumentException(
            "must be between 0s and "
                + MAX_SAMPLE_INTERVAL.toSeconds()
                + "s: "
                + interval.toMillis() / 1000.0
                + "s");
      }
    }

    /** The longest {@link #sampleInterval()}: samples spread over more than minutes are stale. */
    public static final Duration MAX_SAMPLE_INTERVAL = Duration.ofMinutes(2);

    /** How long after its first query the last sample of a union lookup is sent. */
    public Duration sampleSpread() {
      return sampleSpread(union, samples, sampleInterval);
    }

    /**
     * Returns how long after its first query a lookup sends its last sample with these settings:
     * {@code (samples - 1) × interval} for a union, else nothing.
     */
    public static Duration sampleSpread(boolean union, int samples, Duration interval) {
      return union ? interval.multipliedBy(samples - 1L) : Duration.ZERO;
    }

    /** The most queries of one name a server gets per lookup with {@link #withSamples}. */
    public static final int MAX_SAMPLES = 10;

    /** Returns a configuration for {@code servers} with default limits. */
    public static Config of(List<InetSocketAddress> servers) {
      return new Config(
          servers, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_CNAME_HOPS, null, false, 1, Duration.ZERO);
    }

    /**
     * Returns a configuration for the name servers of the system ({@code /etc/resolv.conf}, read by
     * dnsjava's {@link ResolverConfig}), on port 53 unless the system says otherwise, with default
     * limits. The search list and {@code ndots} are ignored.
     */
    public static Config systemDefaults() {
      List<InetSocketAddress> servers =
          ResolverConfig.getCurrentConfig().servers().stream()
              .map(s ->
                  s.getPort() == 0
                      ? new InetSocketAddress(s.getAddress(), SimpleResolver.DEFAULT_PORT)
                      : s)
              .toList();
      if (servers.isEmpty()) {
        throw new IllegalStateException("no name server configured in /etc/resolv.conf");
      }
      return of(servers);
    }

    /** Returns a copy with {@code maxInFlight} changed. */
    public Config withMaxInFlight(int maxInFlight) {
      return new Config(
          servers, maxInFlight, maxCnameHops, resolverFactory, union, samples, sampleInterval);
    }

    /** Returns a copy with {@code maxCnameHops} changed. */
    public Config withMaxCnameHops(int maxCnameHops) {
      return new Config(
          servers, maxInFlight, maxCnameHops, resolverFactory, union, samples, sampleInterval);
    }

    /**
     * Returns a copy that asks every server, {@code samples} times each, and takes the union of
     * their answers, instead of asking them in turn until one answers. For names whose answer is a
     * changing subset of a larger set (CDNs, round-robin); costs servers × samples queries.
     */
    public Config withUnion(boolean union, int samples) {
      return new Config(
          servers, maxInFlight, maxCnameHops, resolverFactory, union, samples, sampleInterval);
    }

    /**
     * Returns a copy whose union lookups send the samples of each server {@code interval} apart
     * instead of at once: sample {@code i} leaves {@code i × interval} after the first. A caching
     * DNS server (a CoreDNS replica, {@code cache 30}) answers every query from one cached answer
     * until that expires, so samples sent at once all see the same answer; samples further apart
     * than the cache's lifetime each see a fresh one. The lookup then takes {@link #sampleSpread()}
     * longer.
     */
    public Config withSampleInterval(Duration interval) {
      return new Config(
          servers, maxInFlight, maxCnameHops, resolverFactory, union, samples, interval);
    }

    /** Returns a copy that makes its resolvers with {@code resolverFactory}. */
    public Config withResolverFactory(Function<InetSocketAddress, Resolver> resolverFactory) {
      return new Config(
          servers, maxInFlight, maxCnameHops, resolverFactory, union, samples, sampleInterval);
    }
  }

  private final Config config;
  private final List<String> serverNames;
  private final List<Integer> allServers;
  private final Function<InetSocketAddress, Resolver> resolverFactory;
  private final ScheduledThreadPoolExecutor executor;
  private final LongAdder queriesSent = new LongAdder();
  // Per server, in the order of the configuration: queries that got no answer at all.
  private final LongAdder[] unanswered;
  private final IoClientFactory network;
  private final Semaphore permits;
  private final Queue<Lookup> waiting = new ConcurrentLinkedQueue<>();
  private final Set<CompletableFuture<LookupResult>> unfinished = ConcurrentHashMap.newKeySet();
  // For each unfinished part of a union, the union's future: what the caller waits for.
  private final Map<CompletableFuture<LookupResult>, CompletableFuture<LookupResult>> unionOfPart =
      new ConcurrentHashMap<>();
  private final CompletableFuture<Void> cancelled = new CompletableFuture<>();

  /** Creates a resolver; {@link #close()} it to stop its threads. */
  public DnsResolver(Config config) {
    this(config, MatchingUdpClient.network());
  }

  /**
   * Creates a resolver whose built-in {@link SimpleResolver}s send through {@code network} instead
   * of real sockets ({@link MatchingUdpClient} for UDP, dnsjava's client for TCP); for tests of the
   * UDP and TCP handling.
   */
  DnsResolver(Config config, IoClientFactory network) {
    this.config = Objects.requireNonNull(config, "config");
    this.network = new TcpCountingIoClientFactory(queriesSent, network);
    this.serverNames = config.servers().stream().map(Addresses::hostAndPort).toList();
    this.allServers = IntStream.range(0, config.servers().size()).boxed().toList();
    this.unanswered =
        IntStream.range(0, config.servers().size())
            .mapToObj(i -> new LongAdder())
            .toArray(LongAdder[]::new);
    this.resolverFactory =
        config.resolverFactory() != null ? config.resolverFactory() : this::simpleResolver;
    this.permits = new Semaphore(config.maxInFlight());
    int threads = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
    this.executor = new ScheduledThreadPoolExecutor(threads, daemonThreads());
    // Timers of answered queries are cancelled; drop them at once instead of at their due time.
    this.executor.setRemoveOnCancelPolicy(true);
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, "dns-resolver-" + count.incrementAndGet());
      // A resolver that is never closed must not keep the job's JVM alive.
      thread.setDaemon(true);
      return thread;
    };
  }

  private Resolver simpleResolver(InetSocketAddress server) {
    SimpleResolver resolver = new SimpleResolver(server);
    // UDP sends are counted where each query is sent; this adds the TCP retries that
    // SimpleResolver makes on its own after a truncated answer.
    resolver.setIoClientFactory(network);
    return resolver;
  }

  /** Returns the configuration this resolver was made with. */
  public Config config() {
    return config;
  }

  /**
   * Resolves one name. The future completes with the result; it is cancelled (and nothing more is
   * sent for it) when {@link #cancel()} or {@link #close()} is called first, or right away if they
   * were called before. An invalid name completes at once with {@link
   * ResolveReason#INVALID_DOMAIN}, without a query.
   *
   * @param timeout time for the whole lookup (all servers, all CNAME follow-up queries), counted
   *     from the moment it leaves the queue of lookups waiting for a free slot
   */
  public CompletableFuture<LookupResult> resolve(LookupKey key, Duration timeout) {
    Objects.requireNonNull(key, "key");
    checkTimeout(timeout);
    CompletableFuture<LookupResult> result = new CompletableFuture<>();
    if (cancelled.isDone()) {
      result.cancel(false);
      return result;
    }
    // The key has already lost one trailing dot; put it back so that the check sees the name as
    // written and still catches a second trailing dot.
    Optional<String> problem = DomainName.problem(key.fqdn() + ".");
    if (problem.isPresent()) {
      result.complete(
          new LookupResult.Failure(
              key,
              "",
              Duration.ZERO,
              ResolveReason.INVALID_DOMAIN,
              "invalid name '" + key.fqdn() + "': " + problem.get()));
      return result;
    }
    unfinished.add(result);
    result.whenComplete((r, e) -> unfinished.remove(result));
    if (config.union() && config.servers().size() * config.samples() > 1) {
      resolveUnion(key, timeout, result);
      return result;
    }
    waiting.add(new Lookup(this, key, timeout, result, allServers));
    // cancel() may have run between the check above and the add; it must not miss this one.
    if (cancelled.isDone()) {
      result.cancel(false);
    }
    startWaiting();
    return result;
  }

  private static void checkTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
  }

  /**
   * Resolves all keys at the same time and returns the results of those that finished before {@code
   * deadline}. Keys still running at the deadline, or when {@link #cancel()} is called, are stopped
   * and left out of the map, so that the caller can keep what it knew about them before. DNS
   * failures are in the map as {@link LookupResult.Failure}; this method does not throw for them.
   * When the calling thread is interrupted, the method returns early as if cancelled, with the
   * interrupt flag set.
   *
   * @param timeouts the keys to resolve, each with the timeout of its lookup
   * @param deadline when to stop waiting
   * @return the finished results, in the iteration order of {@code timeouts}
   */
  public Map<LookupKey, LookupResult> resolveAll(
      Map<LookupKey, Duration> timeouts, Instant deadline) {
    Objects.requireNonNull(deadline, "deadline");
    // Check all arguments before starting anything, so that a bad one leaves nothing running.
    timeouts.forEach((key, timeout) -> {
      Objects.requireNonNull(key, "key");
      checkTimeout(timeout);
    });
    Map<LookupKey, CompletableFuture<LookupResult>> futures = new LinkedHashMap<>();
    timeouts.forEach((key, timeout) -> futures.put(key, resolve(key, timeout)));

    CompletableFuture<Void> all =
        CompletableFuture.allOf(futures.values().toArray(CompletableFuture[]::new));
    // A far deadline (Instant.MAX means "none") does not fit in nanoseconds; a day is plenty,
    // as every lookup has its own timeout of at most a minute.
    Duration wait = Duration.between(Instant.now(), deadline);
    long waitNanos =
        wait.isNegative() ? 0 : wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT.toNanos() : wait.toNanos();
    try {
      CompletableFuture.anyOf(all, cancelled).get(waitNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // Deadline reached, or a lookup was cancelled; what finished is collected below.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }

    // Queued lookups go first: cancelling a running one frees its slot, and a queued lookup of
    // this call must not take it and send a query nobody waits for.
    Set<CompletableFuture<LookupResult>> ours = Set.copyOf(futures.values());
    waiting.removeIf(lookup -> ours.contains(requested(lookup)));
    Map<LookupKey, LookupResult> results = new LinkedHashMap<>();
    futures.forEach((key, future) -> {
      // cancel() succeeds exactly for the lookups that had not finished: they stop and are
      // left out. The others are done and keep their result.
      if (!future.cancel(false) && !future.isCompletedExceptionally()) {
        results.put(key, future.join());
      }
    });
    return Collections.unmodifiableMap(results);
  }

  /**
   * Returns the number of DNS messages sent so far: one per query over UDP, plus one for each TCP
   * retry after a truncated answer (the TCP retries are only seen for the built-in resolver, not
   * for one made by a {@link Config#resolverFactory()}).
   */
  public long queriesSent() {
    return queriesSent.sum();
  }

  /**
   * Returns, for each server in the order of the configuration ({@code host:port}), how many
   * queries sent so far got no answer at all: a timeout, nothing listening, a network error. A
   * server that is down shows here while lookups go on with the other servers.
   */
  public Map<String, Long> unansweredQueries() {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (int i = 0; i < unanswered.length; i++) {
      counts.put(serverNames.get(i), unanswered[i].sum());
    }
    return counts;
  }

  /**
   * Stops all lookups, queued or running, and makes later ones stop at once: their futures are
   * cancelled and {@link #resolveAll} returns what had finished. Safe to call from any thread, for
   * example a shutdown hook, and more than once.
   */
  public void cancel() {
    cancelled.complete(null);
    // Queued lookups go before running ones, whose cancellation frees slots for queued ones.
    waiting.clear();
    for (CompletableFuture<LookupResult> future : List.copyOf(unfinished)) {
      future.cancel(false);
    }
  }

  /** Cancels all lookups (see {@link #cancel()}) and shuts the executor down. */
  @Override
  public void close() {
    cancel();
    executor.shutdownNow();
  }

  /**
   * Resolves {@code key} once per server and sample, each asking a single server, and completes
   * {@code result} with the union: a success when any of them succeeded, else the most important
   * failure. When one of them does not finish, neither does the union.
   */
  private void resolveUnion(
      LookupKey key, Duration timeout, CompletableFuture<LookupResult> result) {
    List<CompletableFuture<LookupResult>> parts = new ArrayList<>();
    for (int server = 0; server < config.servers().size(); server++) {
      for (int sample = 0; sample < config.samples(); sample++) {
        CompletableFuture<LookupResult> part = new CompletableFuture<>();
        parts.add(part);
        unionOfPart.put(part, result);
        part.whenComplete((r, e) -> unionOfPart.remove(part));
        Lookup lookup = new Lookup(this, key, timeout, part, List.of(server));
        if (sample == 0 || config.sampleInterval().isZero()) {
          waiting.add(lookup);
        } else {
          queueLater(lookup, config.sampleInterval().multipliedBy(sample));
        }
      }
    }
    // Cancelling the union (deadline, SIGTERM) cancels its parts, and a cancelled part the union.
    result.whenComplete((r, e) -> parts.forEach(p -> p.cancel(false)));
    CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
        .whenComplete((ignored, error) -> {
          if (error != null || parts.stream().anyMatch(CompletableFuture::isCancelled)) {
            result.cancel(false);
          } else {
            result.complete(
                LookupUnion.of(key, parts.stream().map(CompletableFuture::join).toList()));
          }
        });
    if (cancelled.isDone()) {
      result.cancel(false);
    }
    startWaiting();
  }

  /**
   * Queues {@code lookup} after {@code delay}. Until then it is in no queue: a cancelled union
   * cancels the part itself, and {@link #startWaiting} drops a part that is done when queued.
   */
  private void queueLater(Lookup lookup, Duration delay) {
    try {
      ScheduledFuture<?> timer =
          executor.schedule(
              () -> {
                if (!lookup.result().isDone()) {
                  waiting.add(lookup);
                  startWaiting();
                }
              },
              delay.toNanos(),
              TimeUnit.NANOSECONDS);
      lookup.result().whenComplete((r, e) -> timer.cancel(false));
    } catch (RejectedExecutionException e) {
      lookup.result().cancel(false); // closed meanwhile
    }
  }

  /** Returns the future the caller of {@link #resolve} holds for {@code lookup}. */
  private CompletableFuture<LookupResult> requested(Lookup lookup) {
    return unionOfPart.getOrDefault(lookup.result(), lookup.result());
  }

  // Starts waiting lookups while slots are free. Called after each new lookup and each finished
  // one, so a lookup queued while all slots are taken is started by the next one to finish.
  private void startWaiting() {
    while (!waiting.isEmpty() && permits.tryAcquire()) {
      Lookup lookup = waiting.poll();
      if (lookup == null || lookup.result().isDone() || cancelled.isDone()) {
        // Another thread took it, it was cancelled while waiting, or everything was.
        permits.release();
        if (lookup != null) {
          lookup.result().cancel(false);
        }
        continue;
      }
      lookup
          .result()
          .whenComplete((r, e) -> {
            permits.release();
            startWaiting();
          });
      try {
        executor.execute(lookup::start);
      } catch (RejectedExecutionException e) {
        // Closed meanwhile.
        lookup.result().cancel(false);
      }
    }
  }

  ScheduledThreadPoolExecutor executor() {
    return executor;
  }

  List<InetSocketAddress> servers() {
    return config.servers();
  }

  String serverName(int index) {
    return serverNames.get(index);
  }

  Resolver resolverFor(InetSocketAddress server) {
    return resolverFactory.apply(server);
  }

  void countQuery() {
    queriesSent.increment();
  }

  void countUnanswered(int index) {
    unanswered[index].increment();
  }
}
