package io.fqdnjob.testbed;

/** Thrown when the test bed cannot do what a test asked of it; the message says what failed. */
public class TestBedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message naming what failed. */
  public TestBedException(String message) {
    super(message);
  }

  /** Creates an exception with a message naming what failed and the underlying cause. */
  public TestBedException(String message, Throwable cause) {
    super(message, cause);
  }
}
