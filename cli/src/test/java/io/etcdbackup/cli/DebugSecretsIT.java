package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.ProjectPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, defect 1: {@code --debug} output gets pasted into tickets, so it must hold neither the
 * etcd password (netty's HTTP/2 frame dump showed the Authenticate call, hex-encoded) nor the auth
 * token etcd hands back (sent as the {@code token} header of every later call).
 */
class DebugSecretsIT {
  private static final String CANARY = "Canary-pw-7f3a9c";

  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1).auth(CANARY));

  @Test
  void debugOutputHoldsNoPasswordAndNoToken(@TempDir Path cwd) {
    EtcdCluster c = ETCD.cluster();
    List<String> cmd = new ArrayList<>(List.of(ProjectPaths.root().resolve("bin/etcd-backup").toString(), "members"));
    cmd.addAll(c.tlsFlags());
    cmd.addAll(List.of("--user", "root", "--password", CANARY, "--debug"));
    Exec.Result r = Exec.run(cmd, cwd, Duration.ofMinutes(2));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    String all = r.stdout() + r.stderr();
    assertThat(all).as("debug logs were written").contains("DEBUG");
    String hex = HexFormat.of().formatHex(CANARY.getBytes(StandardCharsets.UTF_8));
    assertThat(all).doesNotContain(CANARY).doesNotContainIgnoringCase(hex);
    // etcd's simple tokens look like "<16 letters>.<index>"; a JWT would be three base64 parts.
    Matcher token = Pattern.compile("(?i)token[\"'=: ]+([A-Za-z0-9._-]{8,})").matcher(all);
    assertThat(token.find()).as("a token in the output: %s", token.find(0) ? token.group() : "").isFalse();
  }

  /** Issue 13: verification is on by default; turning it off works, and says what it gives up. */
  @Test
  void skippingTlsVerificationWarns(@TempDir Path cwd) {
    EtcdCluster c = ETCD.cluster();
    List<String> flags = new ArrayList<>(c.tlsFlags());
    int ca = flags.indexOf("--cacert");
    flags.remove(ca + 1);
    flags.remove(ca);
    List<String> cmd = new ArrayList<>(List.of(ProjectPaths.root().resolve("bin/etcd-backup").toString(), "members"));
    cmd.addAll(flags);
    cmd.addAll(List.of("--user", "root", "--password", CANARY, "--insecure-skip-tls-verify"));
    Exec.Result r = Exec.run(cmd, cwd, Duration.ofMinutes(2));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(r.stderr()).contains("WARN").contains("TLS verification is off (--insecure-skip-tls-verify)");
    assertThat(r.stdout() + r.stderr()).doesNotContain(CANARY);
  }
}
