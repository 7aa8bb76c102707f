package io.fqdnjob.kube;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import okhttp3.Call;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Executes calls built by the generated API classes and returns the response as plain JSON.
 *
 * <p>The job compares and rewrites objects as JSON; going through the generated models would fill
 * in empty collections and defaults that the server never sent.
 */
final class RawCalls {
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
}
