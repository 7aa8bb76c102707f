package io.fqdnjob.kube;

import com.google.common.hash.Hashing;
import io.fqdnjob.model.FqdnNetworkPolicy;
import io.fqdnjob.model.ResourceId;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1EventSource;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes Events on fqdn resources, synchronously: a batch job that queued them on a background
 * thread would lose whatever was still queued when it exits.
 */
public final class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

  /** Event type. */
  public enum Type {
    Normal,
    Warning
  }

  private final CoreV1Api api;
  private final ApiRetry retry;
  private final String instance;

  public EventRecorder(ApiClient client, ApiRetry retry, String instance) {
    this.api = new CoreV1Api(client);
    // Best effort: one attempt, bounded by the call timeout and the run's deadline. A retried
    // event would hold a writer thread that the next resource's writes need.
    this.retry = retry.single();
    this.instance = instance;
  }

  /**
   * Records an event on the resource. A failure to record is logged, not thrown: events are
   * advisory and must not fail a run whose writes succeeded. One attempt, no retry; none once the
   * run's deadline has passed.
   *
   * <p>The event's name is derived from the resource's uid, {@code basis} and {@code reason}, so
   * that two runs that overlap (a run started by hand while the scheduled one runs) and make the
   * same decision from the same state name the same event: the second create is refused as already
   * existing, and the change is announced once.
   *
   * @param basis the state the decision was made from, e.g. the resourceVersions the run listed
   */
  public void record(
      ResourceId id, String uid, String basis, Type type, String reason, String message) {
    OffsetDateTime now = OffsetDateTime.ofInstant(Instant.now(), ZoneOffset.UTC);
    CoreV1Event event =
        new CoreV1Event()
            .metadata(
                new V1ObjectMeta()
                    .namespace(id.namespace())
                    .name(eventName(id, uid, basis, reason)))
            .involvedObject(
                new V1ObjectReference()
                    .apiVersion(FqdnNetworkPolicy.API_VERSION)
                    .kind(FqdnNetworkPolicy.KIND)
                    .namespace(id.namespace())
                    .name(id.name())
                    .uid(uid))
            .type(type.name())
            .reason(reason)
            .message(message.length() > 1024 ? message.substring(0, 1021) + "..." : message)
            .source(new V1EventSource().component(FqdnPolicyStore.FIELD_MANAGER))
            .reportingComponent(FqdnPolicyStore.FIELD_MANAGER)
            .reportingInstance(instance)
            .firstTimestamp(now)
            .lastTimestamp(now)
            .count(1);
    try {
      retry.call(
          "create event on " + id,
          () ->
              RawCalls.execute(
                  retry.deadline(),
                  api.createNamespacedEvent(id.namespace(), event).buildCall(null)));
    } catch (DeadlineExceededException e) {
      LOG.debug("event {} on {} not recorded: {}", reason, id, e.getMessage());
    } catch (ApiException e) {
      if (e.getCode() == 409) {
        LOG.debug("event {} on {} was already recorded by another run", reason, id);
        return;
      }
      LOG.warn("could not record event {} on {}: {}", reason, id, ApiRetry.describe(e));
    }
  }

  /** Returns the event's name: the resource's name and a hash of what the event is about. */
  static String eventName(ResourceId id, String uid, String basis, String reason) {
    String hash =
        Hashing.sha256()
            .hashString(uid + "\n" + basis + "\n" + reason, StandardCharsets.UTF_8)
            .toString()
            .substring(0, 16);
    // A name is at most 253 characters; the suffix must survive.
    String prefix = id.name().length() > 236 ? id.name().substring(0, 236) : id.name();
    return prefix + "." + hash;
  }
}
