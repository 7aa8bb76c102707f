package io.fqdnjob.dns;

import static io.fqdnjob.dns.FakeDnsServer.a;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.dns.LookupResult.Failure;
import io.fqdnjob.dns.LookupResult.Success;
import io.fqdnjob.model.ResolveReason;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.io.IoClientFactory;
import org.xbill.DNS.io.TcpIoClient;
import org.xbill.DNS.io.UdpIoClient;

/**
 * The resolver with its built-in dnsjava {@code SimpleResolver}, on a network layer in memory: what
 * goes over UDP and TCP, and how the answers are read.
 */
@Timeout(30)
class SimpleResolverPathTest {
  private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 5353);
  private static final LookupKey BIG_A = LookupKey.a("big.example.com");

  /** A network that answers each query with a function of the query. */
  private static final class FakeNetwork implements IoClientFactory {
    final List<Message> udpQueries = new CopyOnWriteArrayList<>();
    final List<Message> tcpQueries = new CopyOnWriteArrayList<>();
    final List<Duration> udpTimeouts = new CopyOnWriteArrayList<>();
    volatile Function<Message, CompletableFuture<byte[]>> udp;
    volatile Function<Message, CompletableFuture<byte[]>> tcp;

    @Override
    public UdpIoClient createOrGetUdpClient() {
      return (local, remote, query, data, max, timeout) -> {
        Message sent = parse(data);
        udpQueries.add(sent);
        udpTimeouts.add(timeout);
        return udp.apply(sent);
      };
    }

    @Override
    public TcpIoClient createOrGetTcpClient() {
      return (local, remote, query, data, timeout) -> {
        Message sent = parse(data);
        tcpQueries.add(sent);
        return tcp.apply(sent);
      };
    }

    private static Message parse(byte[] data) {
      try {
        return new Message(data);
      } catch (IOException e) {
        throw new AssertionError("query is not a DNS message", e);
      }
    }
  }

  private final FakeNetwork network = new FakeNetwork();
  private final DnsResolver resolver =
      new DnsResolver(DnsResolver.Config.of(List.of(SERVER)), network);

  @AfterEach
  void close() {
    resolver.close();
  }

  private LookupResult resolve(LookupKey key) throws Exception {
    return resolver.resolve(key, Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
  }

  private static Record[] manyRecords(int count) {
    Record[] records = new Record[count];
    for (int i = 0; i < count; i++) {
      records[i] = a("big.example.com", 300, "10.0." + (i / 250) + "." + (1 + i % 250));
    }
    return records;
  }

  private static CompletableFuture<byte[]> wire(Message message) {
    return CompletableFuture.completedFuture(message.toWire());
  }

  @Test
  void truncatedUdpAnswerIsRetriedOverTcp() throws Exception {
    network.udp =
        query -> {
          Message truncated = FakeDnsServer.response(query, Rcode.NOERROR);
          truncated.getHeader().setFlag(Flags.TC);
          return wire(truncated);
        };
    network.tcp = query -> wire(FakeDnsServer.response(query, Rcode.NOERROR, manyRecords(150)));

    Success success = assertInstanceOf(Success.class, resolve(BIG_A));

    assertEquals(150, success.addresses().size());
    assertEquals(1, network.udpQueries.size());
    assertEquals(1, network.tcpQueries.size());
    // The UDP query and its TCP retry are two messages.
    assertEquals(2, resolver.queriesSent());
  }

  @Test
  void answerThatFitsNeedsNoTcp() throws Exception {
    network.udp = query -> wire(FakeDnsServer.response(query, Rcode.NOERROR, manyRecords(3)));

    assertInstanceOf(Success.class, resolve(BIG_A));

    assertTrue(network.tcpQueries.isEmpty());
    assertEquals(1, resolver.queriesSent());
  }

  @Test
  void queryIsAbsoluteRecursiveWithEdnsAndCarriesTheTimeout() throws Exception {
    network.udp = query -> wire(FakeDnsServer.response(query, Rcode.NXDOMAIN));

    resolve(new LookupKey("Big.Example.com.", RecordType.AAAA));

    Message sent = network.udpQueries.get(0);
    assertEquals("big.example.com.", sent.getQuestion().getName().toString());
    assertEquals(RecordType.AAAA.dnsType(), sent.getQuestion().getType());
    assertTrue(sent.getHeader().getFlag(Flags.RD));
    // EDNS lets answers up to 1280 bytes come over UDP.
    assertNotNull(sent.getOPT());
    assertEquals(Duration.ofSeconds(10), network.udpTimeouts.get(0));
  }

  @Test
  void portUnreachableIsTemporary() throws Exception {
    network.udp = query -> CompletableFuture.failedFuture(new PortUnreachableException());

    Failure failure = assertInstanceOf(Failure.class, resolve(BIG_A));

    assertEquals(ResolveReason.TEMPORARY, failure.reason());
    assertEquals(
        "127.0.0.1:5353 unreachable for big.example.com (A): nothing listens on that port",
        failure.message());
  }
}
