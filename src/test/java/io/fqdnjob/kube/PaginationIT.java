package io.fqdnjob.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import io.fqdnjob.model.ResourceId;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.TestBed;
import io.fqdnjob.testbed.TestBedException;
import io.fqdnjob.testbed.TestBedExtension;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A list in pages whose continue token expires between two pages: the test compacts the bed's etcd
 * past the list's revision just before the second page is asked for, so the API server answers 410
 * Expired. The list goes on from the next item with the token that answer carries (a run may have
 * written the resources of the pages before, and must not list them again), and every resource is
 * handed over exactly once.
 */
@ExtendWith(TestBedExtension.class)
class PaginationIT {
  private static final int RESOURCES = 7;

  @Test
  void anExpiredContinueTokenGoesOnFromTheNextItemAndEveryResourceIsSeenOnce(TestBed bed)
      throws Exception {
    bed.installCrd();
    String ns = bed.namespace();
    String name = bed.zone().uniqueName("pages");
    for (int i = 0; i < RESOURCES; i++) {
      BedObjects.applyFqdn(
          bed, ns, "page-" + i, null, "podSelector: {}\negress:\n- toFQDNS: [" + name + "]\n");
    }
    List<Integer> continuedCodes = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean compacted = new AtomicBoolean();
    ApiClient client = KubeClients.create(bed.kubeconfig(), Duration.ofSeconds(30));
    client.setHttpClient(
        client
            .getHttpClient()
            .newBuilder()
            .addInterceptor(chain -> {
              boolean continued = chain.request().url().queryParameter("continue") != null;
              if (continued && compacted.compareAndSet(false, true)) {
                // A write moves etcd past the list's revision; compacting there expires the
                // token.
                bed.kubectl("create", "configmap", "compaction-marker", "-n", ns);
                compactEtcd(bed);
              }
              Response response = chain.proceed(chain.request());
              if (continued) {
                continuedCodes.add(response.code());
              }
              return response;
            })
            .build());

    List<ListedResource> listed = new ArrayList<>();
    List<Integer> pageSizes = new ArrayList<>();
    FqdnPolicyStore.Pages pages =
        new FqdnPolicyStore(client, ApiRetry.standard(), 2)
            .pages(new Scope(new TreeSet<>(Set.of(ns)), null, new TreeSet<>()), id -> true);
    for (List<ListedResource> page = pages.next(); page != null; page = pages.next()) {
      pageSizes.add(page.size());
      listed.addAll(page);
    }

    assertTrue(compacted.get(), "the list had a second page");
    assertEquals(410, continuedCodes.get(0), "the API server expired the token: " + continuedCodes);
    List<ResourceId> ids = listed.stream().map(ListedResource::id).toList();
    assertEquals(RESOURCES, ids.size(), ids.toString());
    TreeSet<ResourceId> expected = new TreeSet<>();
    for (int i = 0; i < RESOURCES; i++) {
      expected.add(new ResourceId(ns, "page-" + i));
    }
    assertEquals(expected, new TreeSet<>(ids), "each resource exactly once");
    // The list went on from the token the 410 carried: no page was read twice.
    assertEquals(List.of(2, 2, 2, 1), pageSizes);
  }

  /** Compacts the bed's etcd at its current revision, through etcd's JSON gateway. */
  private static void compactEtcd(TestBed bed) {
    String range = etcd(bed, "/v3/kv/range", "{\"key\":\"AA==\"}");
    String revision =
        JsonParser.parseString(range)
            .getAsJsonObject()
            .getAsJsonObject("header")
            .get("revision")
            .getAsString();
    etcd(bed, "/v3/kv/compaction", "{\"revision\":\"" + revision + "\",\"physical\":true}");
  }

  private static String etcd(TestBed bed, String path, String body) {
    try {
      Process curl =
          new ProcessBuilder(
                  "curl",
                  "-sS",
                  "--fail",
                  "--max-time",
                  "10",
                  "--cacert",
                  bed.caCertificate().toString(),
                  "--cert",
                  bed.etcdClientCertificate().toString(),
                  "--key",
                  bed.etcdClientKey().toString(),
                  "-X",
                  "POST",
                  "-d",
                  body,
                  bed.etcdUrl() + path)
              .redirectErrorStream(true)
              .start();
      String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!curl.waitFor(15, TimeUnit.SECONDS) || curl.exitValue() != 0) {
        throw new TestBedException("etcd " + path + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new TestBedException("could not run curl for etcd " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestBedException("interrupted", e);
    }
  }
}
