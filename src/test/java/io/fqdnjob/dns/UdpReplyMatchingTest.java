package io.fqdnjob.dns;

import static io.fqdnjob.dns.FakeDnsServer.a;
import static io.fqdnjob.dns.FakeDnsServer.ip;
import static io.fqdnjob.dns.FakeDnsServer.response;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fqdnjob.dns.LookupResult.Failure;
import io.fqdnjob.dns.LookupResult.Success;
import io.fqdnjob.model.ResolveReason;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The resolver's own UDP path against a server on a real socket: replies that do not belong to the
 * query, as an off-path forger would send them, are dropped and the real answer is still awaited.
 */
@Timeout(30)
class UdpReplyMatchingTest {
  private static final LookupKey WWW_A = LookupKey.a("www.example.com");
  private static final Duration LONG = Duration.ofSeconds(10);
  private static final Duration SHORT = Duration.ofMillis(500);

  private UdpResponder server;
  private DnsResolver resolver;

  @AfterEach
  void close() throws Exception {
    if (resolver != null) {
      resolver.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private LookupResult resolve(Function<Message, List<Message>> replies, Duration timeout)
      throws Exception {
    server = new UdpResponder(replies);
    resolver = new DnsResolver(DnsResolver.Config.of(List.of(server.address())));
    return resolver.resolve(WWW_A, timeout).get(20, TimeUnit.SECONDS);
  }

  private static Message answer(Message query, String ip) {
    return response(query, Rcode.NOERROR, a("www.example.com", 300, ip));
  }

  private static Message withOtherId(Message reply) {
    reply.getHeader().setID((reply.getHeader().getID() + 1) & 0xffff);
    return reply;
  }

  @Test
  void replyWithAnotherIdIsDroppedAndTheRealAnswerUsed() throws Exception {
    LookupResult result =
        resolve(
            query ->
                List.of(withOtherId(answer(query, "203.0.113.66")), answer(query, "192.0.2.1")),
            LONG);

    Success success = assertInstanceOf(Success.class, result);
    assertEquals(List.of(ip("192.0.2.1")), success.addresses());
    assertEquals(1, server.queries.size());
  }

  @Test
  void replyToAnotherQuestionIsDroppedAndTheRealAnswerUsed() throws Exception {
    LookupResult result =
        resolve(
            query -> {
              Message forged = new Message(query.getHeader().getID());
              forged.getHeader().setFlag(Flags.QR);
              forged.addRecord(
                  Record.newRecord(FakeDnsServer.name("other.example.com"), Type.A, DClass.IN),
                  Section.QUESTION);
              forged.addRecord(a("other.example.com", 300, "203.0.113.66"), Section.ANSWER);
              return List.of(forged, answer(query, "192.0.2.1"));
            },
            LONG);

    Success success = assertInstanceOf(Success.class, result);
    assertEquals(List.of(ip("192.0.2.1")), success.addresses());
  }

  @Test
  void onlyRepliesWithAnotherIdTimeOut() throws Exception {
    LookupResult result =
        resolve(
            query ->
                List.of(
                    withOtherId(answer(query, "203.0.113.66")),
                    withOtherId(withOtherId(answer(query, "203.0.113.67")))),
            SHORT);

    Failure failure = assertInstanceOf(Failure.class, result);
    assertEquals(ResolveReason.TIMEOUT, failure.reason(), failure.message());
    assertTrue(
        failure.message().startsWith("no answer from " + Addresses.hostAndPort(server.address())),
        failure.message());
  }

  @Test
  void serverWhereNothingListensIsTemporary() throws Exception {
    InetSocketAddress closed;
    try (DatagramSocket socket =
        new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      closed = (InetSocketAddress) socket.getLocalSocketAddress();
    }
    resolver = new DnsResolver(DnsResolver.Config.of(List.of(closed)));

    LookupResult result = resolver.resolve(WWW_A, LONG).get(20, TimeUnit.SECONDS);

    Failure failure = assertInstanceOf(Failure.class, result);
    assertEquals(ResolveReason.TEMPORARY, failure.reason(), failure.message());
    assertTrue(failure.message().endsWith("nothing listens on that port"), failure.message());
  }
}
