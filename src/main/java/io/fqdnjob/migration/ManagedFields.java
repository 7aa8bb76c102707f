package io.fqdnjob.migration;

import com.google.gson.JsonObject;
import io.fqdnjob.kube.FqdnPolicyStore;
import java.util.ArrayList;
import java.util.List;

/** Who wrote what, from an object's {@code metadata.managedFields}. */
final class ManagedFields {
  private ManagedFields() {}

  /** Returns whether fqdn-job has server-side-applied this object. */
  static boolean appliedByJob(JsonObject metadata) {
    for (JsonObject entry : Json.objects(metadata, "managedFields")) {
      if (FqdnPolicyStore.FIELD_MANAGER.equals(Json.string(entry, "manager"))
          && "Apply".equals(Json.string(entry, "operation"))) {
        return true;
      }
    }
    return false;
  }

  /** Returns each writer as {@code manager (Operation)}, in the object's order. */
  static List<String> writers(JsonObject metadata) {
    List<String> writers = new ArrayList<>();
    for (JsonObject entry : Json.objects(metadata, "managedFields")) {
      String writer =
          Json.string(entry, "manager")
              + " ("
              + Json.string(entry, "operation")
              + (Json.string(entry, "subresource") == null
                  ? ""
                  : " " + Json.string(entry, "subresource"))
              + ")";
      if (!writers.contains(writer)) {
        writers.add(writer);
      }
    }
    return writers;
  }

  /**
   * Returns the managers that own {@code metadata.<map>.<key>} ({@code map} is {@code labels} or
   * {@code annotations}).
   */
  static List<String> owners(JsonObject metadata, String map, String key) {
    List<String> owners = new ArrayList<>();
    for (JsonObject entry : Json.objects(metadata, "managedFields")) {
      JsonObject fields = Json.object(entry, "fieldsV1", "f:metadata", "f:" + map);
      if (fields.has("f:" + key)) {
        owners.add(Json.string(entry, "manager"));
      }
    }
    return owners;
  }
}
