package io.fqdnjob.migration;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fqdnjob.dns.DomainName;
import io.fqdnjob.model.FqdnNetworkPolicyCodec;
import io.fqdnjob.model.InvalidResourceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which stored resources fqdn-job's schema would refuse. fqdn-controller's CRD accepted more, and
 * its validating webhook never ran, so resources may hold what the new CRD forbids. The API server
 * does not check stored objects again; what happens to each depends on the rule:
 *
 * <ul>
 *   <li>what the job's own reading refuses ({@link FqdnNetworkPolicyCodec}: no egress rule,
 *       resolveTimeoutSeconds not below ttlSeconds, values out of range, ...): the run reports the
 *       resource invalid (Ready False) and no longer updates its NetworkPolicy;
 *   <li>a name that is not a valid DNS name ({@link DomainName}): the run reports it {@code
 *       INVALID_DOMAIN} and allows no address for it;
 *   <li>a port or pod selector that a NetworkPolicy may not hold: the API server refuses the
 *       generated NetworkPolicy, the run fails for that resource on every run;
 *   <li>list sizes the new CRD caps: the run works, but the next edit of the resource is refused
 *       until they are brought within the cap.
 * </ul>
 *
 * With CRD validation ratcheting, an edit that leaves an offending value as it is still passes; the
 * owner of the resource should fix it anyway.
 */
final class SchemaCheck {
  /** What a problem means for the resource after the switch. */
  enum Effect {
    REFUSED_BY_JOB,
    NAME_ALLOWS_NOTHING,
    POLICY_REFUSED,
    EDIT_REFUSED
  }

  /** One problem of one resource. */
  record Problem(String field, String message, Effect effect) {}

  // The caps and rules of kustomize/base/crd that fqdn-controller's CRD did not have and the
  // job's reading does not check (SchemaCheckTest holds them to the CRD file).
  static final int MAX_EGRESS_RULES = 100;
  static final int MAX_PORTS = 100;
  static final int MAX_MATCH_EXPRESSIONS = 64;
  static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");
  static final Set<String> OPERATORS = Set.of("In", "NotIn", "Exists", "DoesNotExist");
  private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?");

  private SchemaCheck() {}

  /** Returns the problems of the resource {@code item} as listed; empty when there are none. */
  static List<Problem> problems(JsonObject item) {
    List<Problem> problems = new ArrayList<>();
    try {
      FqdnNetworkPolicyCodec.fromJson(item);
    } catch (InvalidResourceException e) {
      problems.add(new Problem(e.field(), e.getMessage(), Effect.REFUSED_BY_JOB));
    }
    JsonObject spec = Json.object(item, "spec");
    List<JsonObject> rules = Json.objects(spec, "egress");
    if (rules.size() > MAX_EGRESS_RULES) {
      problems.add(
          new Problem(
              "spec.egress",
              "spec.egress: " + rules.size() + " rules, the CRD allows " + MAX_EGRESS_RULES,
              Effect.EDIT_REFUSED));
    }
    for (int r = 0; r < rules.size(); r++) {
      String path = "spec.egress[" + r + "]";
      JsonObject rule = rules.get(r);
      JsonElement names = rule.get("toFQDNS");
      if (names != null && names.isJsonArray()) {
        for (JsonElement name : names.getAsJsonArray()) {
          if (name.isJsonPrimitive()) {
            String fqdn = name.getAsString();
            DomainName.problem(fqdn)
                .ifPresent(problem ->
                    problems.add(
                        new Problem(
                            path + ".toFQDNS",
                            path + ".toFQDNS: '" + fqdn + "': " + problem,
                            Effect.NAME_ALLOWS_NOTHING)));
          }
        }
      }
      List<JsonObject> ports = Json.objects(rule, "ports");
      if (ports.size() > MAX_PORTS) {
        problems.add(
            new Problem(
                path + ".ports",
                path + ".ports: " + ports.size() + " ports, the CRD allows " + MAX_PORTS,
                Effect.EDIT_REFUSED));
      }
      for (int p = 0; p < ports.size(); p++) {
        String problem = portProblem(ports.get(p));
        if (problem != null) {
          String field = path + ".ports[" + p + "]";
          problems.add(new Problem(field, field + ": " + problem, Effect.POLICY_REFUSED));
        }
      }
    }
    List<JsonObject> expressions =
        Json.objects(Json.object(spec, "podSelector"), "matchExpressions");
    if (expressions.size() > MAX_MATCH_EXPRESSIONS) {
      problems.add(
          new Problem(
              "spec.podSelector.matchExpressions",
              "spec.podSelector.matchExpressions: "
                  + expressions.size()
                  + " expressions, the CRD allows "
                  + MAX_MATCH_EXPRESSIONS,
              Effect.EDIT_REFUSED));
    }
    for (int i = 0; i < expressions.size(); i++) {
      String problem = expressionProblem(expressions.get(i));
      if (problem != null) {
        String field = "spec.podSelector.matchExpressions[" + i + "]";
        problems.add(new Problem(field, field + ": " + problem, Effect.POLICY_REFUSED));
      }
    }
    return problems;
  }

  /** Returns what a NetworkPolicy port may not hold, or {@code null}. */
  static String portProblem(JsonObject port) {
    String protocol = Json.string(port, "protocol");
    if (protocol != null && !PROTOCOLS.contains(protocol)) {
      return "protocol '" + protocol + "' is not TCP, UDP or SCTP";
    }
    JsonElement value = port.get("port");
    Long number = null;
    if (value != null && value.isJsonPrimitive()) {
      if (value.getAsJsonPrimitive().isNumber()) {
        number = value.getAsLong();
        if (number < 1 || number > 65535) {
          return "port " + number + " is not between 1 and 65535";
        }
      } else {
        String name = value.getAsString();
        if (!PORT_NAME.matcher(name).matches()
            || !name.matches(".*[a-z].*")
            || name.contains("--")) {
          return "port name '"
              + name
              + "' is not 1 to 15 lowercase letters, digits and single inner hyphens with a letter";
        }
      }
    }
    Long endPort = Json.number(port, "endPort");
    if (endPort != null) {
      if (endPort < 1 || endPort > 65535) {
        return "endPort " + endPort + " is not between 1 and 65535";
      }
      if (number == null) {
        return "endPort needs a numeric port";
      }
      if (endPort < number) {
        return "endPort " + endPort + " is less than port " + number;
      }
    }
    return null;
  }

  /** Returns what a label selector requirement may not hold, or {@code null}. */
  static String expressionProblem(JsonObject expression) {
    String operator = Json.string(expression, "operator");
    if (operator == null || !OPERATORS.contains(operator)) {
      return "operator '" + operator + "' is not In, NotIn, Exists or DoesNotExist";
    }
    JsonElement values = expression.get("values");
    int count = values != null && values.isJsonArray() ? values.getAsJsonArray().size() : 0;
    boolean needsValues = operator.equals("In") || operator.equals("NotIn");
    if (needsValues && count == 0) {
      return "operator " + operator + " needs at least one value";
    }
    if (!needsValues && count > 0) {
      return "operator " + operator + " takes no values";
    }
    return null;
  }

  /** Returns the findings for one resource's problems. */
  static List<Finding> findings(String subject, List<Problem> problems) {
    List<Finding> findings = new ArrayList<>();
    for (Problem problem : problems) {
      String consequence =
          switch (problem.effect()) {
            case REFUSED_BY_JOB ->
                "fqdn-job refuses this resource: its status gets Ready False ('invalid resource')"
                    + " and its NetworkPolicy stays as fqdn-controller left it, no longer updated.";
            case NAME_ALLOWS_NOTHING ->
                "fqdn-job reports this name INVALID_DOMAIN and allows no address for it.";
            case POLICY_REFUSED ->
                "The API server refuses a NetworkPolicy with this value: every run fails for this"
                    + " resource (Ready False, ApplyFailed) and its previous NetworkPolicy stays.";
            case EDIT_REFUSED ->
                "The new CRD refuses edits of this resource that keep this value; runs are not"
                    + " affected.";
          };
      findings.add(
          new Finding(
              Finding.Severity.ACTION,
              "resource-invalid",
              subject,
              problem.message() + ". " + consequence,
              "correct " + problem.field() + " in the resource's manifest"));
    }
    return findings;
  }
}
