package io.fqdnjob.dns;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Syntax rules for the names the job resolves, checked before any query is sent.
 *
 * <p>The rule is the one the custom resource definition enforces, so a name that passed the API
 * server passes here too; the check exists for resources written before that validation, and so
 * that a bad name becomes an {@code INVALID_DOMAIN} status instead of a query for garbage:
 *
 * <ul>
 *   <li>one optional trailing dot is removed first; what remains is 1 to 253 characters;
 *   <li>labels are separated by dots, each 1 to 63 characters of ASCII letters, digits and hyphens,
 *       not starting or ending with a hyphen;
 *   <li>there are at least two labels;
 *   <li>the last label (top-level domain) is letters only (2 to 63), or punycode: {@code xn--}
 *       followed by letters, digits and hyphens (for example {@code xn--p1ai}).
 * </ul>
 */
public final class DomainName {
  /** Longest name, in characters, without the trailing dot. */
  public static final int MAX_LENGTH = 253;

  /** Longest label, in characters. */
  public static final int MAX_LABEL_LENGTH = 63;

  private static final Pattern LETTERS_TLD = Pattern.compile("[A-Za-z]{2,63}");
  private static final Pattern PUNYCODE_TLD = Pattern.compile("(?i:xn--)[A-Za-z0-9-]+");

  private DomainName() {}

  /**
   * Returns {@code name} lower-cased with one trailing dot removed. Does not check the syntax:
   * {@code "a..b."} becomes {@code "a..b"}, and {@code "a.b.."} becomes {@code "a.b."}.
   */
  public static String normalize(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }

  /** Returns whether {@code name} follows the rules of this class. */
  public static boolean isValid(String name) {
    return problem(name).isEmpty();
  }

  /**
   * Returns what is wrong with {@code name}, as a sentence for a status message, or empty when the
   * name is valid. Only the first problem found is described.
   */
  public static Optional<String> problem(String name) {
    if (name == null) {
      return Optional.of("name is missing");
    }
    String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    if (trimmed.isEmpty()) {
      return Optional.of("name is empty");
    }
    if (trimmed.length() > MAX_LENGTH) {
      return Optional.of(
          "name is " + trimmed.length() + " characters long, at most " + MAX_LENGTH + " allowed");
    }
    // The limit -1 keeps trailing empty strings, so "a.b." (a second trailing dot) is caught.
    String[] labels = trimmed.split("\\.", -1);
    for (int i = 0; i < labels.length; i++) {
      Optional<String> labelProblem = labelProblem(labels[i], i, labels.length);
      if (labelProblem.isPresent()) {
        return labelProblem;
      }
    }
    if (labels.length < 2) {
      return Optional.of(
          "'" + trimmed + "' has a single label; a fully qualified name needs at least two");
    }
    String tld = labels[labels.length - 1];
    if (!LETTERS_TLD.matcher(tld).matches() && !PUNYCODE_TLD.matcher(tld).matches()) {
      return Optional.of(
          "top-level label '"
              + tld
              + "' must be 2 to 63 letters, or punycode starting with 'xn--'");
    }
    return Optional.empty();
  }

  private static Optional<String> labelProblem(String label, int index, int count) {
    if (label.isEmpty()) {
      if (index == 0) {
        return Optional.of("name starts with a dot");
      }
      if (index == count - 1) {
        return Optional.of("name ends with two dots");
      }
      return Optional.of("name contains an empty label (two dots in a row)");
    }
    if (label.length() > MAX_LABEL_LENGTH) {
      return Optional.of(
          "label '"
              + label
              + "' is "
              + label.length()
              + " characters long, at most "
              + MAX_LABEL_LENGTH
              + " allowed");
    }
    for (int i = 0; i < label.length(); ) {
      int c = label.codePointAt(i);
      if (!isLetterOrDigit(c) && c != '-') {
        return Optional.of("label '" + label + "' contains " + describe(c));
      }
      i += Character.charCount(c);
    }
    if (label.charAt(0) == '-') {
      return Optional.of("label '" + label + "' starts with '-'");
    }
    if (label.charAt(label.length() - 1) == '-') {
      return Optional.of("label '" + label + "' ends with '-'");
    }
    return Optional.empty();
  }

  // ASCII only: Character.isLetterOrDigit would accept 'ü', which DNS names carry as punycode.
  private static boolean isLetterOrDigit(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  private static String describe(int c) {
    if (Character.isISOControl(c) || Character.isWhitespace(c) || Character.isSpaceChar(c)) {
      return String.format("U+%04X", c);
    }
    return "'" + new String(Character.toChars(c)) + "'";
  }
}
