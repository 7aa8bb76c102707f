package io.fqdnjob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.net.InetAddresses;
import io.fqdnjob.kube.ConfigurationException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --dns-server HOST[:PORT]}: addresses of both families, and host names looked up once. */
class DnsOptionsTest {
  private final List<String> lookedUp = new ArrayList<>();

  private final DnsOptions.HostLookup lookup =
      host -> {
        lookedUp.add(host);
        InetAddress[] found =
            Map.of(
                    "dns.example",
                    new InetAddress[] {
                      InetAddresses.forString("192.0.2.53"), InetAddresses.forString("2001:db8::53")
                    },
                    "one.example.",
                    new InetAddress[] {InetAddresses.forString("198.51.100.1")})
                .get(host);
        if (found == null) {
          throw new UnknownHostException(host + ": Name or service not known");
        }
        return found;
      };

  private List<InetSocketAddress> parse(String... values) throws ConfigurationException {
    return DnsOptions.parseServers(List.of(values), lookup);
  }

  private static InetSocketAddress at(String address, int port) {
    return new InetSocketAddress(InetAddresses.forString(address), port);
  }

  @Test
  void addressesOfBothFamiliesWithAndWithoutPort() throws ConfigurationException {
    assertEquals(
        List.of(
            at("10.0.0.10", 53),
            at("10.0.0.11", 5353),
            at("2001:db8::1", 53),
            at("2001:db8::2", 53),
            at("2001:db8::3", 5353)),
        parse("10.0.0.10", "10.0.0.11:5353", "2001:db8::1", "[2001:db8::2]", "[2001:db8::3]:5353"));
    assertEquals(List.of(), lookedUp, "an address is not looked up");
  }

  @Test
  void aHostNameStandsForEveryAddressItHasInOrder() throws ConfigurationException {
    assertEquals(
        List.of(at("192.0.2.53", 5353), at("2001:db8::53", 5353), at("198.51.100.1", 53)),
        parse("dns.example:5353", "one.example."));
    assertEquals(List.of("dns.example", "one.example."), lookedUp);
  }

  @Test
  void aNameThatDoesNotResolveNamesTheFlagAndTheName() {
    ConfigurationException e =
        assertThrows(ConfigurationException.class, () -> parse("10.0.0.1", "nowhere.example:53"));
    assertEquals(
        "--dns-server 'nowhere.example:53': the host name 'nowhere.example' does not resolve"
            + " through the system resolver",
        e.getMessage());
  }

  @Test
  void malformedValuesAreRefusedWithoutALookup() {
    for (String value : List.of("a b", "[2001:db8::1", "10.0.0.1:99999", ":53", "dns..example")) {
      ConfigurationException e = assertThrows(ConfigurationException.class, () -> parse(value));
      assertTrue(e.getMessage().startsWith("--dns-server '" + value + "'"), e.getMessage());
    }
    assertEquals(List.of(), lookedUp);
  }

  @Test
  void theSystemResolverIsAskedOnceAndTheAnswerKept() throws ConfigurationException {
    DnsOptions options = new DnsOptions();
    options.servers = List.of("localhost:5353");
    List<InetSocketAddress> first = options.servers();
    assertTrue(
        first.stream().allMatch(a -> a.getAddress().isLoopbackAddress() && a.getPort() == 5353),
        first.toString());
    assertTrue(options.namesGiven());
    assertTrue(first == options.servers(), "parsed once");
  }
}
