package io.fqdnjob.cli;

import picocli.CommandLine;

/** Reports the version from the jar manifest; "development" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = Main.class.getPackage().getImplementationVersion();
    return new String[] {
      "fqdn-job " + (version == null ? "development" : version), "Java " + Runtime.version()
    };
  }
}
