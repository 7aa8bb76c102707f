package io.fqdnjob.job;

import com.google.gson.JsonObject;
import io.fqdnjob.testbed.BedObjects;
import io.fqdnjob.testbed.TestBed;

/** The objects of the bed's own namespace, as the in-process run tests create and read them. */
final class BedNamespace {
  private final TestBed bed;

  BedNamespace(TestBed bed) {
    this.bed = bed;
  }

  /** Applies an fqdn resource selecting every pod, with {@code fields} and one name. */
  void create(String resource, String fields, String fqdn) {
    BedObjects.applyFqdn(
        bed,
        bed.namespace(),
        resource,
        null,
        "podSelector: {}\n" + fields + "egress:\n- toFQDNS: [%s]\n".formatted(fqdn));
  }

  JsonObject get(String kind, String name) {
    return BedObjects.get(bed, bed.namespace(), kind, name);
  }

  JsonObject status(String resource) {
    return get("fqdn", resource).getAsJsonObject("status");
  }

  String uid(String resource) {
    return get("fqdn", resource).getAsJsonObject("metadata").get("uid").getAsString();
  }

  String resourceVersion(String kind, String name) {
    return BedObjects.resourceVersion(bed, bed.namespace(), kind, name);
  }

  /** The reasons of the events about {@code name}, separated by spaces. */
  String events(String name) {
    return BedObjects.eventReasons(bed, bed.namespace(), name);
  }
}
