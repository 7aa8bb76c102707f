package io.fqdnjob.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DomainNameTest {
  private static String label(int length) {
    return "a".repeat(length);
  }

  /** A name of exactly {@code length} characters, made of 63-character labels and a "com" TLD. */
  private static String nameOfLength(int length) {
    StringBuilder name = new StringBuilder();
    int left = length - ".com".length();
    while (left > 0) {
      int size = Math.min(63, left);
      if (left - size == 1) {
        // A label plus its dot needs at least two characters; avoid a 0-length remainder.
        size--;
      }
      name.append(label(size)).append('.');
      left -= size + 1;
    }
    name.append("com");
    assertEquals(length, name.length());
    return name.toString();
  }

  private static String problem(String name) {
    Optional<String> problem = DomainName.problem(name);
    assertTrue(problem.isPresent(), () -> "expected '" + name + "' to be invalid");
    return problem.get();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "example.com",
        "www.example.com",
        "Example.COM",
        "a-b.example.org",
        "a--b.example.org",
        "1.2.3.example.com",
        "123.example.com",
        "x.io",
        "xn--bcher-kva.example",
        "example.xn--p1ai",
        "example.XN--P1AI",
        "xn--80ak6aa92e.xn--p1ai"
      })
  void acceptsOrdinaryNames(String name) {
    assertEquals(Optional.empty(), DomainName.problem(name));
    assertTrue(DomainName.isValid(name));
  }

  @Test
  void acceptsOneTrailingDot() {
    assertEquals(Optional.empty(), DomainName.problem("www.example.com."));
  }

  @Test
  void rejectsTwoTrailingDots() {
    assertEquals("name ends with two dots", problem("www.example.com.."));
  }

  @Test
  void acceptsLabelOf63Characters() {
    assertTrue(DomainName.isValid(label(63) + ".example.com"));
  }

  @Test
  void rejectsLabelOf64CharactersNamingIt() {
    assertEquals(
        "label '" + label(64) + "' is 64 characters long, at most 63 allowed",
        problem(label(64) + ".example.com"));
  }

  @Test
  void accepts253Characters() {
    assertTrue(DomainName.isValid(nameOfLength(253)));
  }

  @Test
  void accepts253CharactersWithTrailingDot() {
    assertTrue(DomainName.isValid(nameOfLength(253) + "."));
  }

  @Test
  void rejects254Characters() {
    assertEquals("name is 254 characters long, at most 253 allowed", problem(nameOfLength(254)));
  }

  @Test
  void rejectsDoubleDot() {
    assertEquals("name contains an empty label (two dots in a row)", problem("www..example.com"));
  }

  @Test
  void rejectsLeadingDot() {
    assertEquals("name starts with a dot", problem(".example.com"));
  }

  @Test
  void rejectsLeadingHyphen() {
    assertEquals("label '-www' starts with '-'", problem("-www.example.com"));
  }

  @Test
  void rejectsTrailingHyphen() {
    assertEquals("label 'www-' ends with '-'", problem("www-.example.com"));
  }

  @Test
  void rejectsUnderscoreNamingTheLabel() {
    assertEquals("label 'a_b' contains '_'", problem("a_b.example.com"));
  }

  @Test
  void rejectsWildcard() {
    assertEquals("label '*' contains '*'", problem("*.example.com"));
  }

  @Test
  void rejectsSpaceShowingItsCodePoint() {
    assertEquals("label 'a b' contains U+0020", problem("a b.example.com"));
  }

  @Test
  void rejectsNonAsciiLetters() {
    assertEquals("label 'bücher' contains 'ü'", problem("bücher.example"));
  }

  @Test
  void rejectsNumericTld() {
    assertEquals(
        "top-level label '123' must be 2 to 63 letters, or punycode starting with 'xn--'",
        problem("example.123"));
  }

  @Test
  void rejectsIpAddress() {
    assertTrue(problem("192.0.2.1").startsWith("top-level label '1'"));
  }

  @Test
  void rejectsTldWithDigits() {
    assertTrue(problem("example.c0m").startsWith("top-level label 'c0m'"));
  }

  @Test
  void rejectsOneLetterTld() {
    assertTrue(problem("example.c").startsWith("top-level label 'c'"));
  }

  @Test
  void acceptsTldOf63Letters() {
    assertTrue(DomainName.isValid("example." + "c".repeat(63)));
  }

  @Test
  void rejectsSingleLabel() {
    assertEquals(
        "'localhost' has a single label; a fully qualified name needs at least two",
        problem("localhost"));
  }

  @Test
  void rejectsSingleLabelWithTrailingDot() {
    assertTrue(problem("localhost.").contains("single label"));
  }

  @Test
  void rejectsEmptyName() {
    assertEquals("name is empty", problem(""));
    assertEquals("name is empty", problem("."));
  }

  @Test
  void rejectsMissingName() {
    assertFalse(DomainName.isValid(null));
  }

  @Test
  void normalizeLowerCasesAndDropsOneTrailingDot() {
    assertEquals("www.example.com", DomainName.normalize("WWW.Example.COM."));
    assertEquals("www.example.com.", DomainName.normalize("www.example.com.."));
    assertEquals("www.example.com", DomainName.normalize("www.example.com"));
  }

  @Test
  void lookupKeyIsNormalised() {
    assertEquals(LookupKey.a("www.example.com"), new LookupKey("WWW.example.com.", RecordType.A));
    assertEquals("www.example.com (AAAA)", LookupKey.aaaa("www.example.com").toString());
  }
}
