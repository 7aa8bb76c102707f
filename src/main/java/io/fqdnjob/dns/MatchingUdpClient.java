package io.fqdnjob.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.io.DefaultIoClientFactory;
import org.xbill.DNS.io.IoClientFactory;
import org.xbill.DNS.io.TcpIoClient;
import org.xbill.DNS.io.UdpIoClient;

/**
 * Sends a DNS query over UDP for dnsjava's {@link org.xbill.DNS.SimpleResolver} and waits for the
 * datagram that answers it, dropping any other.
 *
 * <p>dnsjava's own UDP client hands the first datagram that arrives to {@code SimpleResolver},
 * which fails the query when that datagram's message ID or question is not the query's. Whoever can
 * get one datagram to the query's source port first, an off-path forger included, could so fail any
 * lookup. This client drops such datagrams (logged at debug level) and keeps reading until the
 * answer arrives or the timeout is reached, which fails with a {@link SocketTimeoutException} as
 * dnsjava's client does. A datagram with the query's ID that cannot be parsed, or has no question,
 * is handed on: {@code SimpleResolver} reports it as an unusable answer.
 *
 * <p>Each query has its own socket, bound to a random source port and connected to the server, so
 * that the system drops datagrams from any other address or port. The exchange blocks a virtual
 * thread of its own.
 */
final class MatchingUdpClient implements UdpIoClient {
  // The resolver's logger, so that one logger setting shows all of the resolver's traffic.
  private static final Logger log = LoggerFactory.getLogger(DnsResolver.class);

  private static final int FIRST_PORT = 1024;
  private static final int PORT_ATTEMPTS = 64;

  private final SecureRandom random = new SecureRandom();

  /**
   * Returns dnsjava's network clients with this class for UDP: what the resolver sends through
   * unless a test gives it another network.
   */
  static IoClientFactory network() {
    return new Network(new MatchingUdpClient(), new DefaultIoClientFactory());
  }

  private record Network(UdpIoClient udp, IoClientFactory dnsjava) implements IoClientFactory {
    @Override
    public TcpIoClient createOrGetTcpClient() {
      return dnsjava.createOrGetTcpClient();
    }

    @Override
    public UdpIoClient createOrGetUdpClient() {
      return udp;
    }
  }

  @Override
  public CompletableFuture<byte[]> sendAndReceiveUdp(
      InetSocketAddress local,
      InetSocketAddress remote,
      Message query,
      byte[] data,
      int max,
      Duration timeout) {
    CompletableFuture<byte[]> reply = new CompletableFuture<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    Thread.ofVirtual()
        .name("dns-udp-" + query.getHeader().getID())
        .start(() -> {
          try {
            reply.complete(exchange(local, remote, query, data, max, deadline));
          } catch (IOException | RuntimeException e) {
            reply.completeExceptionally(e);
          }
        });
    return reply;
  }

  private byte[] exchange(
      InetSocketAddress local,
      InetSocketAddress remote,
      Message query,
      byte[] data,
      int max,
      long deadline)
      throws IOException {
    try (DatagramSocket socket = bind(local)) {
      socket.connect(remote);
      socket.send(new DatagramPacket(data, data.length));
      byte[] buffer = new byte[max];
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SocketTimeoutException(
              "no answer from " + Addresses.hostAndPort(remote) + " in time");
        }
        // At least 1 ms: 0 would mean no timeout at all.
        socket.setSoTimeout((int) Math.clamp(TimeUnit.NANOSECONDS.toMillis(left), 1, 600_000));
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        socket.receive(packet);
        byte[] received = Arrays.copyOf(buffer, packet.getLength());
        String mismatch = mismatch(query, received);
        if (mismatch == null) {
          return received;
        }
        log.debug(
            "Dropped a UDP datagram from {} while waiting for the answer to query id {}: {}",
            Addresses.hostAndPort(remote),
            query.getHeader().getID(),
            mismatch);
      }
    }
  }

  /** Returns a socket bound to {@code local}, on a random port when it names none. */
  private DatagramSocket bind(InetSocketAddress local) throws SocketException {
    DatagramSocket socket = new DatagramSocket(null);
    try {
      if (local != null && local.getPort() != 0) {
        socket.bind(local);
        return socket;
      }
      for (int i = 0; i < PORT_ATTEMPTS; i++) {
        int port = FIRST_PORT + random.nextInt(65536 - FIRST_PORT);
        try {
          socket.bind(
              local == null
                  ? new InetSocketAddress(port)
                  : new InetSocketAddress(local.getAddress(), port));
          return socket;
        } catch (SocketException e) {
          // Taken: try another.
        }
      }
      // Hardly ever reached; the system's choice of port is random as well.
      socket.bind(local == null ? new InetSocketAddress(0) : local);
      return socket;
    } catch (SocketException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * Returns why {@code received} is not the answer to {@code query}, or {@code null} when it may
   * be.
   */
  private static String mismatch(Message query, byte[] received) {
    if (received.length < Header.LENGTH) {
      return "shorter than a DNS header (" + received.length + " bytes)";
    }
    int id = ((received[0] & 0xff) << 8) | (received[1] & 0xff);
    if (id != query.getHeader().getID()) {
      return "message id " + id;
    }
    Message reply;
    try {
      reply = new Message(received);
    } catch (IOException e) {
      return null;
    }
    Record asked = query.getQuestion();
    Record answered = reply.getQuestion();
    if (asked == null || answered == null) {
      return null;
    }
    if (!asked.getName().equals(answered.getName())
        || asked.getType() != answered.getType()
        || asked.getDClass() != answered.getDClass()) {
      return "answers another question (" + answered + ")";
    }
    return null;
  }
}
