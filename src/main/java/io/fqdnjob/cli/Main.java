package io.fqdnjob.cli;

/** Entry point of the {@code fqdn-job} command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(0);
  }
}
