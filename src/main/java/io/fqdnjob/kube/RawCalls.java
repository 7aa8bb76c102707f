package io.fqdnjob.kube;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Okio;

/**
 * Executes calls built by the generated API classes and returns the response as plain JSON.
 *
 * <p>The job compares and rewrites objects as JSON; going through the generated models would fill
 * in empty collections and defaults that the server never sent.
 */
final class RawCalls {
  private static final MediaType APPLY_PATCH = MediaType.get(V1Patch.PATCH_FORMAT_APPLY_YAML);

  private RawCalls() {}

  static JsonObject execute(Call call) throws ApiException {
    try (Response response = call.execute()) {
      ResponseBody body = response.body();
      String text = body == null ? "" : body.string();
      if (!response.isSuccessful()) {
        throw new ApiException(
            response.message(), response.code(), response.headers().toMultimap(), text);
      }
      return text.isEmpty() ? new JsonObject() : JsonParser.parseString(text).getAsJsonObject();
    } catch (IOException e) {
      throw new ApiException(e.getMessage(), e, 0, null);
    }
  }

  /**
   * Sends the request that {@code call} was built for as a server-side apply of {@code body}
   * (content type {@code application/apply-patch+yaml}, as {@code PatchUtils} would send it).
   *
   * <p>The object the server answers with is read to the end but never parsed: the job has no use
   * for it, and parsing every answer of a large run into a tree costs CPU on the machine the API
   * server may share. A failure throws the same {@link ApiException} as {@link #execute}.
   */
  static void apply(ApiClient client, Call call, String body) throws ApiException {
    Request request =
        call.request()
            .newBuilder()
            .header("Content-Type", APPLY_PATCH.toString())
            // From bytes: a String body would add "; charset=utf-8" to the content type.
            .patch(RequestBody.create(body.getBytes(StandardCharsets.UTF_8), APPLY_PATCH))
            .build();
    try (Response response = client.getHttpClient().newCall(request).execute()) {
      ResponseBody responseBody = response.body();
      if (!response.isSuccessful()) {
        String text = responseBody == null ? "" : responseBody.string();
        throw new ApiException(
            response.message(), response.code(), response.headers().toMultimap(), text);
      }
      if (responseBody != null) {
        responseBody.source().readAll(Okio.blackhole());
      }
    } catch (IOException e) {
      throw new ApiException(e.getMessage(), e, 0, null);
    }
  }
}
