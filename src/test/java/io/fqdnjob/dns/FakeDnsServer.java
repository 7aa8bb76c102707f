package io.fqdnjob.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A DNS server in memory, standing in for dnsjava's {@link Resolver}: answers are configured per
 * question, and the queries it gets are recorded.
 */
final class FakeDnsServer implements Resolver {
  /** How the server reacts to one query. */
  interface Behaviour extends Function<Message, CompletionStage<Message>> {}

  final InetSocketAddress address;
  final List<Message> queries = new CopyOnWriteArrayList<>();
  final List<Duration> timeouts = new CopyOnWriteArrayList<>();
  final List<Executor> executors = new CopyOnWriteArrayList<>();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
  private volatile Behaviour otherwise = rcode(Rcode.NXDOMAIN);

  FakeDnsServer(String ip, int port) {
    this.address = new InetSocketAddress(ip(ip), port);
  }

  /** Sets the reaction to queries for {@code name} and {@code type}. */
  FakeDnsServer on(String name, int type, Behaviour behaviour) {
    behaviours.put(questionKey(name(name), type), behaviour);
    return this;
  }

  /** Sets the reaction to all queries without a specific one. */
  FakeDnsServer otherwise(Behaviour behaviour) {
    this.otherwise = behaviour;
    return this;
  }

  int queryCount() {
    return queries.size();
  }

  // ---- Resolver ----

  @Override
  public CompletionStage<Message> sendAsync(Message query, Executor executor) {
    queries.add(query);
    executors.add(executor);
    Record question = query.getQuestion();
    Behaviour behaviour =
        behaviours.getOrDefault(questionKey(question.getName(), question.getType()), otherwise);
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    CompletableFuture<Message> answer = behaviour.apply(query).toCompletableFuture();
    return answer.whenComplete((m, e) -> inFlight.decrementAndGet());
  }

  @Override
  public CompletionStage<Message> sendAsync(Message query) {
    throw new AssertionError("the resolver must pass its own executor");
  }

  @Override
  public void setTimeout(Duration timeout) {
    timeouts.add(timeout);
  }

  @Override
  public void setPort(int port) {}

  @Override
  public void setTCP(boolean flag) {
    throw new AssertionError("the resolver must not force TCP");
  }

  @Override
  public void setIgnoreTruncation(boolean flag) {
    throw new AssertionError("the resolver must not ignore truncation");
  }

  @Override
  public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {}

  @Override
  public void setTSIGKey(TSIG key) {}

  // ---- behaviours ----

  /** Answers NOERROR with {@code records} in the answer section. */
  static Behaviour records(Record... records) {
    return query -> CompletableFuture.completedFuture(response(query, Rcode.NOERROR, records));
  }

  /** Answers with {@code rcode} and {@code records} in the answer section. */
  static Behaviour rcode(int rcode, Record... records) {
    return query -> CompletableFuture.completedFuture(response(query, rcode, records));
  }

  /** Never answers. */
  static Behaviour silent() {
    return query -> new CompletableFuture<>();
  }

  /** Fails the query with {@code error}, as dnsjava does for network problems. */
  static Behaviour error(Throwable error) {
    return query -> CompletableFuture.failedFuture(error);
  }

  /** Answers with exactly {@code message}, whatever the query. */
  static Behaviour fixed(Message message) {
    return query -> CompletableFuture.completedFuture(message);
  }

  static Message response(Message query, int rcode, Record... records) {
    Message response = new Message(query.getHeader().getID());
    response.getHeader().setFlag(Flags.QR);
    response.getHeader().setFlag(Flags.AA);
    response.getHeader().setRcode(rcode);
    response.addRecord(query.getQuestion(), Section.QUESTION);
    for (Record record : records) {
      response.addRecord(record, Section.ANSWER);
    }
    return response;
  }

  // ---- records ----

  static ARecord a(String name, long ttl, String ip) {
    return new ARecord(name(name), DClass.IN, ttl, ip(ip));
  }

  static AAAARecord aaaa(String name, long ttl, String ip) {
    return new AAAARecord(name(name), DClass.IN, ttl, ip(ip));
  }

  static CNAMERecord cname(String name, long ttl, String target) {
    return new CNAMERecord(name(name), DClass.IN, ttl, name(target));
  }

  static Name name(String name) {
    try {
      return Name.fromString(name.endsWith(".") ? name : name + ".");
    } catch (TextParseException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static InetAddress ip(String ip) {
    try {
      return InetAddress.getByName(ip);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static String questionKey(Name name, int type) {
    return name.toString().toLowerCase(java.util.Locale.ROOT) + "/" + Type.string(type);
  }
}
