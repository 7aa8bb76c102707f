package io.fqdnjob.cli;

import io.fqdnjob.kube.ConfigurationException;
import io.fqdnjob.policy.Cidr;
import java.util.ArrayList;
import java.util.List;

/** Parses {@code --deny-cidr} values. */
final class Cidrs {
  private Cidrs() {}

  static List<Cidr> parse(List<String> values) throws ConfigurationException {
    List<Cidr> result = new ArrayList<>();
    for (String value : values) {
      try {
        result.add(Cidr.parse(value));
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException("--deny-cidr: " + e.getMessage(), e);
      }
    }
    return result;
  }
}
