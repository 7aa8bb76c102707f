package io.fqdnjob.dns;

import io.fqdnjob.model.ResolveReason;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.WireParseException;

/**
 * The state of one running lookup: the queries sent for it, the CNAME chain so far and the problems
 * met with each server.
 *
 * <p>A lookup is a sequence of steps: a step sends one query and the next step starts when that
 * query has an answer, an error or timed out. Steps never overlap, so the fields need no locking;
 * the executor and the futures order each step after the one before.
 */
final class Lookup {
  // The resolver's logger, so that one logger setting shows all of the resolver's queries.
  private static final Logger log = LoggerFactory.getLogger(DnsResolver.class);

  private final DnsResolver resolver;
  private final LookupKey key;
  private final Duration timeout;
  private final CompletableFuture<LookupResult> result;
  // Indexes into the resolver's servers that this lookup may ask, in the order to ask them.
  private final List<Integer> serverSet;

  private long startNanos;
  private long deadlineNanos;
  private Name qname;
  private final List<String> chain = new ArrayList<>();
  private final Set<Name> seen = new HashSet<>();
  private long minTtl = Long.MAX_VALUE;
  // Follow-up queries for a CNAME target go first to the server that gave the CNAME; a position
  // in serverSet.
  private int preferredServer;
  // Problems with the servers asked for the current name, in the order met.
  private final List<String> problems = new ArrayList<>();
  private ResolveReason worstProblem;

  Lookup(
      DnsResolver resolver,
      LookupKey key,
      Duration timeout,
      CompletableFuture<LookupResult> result,
      List<Integer> serverSet) {
    this.resolver = resolver;
    this.key = key;
    this.timeout = timeout;
    this.result = result;
    this.serverSet = List.copyOf(serverSet);
  }

  CompletableFuture<LookupResult> result() {
    return result;
  }

  void start() {
    if (result.isDone()) {
      return;
    }
    startNanos = System.nanoTime();
    deadlineNanos = startNanos + timeout.toNanos();
    try {
      // Absolute name: the search list of /etc/resolv.conf never applies.
      qname = Name.fromString(key.fqdn() + ".");
    } catch (TextParseException e) {
      fail(
          ResolveReason.INVALID_DOMAIN, "", "invalid name '" + key.fqdn() + "': " + e.getMessage());
      return;
    }
    seen.add(qname);
    query(qname, startNanos);
  }

  private void query(Name name, long now) {
    problems.clear();
    worstProblem = null;
    attempt(name, 0, now);
  }

  /** Sends the query for {@code name} to the server for attempt number {@code attemptNo}. */
  private void attempt(Name name, int attemptNo, long now) {
    if (result.isDone()) {
      return;
    }
    List<InetSocketAddress> servers = resolver.servers();
    long remaining = deadlineNanos - now;
    if (remaining <= 0) {
      addProblem(
          ResolveReason.TIMEOUT,
          "no time left within " + Addresses.format(timeout) + " to ask for " + asked(name));
      failWithProblems(resolver.serverName(serverIndex(Math.max(0, attemptNo - 1))));
      return;
    }
    // An equal share of what is left for each server not yet asked, so that a server that does
    // not answer leaves time for the next one, and the last one gets all that is left.
    long share = remaining / (serverSet.size() - attemptNo);
    Duration shareDuration = Duration.ofNanos(share);
    int index = serverIndex(attemptNo);
    InetSocketAddress server = servers.get(index);

    long sentNanos = System.nanoTime();
    CompletableFuture<Message> answer = new CompletableFuture<>();
    ScheduledFuture<?> timer;
    try {
      // dnsjava checks its own timeout only about once a second and only when its selector is
      // idle, so the share is enforced here as well.
      timer =
          resolver
              .executor()
              .schedule(
                  () -> answer.completeExceptionally(new NoAnswerInTime()),
                  share,
                  TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      result.cancel(false);
      return;
    }
    Message query = Message.newQuery(Record.newRecord(name, key.type().dnsType(), DClass.IN));
    try {
      Resolver dns = resolver.resolverFor(server);
      dns.setTimeout(shareDuration);
      resolver.countQuery();
      dns.sendAsync(query, resolver.executor())
          .whenComplete((message, error) -> {
            if (error != null) {
              answer.completeExceptionally(error);
            } else {
              answer.complete(message);
            }
          });
    } catch (RuntimeException e) {
      answer.completeExceptionally(e);
    }
    answer.whenCompleteAsync(
        (message, error) -> {
          timer.cancel(false);
          try {
            onAnswer(name, attemptNo, index, shareDuration, sentNanos, message, error);
          } catch (RuntimeException e) {
            // A bug must not leave the lookup hanging until the caller's deadline.
            log.warn("Lookup of {} failed unexpectedly", key, e);
            fail(
                ResolveReason.OTHER_ERROR,
                resolver.serverName(index),
                "internal error while resolving " + key + ": " + e);
          }
        },
        resolver.executor());
  }

  private int serverIndex(int attemptNo) {
    return serverSet.get((preferredServer + attemptNo) % serverSet.size());
  }

  private void onAnswer(
      Name name,
      int attemptNo,
      int index,
      Duration share,
      long sentNanos,
      Message message,
      Throwable error) {
    if (result.isDone()) {
      return;
    }
    long now = System.nanoTime();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(now - sentNanos);
    String server = resolver.serverName(index);
    String type = key.type().name();

    if (error != null) {
      Throwable cause = unwrap(error);
      ResolveReason reason;
      String problem;
      if (cause instanceof NoAnswerInTime || cause instanceof SocketTimeoutException) {
        reason = ResolveReason.TIMEOUT;
        problem =
            "no answer from "
                + server
                + " within "
                + Addresses.format(share)
                + " for "
                + asked(name);
      } else if (cause instanceof WireParseException) {
        reason = ResolveReason.OTHER_ERROR;
        problem =
            "unusable answer from " + server + " for " + asked(name) + ": " + cause.getMessage();
      } else if (cause instanceof PortUnreachableException) {
        reason = ResolveReason.TEMPORARY;
        problem = server + " unreachable for " + asked(name) + ": nothing listens on that port";
      } else if (cause instanceof IOException) {
        reason = ResolveReason.TEMPORARY;
        problem = "network error with " + server + " for " + asked(name) + ": " + cause;
      } else {
        reason = ResolveReason.OTHER_ERROR;
        problem = "failed to query " + server + " for " + asked(name) + ": " + cause;
      }
      log.debug("DNS {} {} to {}: {} after {} ms", name, type, server, reason, tookMillis);
      resolver.countUnanswered(index);
      addProblem(reason, problem);
      nextServerOrFail(name, attemptNo, server, now);
      return;
    }

    int rcode = message.getRcode();
    log.debug("DNS {} {} to {}: {} in {} ms", name, type, server, Rcode.string(rcode), tookMillis);
    Record question = message.getQuestion();
    if (question == null
        || !question.getName().equals(name)
        || question.getType() != key.type().dnsType()) {
      addProblem(
          ResolveReason.OTHER_ERROR,
          server + " answered another question (" + question + ") for " + asked(name));
      nextServerOrFail(name, attemptNo, server, now);
      return;
    }
    if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
      // The server knows about the name: whatever it says is final, no other server is asked.
      preferredServer = serverSet.indexOf(index);
      useAnswer(name, server, message, now);
      return;
    }
    // BIND answers SERVFAIL when it gives up on a CNAME loop or a long chain, with the chain in
    // the answer. That is a fault of the data, which other servers share: no point asking them.
    CnameWalk walk = walk(name, message.getSection(Section.ANSWER));
    if (walk.problem() != null) {
      fail(
          ResolveReason.OTHER_ERROR,
          server,
          walk.problem() + ", answered by " + server + " with " + Rcode.string(rcode));
      return;
    }
    addProblem(
        ResolveReason.TEMPORARY, Rcode.string(rcode) + " from " + server + " for " + asked(name));
    nextServerOrFail(name, attemptNo, server, now);
  }

  private void addProblem(ResolveReason reason, String message) {
    problems.add(message);
    if (worstProblem == null || reason.outranks(worstProblem)) {
      worstProblem = reason;
    }
  }

  private void nextServerOrFail(Name name, int attemptNo, String server, long now) {
    if (attemptNo + 1 < serverSet.size()) {
      attempt(name, attemptNo + 1, now);
    } else {
      failWithProblems(server);
    }
  }

  /** Fails with the most important problem met, and all problems in the message. */
  private void failWithProblems(String lastServer) {
    fail(worstProblem, lastServer, String.join("; ", problems) + viaChain());
  }

  /**
   * The CNAME records of an answer that lead on from a name, and where they end.
   *
   * @param end the last name reached
   * @param cnames the CNAME records followed, in order
   * @param problem a loop or an overlong chain, or {@code null}
   */
  private record CnameWalk(Name end, List<CNAMERecord> cnames, String problem) {}

  /**
   * Follows the CNAME records of {@code answer} from {@code name}, continuing the chain of earlier
   * queries; changes nothing.
   */
  private CnameWalk walk(Name name, List<Record> answer) {
    List<String> names = new ArrayList<>(chain);
    Set<Name> visited = new HashSet<>(seen);
    List<CNAMERecord> followed = new ArrayList<>();
    Name current = name;
    for (CNAMERecord cname = cnameOf(answer, current);
        cname != null;
        cname = cnameOf(answer, current)) {
      Name target = cname.getTarget();
      followed.add(cname);
      names.add(text(target));
      if (!visited.add(target)) {
        return new CnameWalk(current, followed, "CNAME loop: " + chainText(names));
      }
      int maxHops = resolver.config().maxCnameHops();
      if (names.size() > maxHops) {
        return new CnameWalk(
            current, followed, "CNAME chain longer than " + maxHops + " hops: " + chainText(names));
      }
      current = target;
    }
    return new CnameWalk(current, followed, null);
  }

  /** Interprets a NOERROR or NXDOMAIN answer to the query for {@code name}. */
  private void useAnswer(Name name, String server, Message message, long now) {
    List<Record> answer = message.getSection(Section.ANSWER);
    CnameWalk walk = walk(name, answer);
    if (walk.problem() != null) {
      fail(ResolveReason.OTHER_ERROR, server, walk.problem() + ", answered by " + server);
      return;
    }
    for (CNAMERecord cname : walk.cnames()) {
      minTtl = Math.min(minTtl, cname.getTTL());
      chain.add(text(cname.getTarget()));
      seen.add(cname.getTarget());
    }
    Name current = walk.end();

    List<InetAddress> addresses = new ArrayList<>();
    long addressTtl = Long.MAX_VALUE;
    for (Record record : answer) {
      if (record.getDClass() != DClass.IN || !record.getName().equals(current)) {
        continue;
      }
      InetAddress address = addressOf(record);
      if (address != null) {
        addresses.add(address);
        addressTtl = Math.min(addressTtl, record.getTTL());
      }
    }

    if (!addresses.isEmpty()) {
      minTtl = Math.min(minTtl, addressTtl);
      succeed(server, addresses);
    } else if (message.getRcode() == Rcode.NXDOMAIN) {
      // With a CNAME chain in the answer, NXDOMAIN is about the end of the chain (RFC 6604).
      fail(
          ResolveReason.NXDOMAIN,
          server,
          server + " answered NXDOMAIN for " + asked(current) + viaChain());
    } else if (!current.equals(name)) {
      // The answer ends at a CNAME whose target's records the server did not include, typically
      // because the target lies outside its zones: ask for the target.
      query(current, now);
    } else if (!answer.isEmpty()) {
      fail(
          ResolveReason.OTHER_ERROR,
          server,
          "unexpected answer from "
              + server
              + " for "
              + asked(name)
              + ": no "
              + key.type()
              + " or CNAME record of that name among "
              + answer.size()
              + " answer records");
    } else {
      fail(
          ResolveReason.NODATA,
          server,
          server
              + " answered NODATA for "
              + asked(current)
              + ": the name exists but has no "
              + key.type()
              + " record"
              + viaChain());
    }
  }

  private static CNAMERecord cnameOf(List<Record> answer, Name owner) {
    for (Record record : answer) {
      if (record instanceof CNAMERecord cname
          && record.getDClass() == DClass.IN
          && record.getName().equals(owner)) {
        return cname;
      }
    }
    return null;
  }

  private InetAddress addressOf(Record record) {
    return switch (key.type()) {
      case A -> record instanceof ARecord a ? a.getAddress() : null;
      case AAAA -> record instanceof AAAARecord aaaa ? aaaa.getAddress() : null;
    };
  }

  private void succeed(String server, List<InetAddress> addresses) {
    LookupResult.Success success =
        new LookupResult.Success(key, server, elapsed(), addresses, minTtl, chain);
    log.debug(
        "Resolved {} to {} (ttl {}s, via {}) in {} ms",
        key,
        success.addresses(),
        success.minTtlSeconds(),
        chain.isEmpty() ? "no CNAME" : chainText(),
        success.elapsed().toMillis());
    result.complete(success);
  }

  private void fail(ResolveReason reason, String server, String message) {
    LookupResult.Failure failure =
        new LookupResult.Failure(key, server, elapsed(), reason, message);
    log.debug("Failed to resolve {}: {} ({})", key, reason, message);
    result.complete(failure);
  }

  private Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  private String asked(Name name) {
    return text(name) + " (" + key.type() + ")";
  }

  private String viaChain() {
    return chain.isEmpty() ? "" : ", reached via CNAME " + chainText();
  }

  private String chainText() {
    return chainText(chain);
  }

  private String chainText(List<String> names) {
    return key.fqdn() + " -> " + String.join(" -> ", names);
  }

  private static String text(Name name) {
    return DomainName.normalize(name.toString());
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** This resolver's own timeout for one query; carries no stack trace as it is no bug. */
  private static final class NoAnswerInTime extends Exception {
    NoAnswerInTime() {
      super("no answer in time", null, false, false);
    }
  }
}
