package io.fqdnjob.testbed;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;

/**
 * The bed's DNS test zone (by default {@code bed.test}), served by real BIND servers on loopback.
 * Records are changed with RFC 2136 dynamic updates sent to every server of the zone, so that each
 * holds the same data whichever one a resolver asks (with a node, CoreDNS forwards to either at
 * random); {@link #onlyOn} gives a view that changes one server alone, for names that answer
 * differently per server. Every change is visible to the next query to the server, and a rejected
 * update throws {@link TestBedException}.
 *
 * <p><b>Names</b> are given and returned without a trailing dot ({@code "web-1-x3k.bed.test"}), the
 * way users write them in FQDN policies. Methods taking a name also accept the trailing dot. A name
 * must lie inside the zone.
 *
 * <p><b>Isolation</b>: the zone is shared by every test and outlives a test run when the bed is
 * kept running, so tests create their names with {@link #uniqueName(String)} and never change the
 * fixed failure-mode names.
 *
 * <p><b>Fixed names</b>: the zone always holds one name per DNS behaviour a resolver must handle
 * ({@link #nodataName()}, {@link #cnameChainName()}, {@link #largeAnswerName()} and so on). Their
 * contents are written by {@code scripts/testbed.sh}; the accessors below state them.
 */
public final class TestZone {
  /** TTL of the records written by {@link #setA}, {@link #setAAAA} and {@link #setCname}. */
  public static final long DEFAULT_TTL_SECONDS = 60;

  private static final Duration UPDATE_TIMEOUT = Duration.ofSeconds(5);
  private static final AtomicLong COUNTER = new AtomicLong();

  /** Distinguishes this JVM's names from those of earlier runs against a kept bed. */
  private static final String RUN_ID = randomSuffix(new SecureRandom(), 5);

  private final String origin;
  private final List<InetSocketAddress> servers;

  TestZone(String origin, InetSocketAddress server) {
    this(origin, List.of(server));
  }

  TestZone(String origin, List<InetSocketAddress> servers) {
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("zone " + origin + " needs at least one server");
    }
    this.origin = origin;
    this.servers = List.copyOf(servers);
  }

  /** The servers that hold the zone and get every change; the first answers {@link #resolver()}. */
  public List<InetSocketAddress> servers() {
    return servers;
  }

  /**
   * The same zone as held by {@code server} alone: changes made through the view reach that server
   * only, so that two servers can answer one name differently.
   */
  public TestZone onlyOn(InetSocketAddress server) {
    if (!servers.contains(server)) {
      throw new IllegalArgumentException(server + " does not serve " + origin + ": " + servers);
    }
    return new TestZone(origin, List.of(server));
  }

  /** The zone's origin without a trailing dot, for example {@code "bed.test"}. */
  public String origin() {
    return origin;
  }

  /**
   * Returns a name inside the zone that no other test in this or an earlier run uses, for example
   * {@code uniqueName("web")} gives {@code "web-7-k2x9q.bed.test"}. The prefix is lower-cased and
   * reduced to letters, digits and hyphens. The name has no records until a test sets them.
   */
  public String uniqueName(String prefix) {
    String label = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-");
    label = label.replaceAll("^-+|-+$", "");
    if (label.isEmpty()) {
      label = "name";
    }
    if (label.length() > 40) {
      label = label.substring(0, 40);
    }
    return label + "-" + COUNTER.incrementAndGet() + "-" + RUN_ID + "." + origin;
  }

  /**
   * Makes {@code name} hold exactly these IPv4 addresses (TTL {@value #DEFAULT_TTL_SECONDS} s),
   * replacing its A records and any CNAME. With no address, removes its A records.
   */
  public void setA(String name, String... ipv4) {
    setRecords(name, Type.A, DEFAULT_TTL_SECONDS, ipv4);
  }

  /**
   * Makes {@code name} hold exactly these IPv6 addresses (TTL {@value #DEFAULT_TTL_SECONDS} s),
   * replacing its AAAA records and any CNAME. With no address, removes its AAAA records.
   */
  public void setAAAA(String name, String... ipv6) {
    setRecords(name, Type.AAAA, DEFAULT_TTL_SECONDS, ipv6);
  }

  /**
   * Makes {@code name} an alias of {@code target} (TTL {@value #DEFAULT_TTL_SECONDS} s), removing
   * every other record of {@code name} first, since a CNAME cannot coexist with other data. The
   * target may lie outside the zone.
   */
  public void setCname(String name, String target) {
    setRecords(name, Type.CNAME, DEFAULT_TTL_SECONDS, absolute(target));
  }

  /**
   * Replaces the records of one type at {@code name} with {@code rdata} (in zone-file syntax, for
   * example {@code "192.0.2.1"} for A, {@code "10 mail.bed.test."} for MX) at the given TTL. With
   * no rdata, removes that type's records. Setting a CNAME removes the name's other records;
   * setting anything else removes its CNAME, so BIND never silently ignores the change.
   *
   * @param type a record type from {@link org.xbill.DNS.Type}, for example {@code Type.A}
   */
  public void setRecords(String name, int type, long ttlSeconds, String... rdata) {
    Name owner = toName(name);
    Update update = newUpdate();
    if (type == Type.CNAME) {
      update.delete(owner);
    } else {
      update.delete(owner, Type.CNAME);
      update.delete(owner, type);
    }
    for (String data : rdata) {
      try {
        update.add(Record.fromString(owner, type, DClass.IN, ttlSeconds, data, Name.root));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "not valid " + Type.string(type) + " data for " + name + ": " + data, e);
      }
    }
    send(update, "set " + Type.string(type) + " " + List.of(rdata) + " at " + name);
  }

  /** Removes the records of one type at {@code name}; other types stay. */
  public void deleteRecords(String name, int type) {
    Update update = newUpdate();
    update.delete(toName(name), type);
    send(update, "delete " + Type.string(type) + " at " + name);
  }

  /** Removes every record at {@code name}, so that it answers NXDOMAIN. */
  public void delete(String name) {
    Update update = newUpdate();
    update.delete(toName(name));
    send(update, "delete " + name);
  }

  /**
   * A new resolver that asks the bed's server directly (UDP, falling back to TCP on truncated
   * answers) with a 2 s timeout. Tests may change its settings; each call returns a new one.
   */
  public SimpleResolver resolver() {
    SimpleResolver resolver = new SimpleResolver(servers.get(0));
    resolver.setTimeout(Duration.ofSeconds(2));
    return resolver;
  }

  // ---- Fixed names for each behaviour a resolver must handle ----

  /**
   * A name whose lookup never gets an answer within a client's timeout: the server waits 30 s on an
   * upstream that never replies before giving up with SERVFAIL. <b>Each call returns a different
   * name</b>, so that a lookup never joins another test's pending one (and then fails early with
   * it); keep the result when the same name is needed twice. Clients must send recursive queries
   * (RD flag set), as stub resolvers do.
   */
  public String timeoutName() {
    return "t" + COUNTER.incrementAndGet() + "-" + RUN_ID + ".timeout." + origin;
  }

  /** A name answered with SERVFAIL at once, for every type: its zone fails to load. */
  public String servfailName() {
    return "servfail." + origin;
  }

  /** A name that does not exist: NXDOMAIN for every type. */
  public String nxdomainName() {
    return "nxdomain." + origin;
  }

  /**
   * A name that has an A record ({@link #nodataAddress()}) and no AAAA record, so that an AAAA
   * query gets NOERROR with an empty answer (NODATA).
   */
  public String nodataName() {
    return "nodata." + origin;
  }

  /** The single IPv4 address of {@link #nodataName()}: {@code 192.0.2.10}. */
  public String nodataAddress() {
    return "192.0.2.10";
  }

  /**
   * The start of a chain of {@link #cnameChainLength()} CNAMEs ({@code chain -> chain-2 -> chain-3
   * -> chain-end}) ending at a name with the single A record {@link #cnameChainAddress()}.
   */
  public String cnameChainName() {
    return "chain." + origin;
  }

  /** How many CNAME records the chain of {@link #cnameChainName()} holds: 3. */
  public int cnameChainLength() {
    return 3;
  }

  /** The IPv4 address at the end of the chain of {@link #cnameChainName()}: {@code 192.0.2.20}. */
  public String cnameChainAddress() {
    return "192.0.2.20";
  }

  /**
   * One name of a CNAME loop ({@code loop-a -> loop-b -> loop-a}). BIND answers with both CNAMEs
   * and rcode SERVFAIL.
   */
  public String cnameLoopName() {
    return "loop-a." + origin;
  }

  /**
   * A name with {@link #largeAnswerCount()} A records ({@code 198.18.0.1} to {@code 198.18.0.150}),
   * too many for a UDP answer: the server sets the TC flag and the client must retry over TCP.
   */
  public String largeAnswerName() {
    return "large." + origin;
  }

  /** How many A records {@link #largeAnswerName()} holds: 150. */
  public int largeAnswerCount() {
    return 150;
  }

  /** A name with only an AAAA record, {@link #ipv6OnlyAddress()}; A queries get NODATA. */
  public String ipv6OnlyName() {
    return "v6only." + origin;
  }

  /** The IPv6 address of {@link #ipv6OnlyName()}: {@code 2001:db8::6}. */
  public String ipv6OnlyAddress() {
    return "2001:db8::6";
  }

  /**
   * A name with one A record ({@link #dualStackIpv4()}) and one AAAA ({@link #dualStackIpv6()}).
   */
  public String dualStackName() {
    return "dualstack." + origin;
  }

  /** The IPv4 address of {@link #dualStackName()}: {@code 192.0.2.46}. */
  public String dualStackIpv4() {
    return "192.0.2.46";
  }

  /** The IPv6 address of {@link #dualStackName()}: {@code 2001:db8::46}. */
  public String dualStackIpv6() {
    return "2001:db8::46";
  }

  // ---- Internals ----

  private Update newUpdate() {
    try {
      return new Update(Name.fromString(origin + "."));
    } catch (TextParseException e) {
      throw new TestBedException("the zone origin is not a DNS name: " + origin, e);
    }
  }

  /** Sends the update to every server of the zone. */
  private void send(Update update, String what) {
    for (InetSocketAddress server : servers) {
      send(server, update, what);
    }
  }

  /** Sends an update over TCP (an update may exceed a UDP datagram) and checks its rcode. */
  private static void send(InetSocketAddress server, Update update, String what) {
    SimpleResolver resolver = new SimpleResolver(server);
    resolver.setTCP(true);
    resolver.setTimeout(UPDATE_TIMEOUT);
    Message response;
    try {
      response = resolver.send(update);
    } catch (IOException e) {
      throw new TestBedException(
          "dynamic update (" + what + ") to the bed's DNS server " + server + " failed", e);
    }
    if (response.getRcode() != Rcode.NOERROR) {
      throw new TestBedException(
          "dynamic update ("
              + what
              + ") was rejected by the bed's DNS server "
              + server
              + " with "
              + Rcode.string(response.getRcode()));
    }
  }

  private Name toName(String name) {
    String absolute = absolute(name);
    String bare = absolute.substring(0, absolute.length() - 1).toLowerCase(Locale.ROOT);
    if (!bare.equals(origin) && !bare.endsWith("." + origin)) {
      throw new IllegalArgumentException(
          "name " + name + " is outside the test zone " + origin + "; see uniqueName(String)");
    }
    try {
      return Name.fromString(absolute);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("not a valid DNS name: " + name, e);
    }
  }

  private static String absolute(String name) {
    return name.endsWith(".") ? name : name + ".";
  }

  private static String randomSuffix(SecureRandom random, int length) {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder suffix = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      suffix.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return suffix.toString();
  }
}
