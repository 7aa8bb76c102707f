package io.fqdnjob.model;

import java.util.List;

/**
 * DNS names at and around the limits of {@code spec.egress[].toFQDNS}, with the verdict of the
 * schema's {@code pattern} alone and of the API server as a whole (pattern, {@code maxLength} and
 * the CEL length rule). Shared by the offline manifest test and the API server test so both read
 * the same table.
 */
final class FqdnNameCases {
  private FqdnNameCases() {}

  /** One name; {@code patternAccepts} and {@code serverAccepts} differ only on length limits. */
  record Case(String what, String name, boolean patternAccepts, boolean serverAccepts) {
    @Override
    public String toString() {
      return what;
    }
  }

  static final String LABEL_63 = "a".repeat(63);

  /** 63 + 1 + 63 + 1 + 63 + 1 + 57 + 1 + 3 = 253 characters. */
  static final String NAME_253 =
      LABEL_63 + "." + LABEL_63 + "." + LABEL_63 + "." + "b".repeat(57) + ".com";

  /** 254 characters of valid labels, one too many. */
  static final String NAME_254 =
      LABEL_63 + "." + LABEL_63 + "." + LABEL_63 + "." + "b".repeat(58) + ".com";

  static List<Case> all() {
    return List.of(
        accepted("plain name", "api.example.com"),
        accepted("two labels", "example.com"),
        accepted("uppercase", "API.Example.COM"),
        accepted("digits in labels", "s3.eu-west-1.example.com"),
        accepted("inner double hyphen", "a--b.example.com"),
        accepted("one-character label", "a.example.com"),
        accepted("trailing dot", "api.example.com."),
        accepted("punycode TLD", "xn--e1afmkfd.xn--p1ai"),
        accepted("punycode TLD with trailing dot", "api.example.xn--p1ai."),
        accepted("63-character label", LABEL_63 + ".example.com"),
        accepted("63-letter TLD", "example." + "c".repeat(63)),
        accepted("253 characters", NAME_253),
        accepted("253 characters plus trailing dot", NAME_253 + "."),
        new Case("254 characters", NAME_254, true, false),
        new Case("254 characters plus trailing dot", NAME_254 + ".", true, false),
        rejected("64-character label", "a" + LABEL_63 + ".example.com"),
        rejected("64-letter TLD", "example." + "c".repeat(64)),
        rejected("single label", "localhost"),
        rejected("single label with trailing dot", "localhost."),
        rejected("punycode label alone", "xn--p1ai"),
        rejected("two trailing dots", "api.example.com.."),
        rejected("empty label", "api..example.com"),
        rejected("leading dot", ".example.com"),
        rejected("leading hyphen", "-api.example.com"),
        rejected("trailing hyphen", "api-.example.com"),
        rejected("underscore", "_dmarc.example.com"),
        rejected("wildcard", "*.example.com"),
        rejected("numeric TLD", "api.example.123"),
        rejected("IPv4 address", "192.0.2.10"),
        rejected("letters and digits TLD", "api.example.c0m"),
        rejected("one-letter TLD", "api.example.c"),
        rejected("space", "api.example.com "),
        rejected("newline at the end", "api.example.com\n"),
        rejected("empty", ""));
  }

  private static Case accepted(String what, String name) {
    return new Case(what, name, true, true);
  }

  private static Case rejected(String what, String name) {
    return new Case(what, name, false, false);
  }
}
