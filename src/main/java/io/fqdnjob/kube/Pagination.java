package io.fqdnjob.kube;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.kubernetes.client.openapi.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import okhttp3.Call;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists in pages, starting over when the API server says the continue token expired (410).
 *
 * <p>Items are kept without {@code metadata.managedFields}: {@code convert} sees them whole and
 * keeps what it needs, but as a tree of small JSON objects they took about a third of the memory a
 * listed object held, which a run over 10,000 resources could not afford within its heap.
 */
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
    return listAll(what, retry, pageCall, Function.identity());
  }

  /**
   * Lists every item and returns each as {@code convert} makes it, page by page, so that only one
   * page of JSON is held at a time when the converted form is smaller.
   */
  static <T> List<T> listAll(
      String what, ApiRetry retry, PageCall pageCall, Function<JsonObject, T> convert)
      throws ApiException {
    for (int restart = 0; ; restart++) {
      List<T> items = new ArrayList<>();
      String token = null;
      try {
        do {
          String current = token;
          JsonObject page =
              retry.call(what, () -> RawCalls.execute(retry.deadline(), pageCall.build(current)));
          for (JsonElement item : FqdnPolicyStore.items(page)) {
            if (item.isJsonObject()) {
              JsonObject object = item.getAsJsonObject();
              T converted = convert.apply(object);
              JsonElement metadata = object.get("metadata");
              if (metadata != null && metadata.isJsonObject()) {
                metadata.getAsJsonObject().remove("managedFields");
              }
              items.add(converted);
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
