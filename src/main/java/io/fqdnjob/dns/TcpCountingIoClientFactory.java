package io.fqdnjob.dns;

import java.util.concurrent.atomic.LongAdder;
import org.xbill.DNS.io.DefaultIoClientFactory;
import org.xbill.DNS.io.IoClientFactory;
import org.xbill.DNS.io.TcpIoClient;
import org.xbill.DNS.io.UdpIoClient;

/**
 * dnsjava's own network clients, with every TCP message counted.
 *
 * <p>The resolver never asks for TCP, so each TCP message is a retry that {@link
 * org.xbill.DNS.SimpleResolver} makes after a truncated UDP answer; the resolver cannot see those
 * retries from outside.
 */
final class TcpCountingIoClientFactory implements IoClientFactory {
  private static final IoClientFactory DEFAULT = new DefaultIoClientFactory();

  private final LongAdder counter;

  TcpCountingIoClientFactory(LongAdder counter) {
    this.counter = counter;
  }

  @Override
  public TcpIoClient createOrGetTcpClient() {
    TcpIoClient tcp = DEFAULT.createOrGetTcpClient();
    return (local, remote, query, data, timeout) -> {
      counter.increment();
      return tcp.sendAndReceiveTcp(local, remote, query, data, timeout);
    };
  }

  @Override
  public UdpIoClient createOrGetUdpClient() {
    return DEFAULT.createOrGetUdpClient();
  }
}
