package io.fqdnjob.migration;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fqdnjob.kube.ApiRetry;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.ApiextensionsV1Api;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import io.kubernetes.client.openapi.apis.NetworkingV1Api;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import okhttp3.Call;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Reads what the migration check looks at, with GET and LIST requests only. A request that fails (a
 * missing right, most often) leaves its part unread and is recorded as a {@link Gap} naming the
 * right and what could not be checked; the other parts are read all the same.
 */
public final class ClusterReader {
  private static final int PAGE_SIZE = 500;

  /** Builds the call for one page; {@code continueToken} is {@code null} for the first. */
  @FunctionalInterface
  private interface PageCall {
    Call build(String continueToken) throws ApiException;
  }

  private final ApiRetry retry;
  private final ApiextensionsV1Api crds;
  private final AppsV1Api apps;
  private final CoordinationV1Api coordination;
  private final CustomObjectsApi custom;
  private final NetworkingV1Api networking;

  public ClusterReader(ApiClient client, ApiRetry retry) {
    this.retry = retry;
    this.crds = new ApiextensionsV1Api(client);
    this.apps = new AppsV1Api(client);
    this.coordination = new CoordinationV1Api(client);
    this.custom = new CustomObjectsApi(client);
    this.networking = new NetworkingV1Api(client);
  }

  /**
   * Reads the cluster.
   *
   * @param namespaces where to list fqdn resources and NetworkPolicies; empty means all
   * @param controllerNamespace where to look for fqdn-controller's Deployment and Lease, or {@code
   *     null} for all namespaces
   */
  public ClusterState read(SortedSet<String> namespaces, String controllerNamespace) {
    List<Gap> gaps = new ArrayList<>();
    boolean crdRead = true;
    JsonObject crd = null;
    try {
      crd =
          retry.call(
              "get crd",
              () -> execute(crds.readCustomResourceDefinition(CrdCheck.CRD_NAME).buildCall(null)));
    } catch (ApiException e) {
      if (e.getCode() != 404) {
        crdRead = false;
        gaps.add(
            gap(
                "get",
                "customresourcedefinitions.apiextensions.k8s.io",
                null,
                e,
                "whether the CRD has fqdn-job's schema and whether a Helm release owns it"));
      }
    }
    String controllerScope = controllerNamespace == null ? Gap.ALL_NAMESPACES : controllerNamespace;
    List<JsonObject> deployments =
        list(
            "list",
            "deployments.apps",
            controllerScope,
            "whether fqdn-controller's Deployment still runs",
            gaps,
            cont ->
                controllerNamespace == null
                    ? apps.listDeploymentForAllNamespaces()
                        .limit(PAGE_SIZE)
                        ._continue(cont)
                        .buildCall(null)
                    : apps.listNamespacedDeployment(controllerNamespace)
                        .limit(PAGE_SIZE)
                        ._continue(cont)
                        .buildCall(null));
    String leaseField = "metadata.name=" + FqdnController.LEASE_NAME;
    List<JsonObject> leases =
        list(
            "list",
            "leases.coordination.k8s.io",
            controllerScope,
            "whether fqdn-controller holds its leader Lease " + FqdnController.LEASE_NAME,
            gaps,
            cont ->
                controllerNamespace == null
                    ? coordination
                        .listLeaseForAllNamespaces()
                        .fieldSelector(leaseField)
                        .limit(PAGE_SIZE)
                        ._continue(cont)
                        .buildCall(null)
                    : coordination
                        .listNamespacedLease(controllerNamespace)
                        .fieldSelector(leaseField)
                        .limit(PAGE_SIZE)
                        ._continue(cont)
                        .buildCall(null));
    List<JsonObject> resources = new ArrayList<>();
    List<JsonObject> policies = new ArrayList<>();
    String plan = "; the first run's plan could not be computed";
    for (String namespace : namespaces.isEmpty() ? List.of(Gap.ALL_NAMESPACES) : namespaces) {
      boolean all = Gap.ALL_NAMESPACES.equals(namespace);
      List<JsonObject> listed =
          list(
              "list",
              FqdnNetworkPolicy.PLURAL + "." + FqdnNetworkPolicy.GROUP,
              namespace,
              "which fqdn resources the new schema refuses" + plan,
              gaps,
              cont ->
                  all
                      ? custom
                          .listClusterCustomObject(
                              FqdnNetworkPolicy.GROUP,
                              FqdnNetworkPolicy.VERSION,
                              FqdnNetworkPolicy.PLURAL)
                          .limit(PAGE_SIZE)
                          ._continue(cont)
                          .buildCall(null)
                      : custom
                          .listNamespacedCustomObject(
                              FqdnNetworkPolicy.GROUP,
                              FqdnNetworkPolicy.VERSION,
                              namespace,
                              FqdnNetworkPolicy.PLURAL)
                          .limit(PAGE_SIZE)
                          ._continue(cont)
                          .buildCall(null));
      if (listed == null || resources == null) {
        resources = null;
      } else {
        resources.addAll(listed);
      }
      List<JsonObject> listedPolicies =
          list(
              "list",
              "networkpolicies.networking.k8s.io",
              namespace,
              "which NetworkPolicies carry labels copied by fqdn-controller" + plan,
              gaps,
              cont ->
                  all
                      ? networking
                          .listNetworkPolicyForAllNamespaces()
                          .limit(PAGE_SIZE)
                          ._continue(cont)
                          .buildCall(null)
                      : networking
                          .listNamespacedNetworkPolicy(namespace)
                          .limit(PAGE_SIZE)
                          ._continue(cont)
                          .buildCall(null));
      if (listedPolicies == null || policies == null) {
        policies = null;
      } else {
        policies.addAll(listedPolicies);
      }
    }
    return new ClusterState(
        namespaces, crdRead, crd, deployments, leases, resources, policies, gaps);
  }

  /**
   * Lists every page; on failure records a gap and returns {@code null}. An expired continue token
   * (410) starts the list over, once.
   */
  private List<JsonObject> list(
      String verb,
      String resource,
      String namespace,
      String notChecked,
      List<Gap> gaps,
      PageCall pageCall) {
    for (int attempt = 0; ; attempt++) {
      List<JsonObject> items = new ArrayList<>();
      String token = null;
      try {
        do {
          String current = token;
          JsonObject page =
              retry.call(verb + " " + resource, () -> execute(pageCall.build(current)));
          for (JsonElement item :
              page.has("items") && page.get("items").isJsonArray()
                  ? page.getAsJsonArray("items")
                  : new com.google.gson.JsonArray()) {
            if (item.isJsonObject()) {
              items.add(item.getAsJsonObject());
            }
          }
          token = Json.string(Json.object(page, "metadata"), "continue");
          token = token == null || token.isEmpty() ? null : token;
        } while (token != null);
        return items;
      } catch (ApiException e) {
        if (e.getCode() == 410 && attempt == 0) {
          continue;
        }
        gaps.add(gap(verb, resource, namespace, e, notChecked));
        return null;
      }
    }
  }

  private static Gap gap(
      String verb, String resource, String namespace, ApiException e, String notChecked) {
    return new Gap(verb, resource, namespace, e.getCode(), message(e), notChecked);
  }

  /** Returns the API server's message of a refusal, or the failure's own. */
  static String message(ApiException e) {
    String body = e.getResponseBody();
    if (body != null && body.startsWith("{")) {
      try {
        JsonObject status = JsonParser.parseString(body).getAsJsonObject();
        String message = Json.string(status, "message");
        if (message != null) {
          return message;
        }
      } catch (RuntimeException notJson) {
        // Not a Status: fall through to the exception's own description.
      }
    }
    if (e.getCode() == 0) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
    return body == null || body.isBlank() ? String.valueOf(e.getMessage()) : body.strip();
  }

  private static JsonObject execute(Call call) throws ApiException {
    try (Response response = call.execute()) {
      ResponseBody body = response.body();
      String text = body == null ? "" : body.string();
      if (!response.isSuccessful()) {
        throw new ApiException(
            response.message(), response.code(), response.headers().toMultimap(), text);
      }
      return text.isEmpty() ? new JsonObject() : JsonParser.parseString(text).getAsJsonObject();
    } catch (IOException e) {
      throw new ApiException(
          call.request().method() + " " + call.request().url().encodedPath() + ": " + e,
          e,
          0,
          null);
    }
  }
}
