package io.fqdnjob.dns;

import java.util.concurrent.atomic.LongAdder;
import org.xbill.DNS.io.IoClientFactory;
import org.xbill.DNS.io.TcpIoClient;
import org.xbill.DNS.io.UdpIoClient;

/**
 * The network clients of the resolver's {@link org.xbill.DNS.SimpleResolver}s (real sockets unless
 * tests say otherwise), with every TCP message counted.
 *
 * <p>The resolver never asks for TCP, so each TCP message is a retry that {@link
 * org.xbill.DNS.SimpleResolver} makes after a truncated UDP answer; the resolver cannot see those
 * retries from outside.
 */
final class TcpCountingIoClientFactory implements IoClientFactory {
  private final LongAdder counter;
  private final IoClientFactory delegate;

  TcpCountingIoClientFactory(LongAdder counter, IoClientFactory delegate) {
    this.counter = counter;
    this.delegate = delegate;
  }

  @Override
  public TcpIoClient createOrGetTcpClient() {
    TcpIoClient tcp = delegate.createOrGetTcpClient();
    return (local, remote, query, data, timeout) -> {
      counter.increment();
      return tcp.sendAndReceiveTcp(local, remote, query, data, timeout);
    };
  }

  @Override
  public UdpIoClient createOrGetUdpClient() {
    return delegate.createOrGetUdpClient();
  }
}
