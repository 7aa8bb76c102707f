package io.fqdnjob.bench;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A client that resolves the way a Java service does: through {@link InetAddress}, whose positive
 * cache keeps an answer for 30 s by default ({@code networkaddress.cache.ttl}), so the service goes
 * on connecting to an address for up to 30 s after the name stopped answering it. Each attempt
 * resolves (from the cache when fresh), then opens a TCP connection to the first address, and
 * prints one line in the format of the bed's C client ({@code scripts/lib/dns-client.c}):
 *
 * <pre>{@code <unix time in ms> <address or -> <allowed|refused|timeout|unresolved> <answer>}</pre>
 *
 * <p>It runs in pods of the product image with its class file mounted from a ConfigMap ({@code
 * scripts/bench.sh --rotation}); it uses nothing but {@code java.base}.
 *
 * <p>Usage: {@code java -cp DIR io.fqdnjob.bench.JvmDnsClient NAME PORT [INTERVAL_MS]
 * [CONNECT_TIMEOUT_MS]}.
 */
public final class JvmDnsClient {
  private JvmDnsClient() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 2) {
      System.err.println("usage: JvmDnsClient NAME PORT [INTERVAL_MS] [CONNECT_TIMEOUT_MS]");
      System.exit(2);
    }
    String name = args[0];
    int port = Integer.parseInt(args[1]);
    long intervalMillis = args.length > 2 ? Long.parseLong(args[2]) : 1000;
    int timeoutMillis = args.length > 3 ? Integer.parseInt(args[3]) : 2000;
    while (true) {
      long started = System.currentTimeMillis();
      System.out.println(started + " " + attempt(name, port, timeoutMillis));
      long rest = intervalMillis - (System.currentTimeMillis() - started);
      if (rest > 0) {
        Thread.sleep(rest);
      }
    }
  }

  private static String attempt(String name, int port, int timeoutMillis) {
    InetAddress[] answer;
    try {
      answer = InetAddress.getAllByName(name);
    } catch (UnknownHostException e) {
      return "- unresolved " + String.valueOf(e.getMessage()).replace(' ', '_');
    }
    String all =
        Arrays.stream(answer).map(InetAddress::getHostAddress).collect(Collectors.joining(","));
    InetAddress first = answer[0];
    String outcome;
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(first, port), timeoutMillis);
      outcome = "allowed";
    } catch (SocketTimeoutException e) {
      outcome = "timeout";
    } catch (ConnectException e) {
      outcome = "refused";
    } catch (IOException e) {
      outcome = "refused";
    }
    return first.getHostAddress() + " " + outcome + " " + all;
  }
}
