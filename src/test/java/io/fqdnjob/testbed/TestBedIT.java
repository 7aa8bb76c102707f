package io.fqdnjob.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import io.kubernetes.client.openapi.apis.NetworkingV1Api;
import io.kubernetes.client.openapi.apis.RbacAuthorizationV1Api;
import io.kubernetes.client.openapi.models.RbacV1Subject;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1RoleRef;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.util.PatchUtils;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** Proves that the test bed offers what integration tests rely on. */
@ExtendWith(TestBedExtension.class)
class TestBedIT {
  private static final String GROUP = "fqdn.konsole.is";
  private static final String VERSION = "v1alpha1";
  private static final String PLURAL = "fqdnnetworkpolicies";
  private static final Duration GC_TIMEOUT = Duration.ofSeconds(120);

  @BeforeAll
  static void installCrd(TestBed bed) {
    bed.installCrd();
  }

  // ---- Kubernetes ----

  @Test
  void kubectlAndTheClassNamespaceWork(TestBed bed) {
    assertEquals(
        "Active",
        bed.kubectl("get", "namespace", bed.namespace(), "-o", "jsonpath={.status.phase}"));
    bed.kubectlApply(
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: applied-by-kubectl
        data:
          key: value
        """);
    assertEquals(
        "value",
        bed.kubectl(
            "get",
            "configmap",
            "applied-by-kubectl",
            "-n",
            bed.namespace(),
            "-o",
            "jsonpath={.data.key}"));
  }

  @Test
  void networkPolicyOwnedByCustomResourceIsGarbageCollected(TestBed bed) throws Exception {
    ApiClient client = bed.client();
    String namespace = bed.namespace();
    CustomObjectsApi customObjects = new CustomObjectsApi(client);
    NetworkingV1Api networking = new NetworkingV1Api(client);

    Map<String, Object> resource =
        Map.of(
            "apiVersion",
            GROUP + "/" + VERSION,
            "kind",
            "NetworkPolicy",
            "metadata",
            Map.of("name", "web-https"),
            "spec",
            Map.of(
                "podSelector", Map.of("matchLabels", Map.of("app", "web")),
                "egress",
                    List.of(
                        Map.of(
                            "toFQDNS", List.of("api.example.com"),
                            "ports", List.of(Map.of("protocol", "TCP", "port", 443))))));
    Map<?, ?> created =
        (Map<?, ?>)
            customObjects
                .createNamespacedCustomObject(GROUP, VERSION, namespace, PLURAL, resource)
                .execute();
    String uid = (String) ((Map<?, ?>) created.get("metadata")).get("uid");
    assertNotNull(uid, "the created custom resource has a uid");

    // The body is built from scratch and holds only the fields this manager owns. (The
    // client-java model classes start with empty lists and maps, which would claim ownership of
    // empty fields such as spec.ingress, so the body is written out here.)
    String body =
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: fqdn-web-https
          namespace: %s
          ownerReferences:
            - apiVersion: %s/%s
              kind: NetworkPolicy
              name: web-https
              uid: %s
              controller: true
              blockOwnerDeletion: true
        spec:
          podSelector:
            matchLabels:
              app: web
          policyTypes: [Egress]
          egress:
            - to:
                - ipBlock:
                    cidr: 192.0.2.1/32
              ports:
                - protocol: TCP
                  port: 443
        """
            .formatted(namespace, GROUP, VERSION, uid);

    V1NetworkPolicy applied = apply(client, networking, namespace, body);
    V1OwnerReference owner = applied.getMetadata().getOwnerReferences().get(0);
    assertEquals(uid, owner.getUid());
    assertEquals(Boolean.TRUE, owner.getController());
    assertEquals(List.of("192.0.2.1/32"), cidrs(applied));
    // Read through kubectl: client-java 27.0.0 drops metadata.managedFields when deserializing.
    assertEquals(
        "fqdn-job:Apply",
        bed.kubectl(
            "get",
            "networkpolicy",
            "fqdn-web-https",
            "-n",
            namespace,
            "--show-managed-fields",
            "-o",
            "jsonpath={range .metadata.managedFields[*]}{.manager}:{.operation}{end}"),
        "the field manager owns the applied fields");
    // Applying the same body again changes nothing, as server-side apply promises.
    assertEquals(
        applied.getMetadata().getResourceVersion(),
        apply(client, networking, namespace, body).getMetadata().getResourceVersion());

    customObjects
        .deleteNamespacedCustomObject(GROUP, VERSION, namespace, PLURAL, "web-https")
        .body(new V1DeleteOptions().propagationPolicy("Background"))
        .execute();

    Instant deadline = Instant.now().plus(GC_TIMEOUT);
    while (true) {
      try {
        networking.readNamespacedNetworkPolicy("fqdn-web-https", namespace).execute();
      } catch (ApiException e) {
        if (e.getCode() == 404) {
          return;
        }
        throw e;
      }
      if (Instant.now().isAfter(deadline)) {
        fail(
            "the garbage collector did not delete the NetworkPolicy within "
                + GC_TIMEOUT.toSeconds()
                + " s after its owner was deleted");
      }
      Thread.sleep(250);
    }
  }

  private static List<String> cidrs(V1NetworkPolicy policy) {
    return policy.getSpec().getEgress().stream()
        .flatMap(rule -> rule.getTo().stream())
        .map(peer -> peer.getIpBlock().getCidr())
        .toList();
  }

  private static V1NetworkPolicy apply(
      ApiClient client, NetworkingV1Api networking, String namespace, String body)
      throws ApiException {
    return PatchUtils.patch(
        V1NetworkPolicy.class,
        () ->
            networking
                .patchNamespacedNetworkPolicy("fqdn-web-https", namespace, new V1Patch(body))
                .fieldManager("fqdn-job")
                .force(true)
                .buildCall(null),
        V1Patch.PATCH_FORMAT_APPLY_YAML,
        client);
  }

  @Test
  void mintedTokenCarriesTheServiceAccountsRbacRights(TestBed bed) throws Exception {
    String namespace = bed.namespace();
    new CoreV1Api(bed.client())
        .createNamespacedServiceAccount(
            namespace, new V1ServiceAccount().metadata(new V1ObjectMeta().name("reader")))
        .execute();
    RbacAuthorizationV1Api rbac = new RbacAuthorizationV1Api(bed.client());
    rbac.createNamespacedRole(
            namespace,
            new V1Role()
                .metadata(new V1ObjectMeta().name("configmap-reader"))
                .rules(
                    List.of(
                        new V1PolicyRule()
                            .apiGroups(List.of(""))
                            .resources(List.of("configmaps"))
                            .verbs(List.of("get", "list")))))
        .execute();
    rbac.createNamespacedRoleBinding(
            namespace,
            new V1RoleBinding()
                .metadata(new V1ObjectMeta().name("reader-reads-configmaps"))
                .roleRef(
                    new V1RoleRef()
                        .apiGroup("rbac.authorization.k8s.io")
                        .kind("Role")
                        .name("configmap-reader"))
                .subjects(
                    List.of(
                        new RbacV1Subject()
                            .kind("ServiceAccount")
                            .name("reader")
                            .namespace(namespace))))
        .execute();

    CoreV1Api asReader = new CoreV1Api(bed.clientWithToken(bed.mintToken(namespace, "reader")));

    // The authorizer learns of new bindings through a watch, so the first calls may still fail.
    Instant deadline = Instant.now().plusSeconds(30);
    while (true) {
      try {
        asReader.listNamespacedConfigMap(namespace).execute();
        break;
      } catch (ApiException e) {
        if (e.getCode() != 403 || Instant.now().isAfter(deadline)) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
    ApiException forbidden =
        assertThrows(ApiException.class, () -> asReader.listNamespacedSecret(namespace).execute());
    assertEquals(403, forbidden.getCode(), "reading secrets is not granted");

    ApiException unauthenticated =
        assertThrows(
            ApiException.class,
            () ->
                new CoreV1Api(bed.clientWithToken("not-a-token"))
                    .listNamespacedConfigMap(namespace)
                    .execute());
    assertEquals(401, unauthenticated.getCode());
  }

  // ---- DNS ----

  @Test
  void dynamicUpdatesChangeTheAnswer(TestBed bed) throws Exception {
    TestZone zone = bed.zone();
    String name = zone.uniqueName("web");
    assertTrue(name.endsWith("." + zone.origin()) && !name.endsWith("."), name);
    SimpleResolver resolver = new SimpleResolver(bed.dnsAddress());
    resolver.setTimeout(Duration.ofSeconds(2));

    assertEquals(Rcode.NXDOMAIN, query(resolver, name, Type.A).getRcode());

    zone.setA(name, "192.0.2.1");
    assertEquals(Set.of("192.0.2.1"), addresses(query(resolver, name, Type.A)));

    zone.setA(name, "192.0.2.2", "192.0.2.3");
    assertEquals(Set.of("192.0.2.2", "192.0.2.3"), addresses(query(resolver, name, Type.A)));

    zone.setRecords(name, Type.A, 7, "192.0.2.4");
    Message withTtl = query(resolver, name, Type.A);
    assertEquals(Set.of("192.0.2.4"), addresses(withTtl));
    assertEquals(7, withTtl.getSection(Section.ANSWER).get(0).getTTL());

    zone.setAAAA(name, "2001:db8::1");
    assertEquals(Set.of("2001:db8:0:0:0:0:0:1"), addresses(query(resolver, name, Type.AAAA)));

    zone.setCname(name, zone.dualStackName());
    assertEquals(Set.of(zone.dualStackIpv4()), addresses(query(resolver, name, Type.A)));

    zone.delete(name);
    assertEquals(Rcode.NXDOMAIN, query(resolver, name, Type.A).getRcode());

    assertThrows(IllegalArgumentException.class, () -> zone.setA("outside.example", "192.0.2.1"));
  }

  @Test
  void unansweredNameTimesOut(TestBed bed) throws Exception {
    SimpleResolver resolver = bed.zone().resolver();
    resolver.setTimeout(Duration.ofSeconds(3));
    long started = System.nanoTime();
    assertThrows(IOException.class, () -> query(resolver, bed.zone().timeoutName(), Type.A));
    assertTrue(
        Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofMillis(2900)) >= 0,
        "no answer came before the client's 3 s timeout");
  }

  @Test
  void failureRcodes(TestBed bed) throws Exception {
    TestZone zone = bed.zone();
    SimpleResolver resolver = zone.resolver();

    assertEquals(Rcode.SERVFAIL, query(resolver, zone.servfailName(), Type.A).getRcode());
    assertEquals(Rcode.NXDOMAIN, query(resolver, zone.nxdomainName(), Type.A).getRcode());

    Message nodata = query(resolver, zone.nodataName(), Type.AAAA);
    assertEquals(Rcode.NOERROR, nodata.getRcode());
    assertTrue(nodata.getSection(Section.ANSWER).isEmpty(), "NODATA has an empty answer");
    assertEquals(
        Set.of(zone.nodataAddress()), addresses(query(resolver, zone.nodataName(), Type.A)));

    Message loop = query(resolver, zone.cnameLoopName(), Type.A);
    assertEquals(Rcode.SERVFAIL, loop.getRcode());
    assertTrue(addresses(loop).isEmpty());

    // Names outside the bed's zones are answered by the bed's own root zone, never the internet.
    assertEquals(Rcode.NXDOMAIN, query(resolver, "www.example.invalid", Type.A).getRcode());
    // The documentation zones exist for the demo, empty until it fills them.
    assertEquals(Rcode.NOERROR, query(resolver, "example.com", Type.SOA).getRcode());
  }

  @Test
  void cnameChainLeadsToTheAddress(TestBed bed) throws Exception {
    TestZone zone = bed.zone();
    Message answer = query(zone.resolver(), zone.cnameChainName(), Type.A);
    assertEquals(Rcode.NOERROR, answer.getRcode());
    long cnames =
        answer.getSection(Section.ANSWER).stream().filter(r -> r instanceof CNAMERecord).count();
    assertEquals(zone.cnameChainLength(), cnames);
    assertEquals(Set.of(zone.cnameChainAddress()), addresses(answer));
  }

  @Test
  void largeAnswerIsTruncatedOverUdpAndCompleteOverTcp(TestBed bed) throws Exception {
    TestZone zone = bed.zone();

    SimpleResolver udpOnly = zone.resolver();
    udpOnly.setIgnoreTruncation(true);
    Message overUdp = query(udpOnly, zone.largeAnswerName(), Type.A);
    assertTrue(overUdp.getHeader().getFlag(Flags.TC), "the UDP answer has the TC flag");
    assertTrue(addresses(overUdp).size() < zone.largeAnswerCount());

    SimpleResolver tcp = zone.resolver();
    tcp.setTCP(true);
    assertEquals(
        zone.largeAnswerCount(), addresses(query(tcp, zone.largeAnswerName(), Type.A)).size());

    // A default resolver retries over TCP by itself.
    assertEquals(
        zone.largeAnswerCount(),
        addresses(query(zone.resolver(), zone.largeAnswerName(), Type.A)).size());
  }

  @Test
  void ipv6OnlyAndDualStackNames(TestBed bed) throws Exception {
    TestZone zone = bed.zone();
    SimpleResolver resolver = zone.resolver();

    Message v6onlyA = query(resolver, zone.ipv6OnlyName(), Type.A);
    assertEquals(Rcode.NOERROR, v6onlyA.getRcode());
    assertTrue(v6onlyA.getSection(Section.ANSWER).isEmpty());
    assertEquals(
        Set.of(normalizeIpv6(zone.ipv6OnlyAddress())),
        addresses(query(resolver, zone.ipv6OnlyName(), Type.AAAA)));

    assertEquals(
        Set.of(zone.dualStackIpv4()), addresses(query(resolver, zone.dualStackName(), Type.A)));
    assertEquals(
        Set.of(normalizeIpv6(zone.dualStackIpv6())),
        addresses(query(resolver, zone.dualStackName(), Type.AAAA)));
  }

  @Test
  void statisticsChannelCountsQueries(TestBed bed) throws Exception {
    query(bed.zone().resolver(), bed.zone().nodataName(), Type.A);
    HttpResponse<String> stats =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(bed.dnsStatsUrl()))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, stats.statusCode());
    assertTrue(stats.body().contains("\"QUERY\""), "the statistics count queries by opcode");
    assertFalse(bed.dnsStatsUrl().isBlank());
  }

  // ---- Helpers ----

  private static Message query(SimpleResolver resolver, String name, int type) throws IOException {
    Record question = Record.newRecord(Name.fromString(name + "."), type, DClass.IN);
    return resolver.send(Message.newQuery(question));
  }

  /** The A and AAAA addresses in an answer, as text ({@code 2001:db8:0:0:0:0:0:1} style). */
  private static Set<String> addresses(Message answer) {
    return answer.getSection(Section.ANSWER).stream()
        .map(r -> {
          if (r instanceof ARecord a) {
            return a.getAddress().getHostAddress();
          }
          if (r instanceof AAAARecord aaaa) {
            return aaaa.getAddress().getHostAddress();
          }
          return null;
        })
        .filter(a -> a != null)
        .collect(Collectors.toSet());
  }

  private static String normalizeIpv6(String address) throws IOException {
    return java.net.InetAddress.getByName(address).getHostAddress();
  }
}
