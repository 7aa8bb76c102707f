package io.fqdnjob.kube;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import okhttp3.Call;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists in pages, starting over when the API server says the continue token expired (410). Each
 * page is read item by item ({@link RawCalls#page}): what a list holds is its converted items.
 */
final class Pagination {
  private static final Logger LOG = LoggerFactory.getLogger(Pagination.class);
  private static final int MAX_RESTARTS = 3;
  private static final int MAX_EXPIRIES = 100;

  /** Builds the call for one page; {@code continueToken} is {@code null} for the first page. */
  @FunctionalInterface
  interface PageCall {
    Call build(String continueToken) throws ApiException;
  }

  private Pagination() {}

  /**
   * Lists every item and returns each as {@code convert} makes it (items it returns {@code null}
   * for are left out), page by page, so that only one page of JSON is held at a time when the
   * converted form is smaller. An expired continue token starts the list over: the result is one
   * consistent snapshot.
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
          RawCalls.Page<T> page =
              retry.call(
                  what, () -> RawCalls.page(retry.deadline(), pageCall.build(current), convert));
          items.addAll(page.items());
          token = page.continueToken();
        } while (token != null);
        return items;
      } catch (ApiException e) {
        if (e.getCode() != 410 || restart >= MAX_RESTARTS) {
          throw e;
        }
        LOG.info("{}: continue token expired, listing again from the start", what);
      }
    }
  }

  /**
   * The pages of one list, read one at a time when the caller asks for the next, so that the caller
   * holds one page however long the list, and does its work on a page outside the list's code: a
   * failure of that work is never taken for a failure of the list.
   *
   * <p>A caller that works on each page may take longer than the API server keeps the list's
   * snapshot (etcd compacts every five minutes). When the continue token expired (410), the list
   * goes on with the token the API server returns with that answer: from the next item on, read
   * from the current state. Every item is then handed over at most once, and every item that
   * existed through the whole list exactly once; nothing already handed over is listed again.
   */
  static final class Pages<T> {
    private final String what;
    private final ApiRetry retry;
    private final PageCall pageCall;
    private final Function<JsonObject, T> convert;
    private String token;
    private boolean done;
    private int expiries;

    Pages(String what, ApiRetry retry, PageCall pageCall, Function<JsonObject, T> convert) {
      this.what = what;
      this.retry = retry;
      this.pageCall = pageCall;
      this.convert = convert;
    }

    /** Returns the next page's items as converted, or {@code null} after the last page. */
    List<T> next() throws ApiException {
      while (!done) {
        String current = token;
        RawCalls.Page<T> page;
        try {
          page =
              retry.call(
                  what, () -> RawCalls.page(retry.deadline(), pageCall.build(current), convert));
        } catch (ApiException e) {
          String next = e.getCode() == 410 ? inconsistentContinue(e) : null;
          if (next == null || ++expiries > MAX_EXPIRIES) {
            throw e;
          }
          LOG.info("{}: continue token expired, going on from the current state", what);
          token = next;
          continue;
        }
        token = page.continueToken();
        done = token == null;
        return page.items();
      }
      return null;
    }
  }

  /**
   * Returns the continue token an API server sends with a 410 for an expired one (in the Status's
   * {@code metadata.continue}), or {@code null} when it sent none.
   */
  static String inconsistentContinue(ApiException e) {
    try {
      JsonElement body = JsonParser.parseString(e.getResponseBody());
      return body.isJsonObject() ? continueToken(body.getAsJsonObject()) : null;
    } catch (RuntimeException notJson) {
      return null;
    }
  }

  /** Returns the page's continue token, or {@code null} on the last page. */
  private static String continueToken(JsonObject page) {
    JsonElement metadata = page.get("metadata");
    String token =
        metadata != null && metadata.isJsonObject()
            ? FqdnPolicyStore.string(metadata.getAsJsonObject(), "continue")
            : null;
    return token == null || token.isEmpty() ? null : token;
  }
}
