package io.etcdbackup.cli;

/** The tool's version, from the jar's manifest. */
final class Versions {
  private Versions() {}

  static String tool() {
    String v = Versions.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
