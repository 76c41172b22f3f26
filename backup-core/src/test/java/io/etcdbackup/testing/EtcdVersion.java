package io.etcdbackup.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The etcd releases the tests run against, and where their binaries live. */
public enum EtcdVersion {
  V3_4("3.4.23", "ETCD_34_BIN_DIR", "/usr/bin"),
  V3_5("3.5.30", "ETCD_35_BIN_DIR", ".cache/etcd/3.5.30/usr/bin");

  private final String version;
  private final String envVar;
  private final String defaultDir;

  EtcdVersion(String version, String envVar, String defaultDir) {
    this.version = version;
    this.envVar = envVar;
    this.defaultDir = defaultDir;
  }

  /** The release, e.g. {@code 3.5.30}. */
  public String version() {
    return version;
  }

  /** {@code 3.4} or {@code 3.5}. */
  public String minor() {
    return version.substring(0, version.lastIndexOf('.'));
  }

  public Path binDir() {
    String configured = Optional.ofNullable(System.getenv(envVar)).filter(s -> !s.isBlank()).orElse(defaultDir);
    Path p = Path.of(configured);
    return p.isAbsolute() ? p : ProjectPaths.root().resolve(p);
  }

  /**
   * The path of one of this release's binaries ({@code etcd}, {@code etcdctl}, {@code etcdutl}).
   * A missing binary fails the test with the command that installs it: never a silent skip.
   */
  public Path binary(String name) {
    Path p = binDir().resolve(name);
    if (!Files.isExecutable(p)) {
      throw new IllegalStateException(name + " " + version + " not found at " + p
          + ": run scripts/install-etcd.sh (or set " + envVar + " to the directory that holds it)");
    }
    return p;
  }
}
