package io.fqdnjob.kube;

import io.kubernetes.client.openapi.ApiException;
import java.util.List;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * A failed API request that knows what it was: method, path and API server, so that a message says
 * more than {@code SocketTimeoutException: timeout}.
 */
public final class RequestFailedException extends ApiException {
  private final String request;

  RequestFailedException(Request request, Throwable cause) {
    super(cause.getMessage(), cause, 0, null);
    this.request = describe(request);
  }

  RequestFailedException(
      Request request, String message, int code, Map<String, List<String>> headers, String body) {
    super(message, code, headers, body);
    this.request = describe(request);
  }

  /**
   * Returns e.g. {@code PATCH /apis/networking.k8s.io/v1/namespaces/a/networkpolicies/b on API
   * server 127.0.0.1:6443}.
   */
  public String request() {
    return request;
  }

  static String describe(Request request) {
    HttpUrl url = request.url();
    return request.method()
        + " "
        + url.encodedPath()
        + " on API server "
        + url.host()
        + ":"
        + url.port();
  }
}
