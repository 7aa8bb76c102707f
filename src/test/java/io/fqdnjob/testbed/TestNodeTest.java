package io.fqdnjob.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TestNodeTest {
  @Test
  void answerAddressesSkipTheServerLinesBeforeTheAnswer() {
    String output =
        """
        Server:		10.0.0.10
        Address:	10.0.0.10:53

        Name:	web-1-abcde.bed.test
        Address: 10.244.0.7
        Name:	web-1-abcde.bed.test
        Address: 10.244.0.9

        """;

    assertEquals(List.of("10.244.0.7", "10.244.0.9"), TestNode.answerAddresses(output));
  }

  @Test
  void failedLookupHasNoAnswerAddresses() {
    assertEquals(
        List.of(),
        TestNode.answerAddresses(
            "Server:\t\t10.0.0.10\nAddress:\t10.0.0.10:53\n\n"
                + "** server can't find nxdomain.bed.test: NXDOMAIN\n"));
    assertEquals(
        List.of(),
        TestNode.answerAddresses(";; connection timed out; no servers could be reached\n"));
  }
}
