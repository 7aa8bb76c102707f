package io.fqdnjob.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BedEnvironmentTest {
  @Test
  void parsesTheExportLinesOfTheScript() {
    String output =
        """
        export FQDN_TESTBED_DIR='/repo/target/testbed'
        export KUBECONFIG='/repo/target/testbed/admin.kubeconfig'
        export FQDN_TESTBED_KUBECTL='/cache/bin/kubectl'
        export FQDN_TESTBED_API_SERVER='https://127.0.0.1:26012'
        export FQDN_TESTBED_CA='/repo/target/testbed/pki/ca.crt'
        export FQDN_TESTBED_DNS='127.0.0.1:23088'
        export FQDN_TESTBED_DNS_STATS='http://127.0.0.1:22214/json/v1/server'
        export FQDN_TESTBED_ZONE='bed.test.'
        export FQDN_TESTBED_PUSHGATEWAY='http://127.0.0.1:29780'
        export FQDN_TESTBED_DNS_ALT='127.0.0.1:21606'
        export FQDN_TESTBED_SPLIT_ZONE='split.bed.test.'
        """;

    BedEnvironment env = BedEnvironment.parse(Path.of("/repo"), output);

    assertEquals(Path.of("/repo/target/testbed/admin.kubeconfig"), env.kubeconfig());
    assertEquals(23088, env.dnsAddress().getPort());
    assertEquals("127.0.0.1:23088", env.dnsServer());
    assertEquals("bed.test", env.zoneOrigin());
    assertEquals("https://127.0.0.1:26012", env.apiServerUrl());
    assertEquals("http://127.0.0.1:29780", env.pushgatewayUrl());
    assertEquals(21606, env.dnsAltAddress().getPort());
    assertEquals("split.bed.test", env.splitZoneOrigin());
  }

  @Test
  void namesTheMissingVariable() {
    TestBedException e =
        assertThrows(
            TestBedException.class,
            () -> BedEnvironment.parse(Path.of("/repo"), "export FQDN_TESTBED_DNS='127.0.0.1:1'"));
    assertTrue(e.getMessage().contains("FQDN_TESTBED_ZONE"), e.getMessage());
  }
}
