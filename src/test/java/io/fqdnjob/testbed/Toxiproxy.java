package io.fqdnjob.testbed;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Drives the bed's Toxiproxy through its HTTP API: a TCP proxy in front of a server, and faults
 * ("toxics") on it. Tests put a proxy in front of the API server and point the job at the proxy.
 *
 * <pre>{@code
 * try (Toxiproxy.Proxy proxy = bed.toxiproxy().inFrontOfApiServer(bed, "stall")) {
 *   proxy.stall();
 *   job.runWith(proxy.kubeconfig(), ...);
 * }
 * }</pre>
 */
public final class Toxiproxy {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String url;

  Toxiproxy(String url) {
    this.url = url;
  }

  /**
   * Creates a proxy named {@code name} on a free loopback port below 30000 that forwards to the
   * bed's API server, and a kubeconfig (admin credentials) that talks to the API server through it.
   */
  public Proxy inFrontOfApiServer(TestBed bed, String name) {
    URI api = URI.create(bed.apiServerUrl());
    int port = freePort();
    JsonObject body = new JsonObject();
    body.addProperty("name", name);
    body.addProperty("listen", "127.0.0.1:" + port);
    body.addProperty("upstream", api.getHost() + ":" + api.getPort());
    body.addProperty("enabled", true);
    delete("/proxies/" + name); // a leftover of an interrupted test
    send("POST", "/proxies", body);
    try {
      String kubeconfig =
          java.nio.file.Files.readString(bed.kubeconfig())
              .replace("server: " + bed.apiServerUrl(), "server: https://127.0.0.1:" + port);
      java.nio.file.Path file =
          java.nio.file.Files.createTempFile("fqdn-job-" + name, ".kubeconfig");
      java.nio.file.Files.writeString(file, kubeconfig);
      return new Proxy(name, port, file);
    } catch (IOException e) {
      throw new TestBedException("could not write a kubeconfig for proxy " + name, e);
    }
  }

  /** A proxy of this Toxiproxy; closing it deletes it (and its toxics) and its kubeconfig. */
  public final class Proxy implements AutoCloseable {
    private final String name;
    private final int port;
    private final java.nio.file.Path kubeconfig;

    private Proxy(String name, int port, java.nio.file.Path kubeconfig) {
      this.name = name;
      this.port = port;
      this.kubeconfig = kubeconfig;
    }

    /** The address clients connect to, {@code 127.0.0.1:PORT}. */
    public String address() {
      return "127.0.0.1:" + port;
    }

    /** A kubeconfig with the bed's admin credentials whose server is this proxy. */
    public java.nio.file.Path kubeconfig() {
      return kubeconfig;
    }

    /**
     * Accepts connections and never answers: every byte in both directions is held until the toxic
     * is removed (toxic {@code timeout} with timeout 0). Returns the toxic's name.
     */
    public String stall() {
      addToxic("stall-down", "timeout", "downstream", Map.of("timeout", 0));
      return addToxic("stall-up", "timeout", "upstream", Map.of("timeout", 0));
    }

    /** Delays every chunk from the server by {@code latency}. Returns the toxic's name. */
    public String latency(Duration latency) {
      return addToxic(
          "latency", "latency", "downstream", Map.of("latency", latency.toMillis(), "jitter", 0));
    }

    /**
     * Resets every connection (TCP RST) as soon as data arrives on it, until removed. Returns the
     * toxic's name.
     */
    public String resetPeer() {
      return addToxic("reset", "reset_peer", "upstream", Map.of("timeout", 0));
    }

    /** Adds a toxic with toxicity 1 (every connection); returns its name. */
    public String addToxic(
        String toxic, String type, String stream, Map<String, ? extends Number> attributes) {
      JsonObject body = new JsonObject();
      body.addProperty("name", toxic);
      body.addProperty("type", type);
      body.addProperty("stream", stream);
      body.addProperty("toxicity", 1.0);
      JsonObject attrs = new JsonObject();
      attributes.forEach(attrs::addProperty);
      body.add("attributes", attrs);
      send("POST", "/proxies/" + name + "/toxics", body);
      return toxic;
    }

    /** Removes every toxic of this proxy: traffic passes unchanged again. */
    public void clearToxics() {
      String list = send("GET", "/proxies/" + name + "/toxics", null);
      for (var toxic : com.google.gson.JsonParser.parseString(list).getAsJsonArray()) {
        delete("/proxies/" + name + "/toxics/" + toxic.getAsJsonObject().get("name").getAsString());
      }
    }

    @Override
    public void close() {
      delete("/proxies/" + name);
      try {
        java.nio.file.Files.deleteIfExists(kubeconfig);
      } catch (IOException ignored) {
        // A temporary file; nothing depends on it.
      }
    }
  }

  private void delete(String path) {
    send("DELETE", path, null, true);
  }

  private String send(String method, String path, JsonObject body) {
    return send(method, path, body, false);
  }

  private String send(String method, String path, JsonObject body, boolean notFoundIsFine) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofSeconds(10))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body.toString()))
            .header("Content-Type", "application/json")
            .build();
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      int code = response.statusCode();
      if (code / 100 != 2 && !(notFoundIsFine && code == 404)) {
        throw new TestBedException(
            "Toxiproxy "
                + method
                + " "
                + url
                + path
                + " answered "
                + code
                + ": "
                + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new TestBedException("Toxiproxy " + method + " " + url + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestBedException("interrupted talking to Toxiproxy", e);
    }
  }

  /** A free loopback port below 30000 (the bed's rule: below Kubernetes' NodePort range). */
  private static int freePort() {
    for (int tries = 0; tries < 100; tries++) {
      int port = ThreadLocalRandom.current().nextInt(20000, 30000);
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new TestBedException("no free loopback port between 20000 and 29999");
  }
}
