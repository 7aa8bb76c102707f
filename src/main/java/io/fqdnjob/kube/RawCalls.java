package io.fqdnjob.kube;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.JSON;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
 * in empty collections and defaults that the server never sent. Reads that only look at an answer
 * take the generated model ({@link #typed}), under the same bound.
 */
final class RawCalls {
  private static final MediaType APPLY_PATCH = MediaType.get(V1Patch.PATCH_FORMAT_APPLY_YAML);

  private RawCalls() {}

  /**
   * Executes {@code call}, its whole exchange bounded by the client's call timeout cut to what is
   * left of {@code deadline}. A failure throws a {@link RequestFailedException} naming the request
   * and the API server.
   */
  static JsonObject execute(Deadline deadline, Call call) throws ApiException {
    return read(
        deadline,
        call,
        body -> {
          String text = body == null ? "" : body.string();
          return text.isEmpty() ? new JsonObject() : JsonParser.parseString(text).getAsJsonObject();
        });
  }

  /** Reads the body of a successful answer. */
  @FunctionalInterface
  private interface BodyReader<T> {
    T read(ResponseBody body) throws IOException;
  }

  /**
   * Executes the read {@code call}, bounded as {@link #execute} and cancelled by a stop, and
   * returns what {@code reader} makes of a successful answer's body ({@code null} when there is
   * none). A refusal or an I/O failure throws a {@link RequestFailedException} naming the request.
   */
  private static <T> T read(Deadline deadline, Call call, BodyReader<T> reader)
      throws ApiException {
    bound(call, deadline);
    try (StopSignal.Registration cancel = cancelOnStop(call, deadline);
        Response response = call.execute()) {
      if (!response.isSuccessful()) {
        throw refused(call.request(), response);
      }
      return reader.read(response.body());
    } catch (IOException e) {
      throw new RequestFailedException(call.request(), e);
    }
  }

  /**
   * Executes {@code call}, bounded as {@link #execute}, and returns its answer read into the
   * generated model {@code type}, for small reads where the model serves. A failure throws a {@link
   * RequestFailedException} naming the request, as {@link #execute} does.
   *
   * <p>The answer is read by {@link #MODELS}, not by the client's own Gson: the client checks every
   * object against the fields its model knows and throws on any other, so an API server one release
   * newer than the client (a new field in a listed object) would fail every such read.
   */
  static <T> T typed(Deadline deadline, Call call, Class<T> type) throws ApiException {
    return read(
        deadline,
        call,
        body -> {
          try {
            return body == null ? null : MODELS.fromJson(body.charStream(), type);
          } catch (JsonParseException e) {
            throw new IOException(
                "the answer is not a " + type.getSimpleName() + ": " + e.getMessage(), e);
          }
        });
  }

  /**
   * Reads the generated models field by field as their {@code SerializedName}s say, leaving out
   * fields they do not know; with the client's reading of timestamps and without {@code
   * managedFields}, as the client reads them.
   */
  private static final Gson MODELS =
      JSON.createGson()
          .registerTypeAdapter(OffsetDateTime.class, new JSON.OffsetDateTimeTypeAdapter())
          .create();

  /**
   * One page of a list: its items as converted, and the token for the next page ({@code null} on
   * the last one).
   */
  record Page<T>(List<T> items, String continueToken) {}

  /**
   * Executes the list call {@code call}, bounded as {@link #execute}, and reads its answer as it
   * arrives: each item is parsed into a tree of its own and handed to {@code convert} (items it
   * returns {@code null} for are left out), so that neither the answer's text nor a tree of the
   * whole page is ever held. {@code convert} sees an item whole; what it keeps of the tree loses
   * {@code metadata.managedFields}, which took about a third of the memory of a listed object.
   */
  static <T> Page<T> page(Deadline deadline, Call call, Function<JsonObject, T> convert)
      throws ApiException {
    return read(
        deadline,
        call,
        body -> {
          if (body == null) {
            return new Page<>(List.of(), null);
          }
          try (JsonReader reader = new JsonReader(body.charStream())) {
            return readPage(reader, convert);
          } catch (JsonParseException e) {
            throw new IOException("the answer is not a list: " + e.getMessage(), e);
          }
        });
  }

  /** Reads a list's items and its continue token, whatever the order of its members. */
  private static <T> Page<T> readPage(JsonReader reader, Function<JsonObject, T> convert)
      throws IOException {
    if (reader.peek() != JsonToken.BEGIN_OBJECT) {
      throw new IOException("the answer is not a list: it starts with " + reader.peek());
    }
    List<T> items = new ArrayList<>();
    String token = null;
    reader.beginObject();
    while (reader.hasNext()) {
      String name = reader.nextName();
      if (name.equals("items") && reader.peek() == JsonToken.BEGIN_ARRAY) {
        reader.beginArray();
        while (reader.hasNext()) {
          T value = converted(JsonParser.parseReader(reader), convert);
          if (value != null) {
            items.add(value);
          }
        }
        reader.endArray();
      } else if (name.equals("metadata") && reader.peek() == JsonToken.BEGIN_OBJECT) {
        token =
            FqdnPolicyStore.string(JsonParser.parseReader(reader).getAsJsonObject(), "continue");
      } else {
        reader.skipValue();
      }
    }
    reader.endObject();
    return new Page<>(items, token == null || token.isEmpty() ? null : token);
  }

  /**
   * Returns what {@code convert} makes of {@code item} ({@code null} for an item that is not an
   * object), after which the item's tree loses {@code metadata.managedFields}.
   */
  private static <T> T converted(JsonElement item, Function<JsonObject, T> convert) {
    if (!item.isJsonObject()) {
      return null;
    }
    T value = convert.apply(item.getAsJsonObject());
    JsonElement metadata = item.getAsJsonObject().get("metadata");
    if (metadata != null && metadata.isJsonObject()) {
      metadata.getAsJsonObject().remove("managedFields");
    }
    return value;
  }

  /** The failure for an answer that is not a success: its code, message, headers and body. */
  private static RequestFailedException refused(Request request, Response response)
      throws IOException {
    ResponseBody body = response.body();
    return new RequestFailedException(
        request,
        response.message(),
        response.code(),
        response.headers().toMultimap(),
        body == null ? "" : body.string());
  }

  /**
   * Cancels the read {@code call} when the run is stopped: nothing a read returns after a stop is
   * used. Writes are not cancelled: one in flight ends by itself, within its timeout, so that the
   * run knows whether it was stored.
   */
  private static StopSignal.Registration cancelOnStop(Call call, Deadline deadline) {
    return deadline.stop().onStop(call::cancel);
  }

  /**
   * Sets the timeout of the whole call (connect, write, wait, read) to the client's call timeout,
   * or to what is left of the deadline when that is less.
   */
  static void bound(Call call, Deadline deadline) {
    long configured = call.timeout().timeoutNanos();
    Duration limit =
        deadline.cap(configured == 0 ? Duration.ofDays(1) : Duration.ofNanos(configured));
    // Zero would mean no timeout at all.
    call.timeout().timeout(Math.max(1, limit.toNanos()), TimeUnit.NANOSECONDS);
  }

  /**
   * Sends the request that {@code call} was built for as a server-side apply of {@code body}
   * (content type {@code application/apply-patch+yaml}, as {@code PatchUtils} would send it).
   *
   * <p>The object the server answers with is read to the end but never parsed: the job has no use
   * for it, and parsing every answer of a large run into a tree costs CPU on the machine the API
   * server may share. A failure throws the same {@link ApiException} as {@link #execute}.
   */
  static void apply(ApiClient client, Deadline deadline, Call call, String body)
      throws ApiException {
    Request request =
        call.request()
            .newBuilder()
            .header("Content-Type", APPLY_PATCH.toString())
            // From bytes: a String body would add "; charset=utf-8" to the content type.
            .patch(RequestBody.create(body.getBytes(StandardCharsets.UTF_8), APPLY_PATCH))
            .build();
    Call applyCall = client.getHttpClient().newCall(request);
    bound(applyCall, deadline);
    try (Response response = applyCall.execute()) {
      if (!response.isSuccessful()) {
        throw refused(request, response);
      }
      ResponseBody responseBody = response.body();
      if (responseBody != null) {
        responseBody.source().readAll(Okio.blackhole());
      }
    } catch (IOException e) {
      throw new RequestFailedException(request, e);
    }
  }
}
