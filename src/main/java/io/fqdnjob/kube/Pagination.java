package io.fqdnjob.kube;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.kubernetes.client.openapi.ApiException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Call;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Lists in pages, starting over when the API server says the continue token expired (410). */
final class Pagination {
  private static final Logger LOG = LoggerFactory.getLogger(Pagination.class);
  private static final int MAX_RESTARTS = 3;

  /** Builds the call for one page; {@code continueToken} is {@code null} for the first page. */
  @FunctionalInterface
  interface PageCall {
    Call build(String continueToken) throws ApiException;
  }

  private Pagination() {}

  static List<JsonObject> listAll(String what, ApiRetry retry, PageCall pageCall)
      throws ApiException {
    for (int restart = 0; ; restart++) {
      List<JsonObject> items = new ArrayList<>();
      String token = null;
      try {
        do {
          String current = token;
          JsonObject page = retry.call(what, () -> RawCalls.execute(pageCall.build(current)));
          for (JsonElement item : FqdnPolicyStore.items(page)) {
            if (item.isJsonObject()) {
              items.add(item.getAsJsonObject());
            }
          }
          JsonObject metadata = page.getAsJsonObject("metadata");
          token = metadata == null ? null : FqdnPolicyStore.string(metadata, "continue");
        } while (token != null && !token.isEmpty());
        return items;
      } catch (ApiException e) {
        if (e.getCode() != 410 || restart >= MAX_RESTARTS) {
          throw e;
        }
        LOG.info("{}: continue token expired, listing again from the start", what);
      }
    }
  }
}
