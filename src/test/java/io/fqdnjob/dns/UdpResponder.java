package io.fqdnjob.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.xbill.DNS.Message;

/**
 * A DNS server on a real UDP socket of the loopback interface: each query gets the replies a
 * function makes of it, sent in order to the port the query came from. For tests of what the
 * resolver does with the datagrams it receives.
 */
final class UdpResponder implements AutoCloseable {
  final List<Message> queries = new CopyOnWriteArrayList<>();
  private final DatagramSocket socket;
  private final Function<Message, List<Message>> replies;
  private final Thread thread;

  UdpResponder(Function<Message, List<Message>> replies) throws SocketException {
    this.replies = replies;
    this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    this.thread = new Thread(this::serve, "udp-responder");
    thread.setDaemon(true);
    thread.start();
  }

  /** Returns the address the responder listens on. */
  InetSocketAddress address() {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  private void serve() {
    byte[] buffer = new byte[65535];
    while (!socket.isClosed()) {
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(packet);
        Message query = new Message(Arrays.copyOf(buffer, packet.getLength()));
        queries.add(query);
        SocketAddress client = packet.getSocketAddress();
        for (Message reply : replies.apply(query)) {
          byte[] wire = reply.toWire();
          socket.send(new DatagramPacket(wire, wire.length, client));
        }
      } catch (IOException e) {
        // Closed, or a datagram that is no DNS message: nothing to answer.
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    socket.close();
    thread.join();
  }
}
