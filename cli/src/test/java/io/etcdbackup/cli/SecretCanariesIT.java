package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.ProjectPaths;
import io.etcdbackup.testing.S3Server;
import io.etcdbackup.testing.SampleData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, security: no secret reaches what the tool writes. One backup cycle with every secret it
 * takes (the etcd password, the S3 secret key, the age identity, the manifest signing key), run as
 * bin/etcd-backup with --debug, then a failing run; everything captured (stdout, stderr, the
 * metrics file, every object in the store, the spool dir) is searched for each secret, as text and
 * hex-encoded. DebugSecretsIT covers the auth token and gRPC's frame dump of the Authenticate call.
 */
class SecretCanariesIT {
  private static final String PASSWORD = "Canary-etcd-pw-41b7";

  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1).auth(PASSWORD));

  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  @Test
  void noSecretInOutputLogsMetricsManifestsOrStore(@TempDir Path tmp) throws Exception {
    EtcdCluster c = ETCD.cluster();
    SampleData.history(c.client());
    AgeKeys keys = AgeKeys.generate(tmp, "canary");
    String identity = Files.readAllLines(keys.identityFile()).stream().filter(l -> l.startsWith("AGE-SECRET-KEY-"))
        .findFirst().orElseThrow();
    String signingSecret = "Canary-signing-key-" + "9f8e7d6c5b4a3210".repeat(2);
    Path signingKey = Files.writeString(tmp.resolve("signing.key"), signingSecret + "\n");
    Path s3Secret = Files.writeString(tmp.resolve("s3.secret"), S3.secretKey() + "\n");
    Path passwordFile = Files.writeString(tmp.resolve("etcd.password"), PASSWORD + "\n");
    String store = S3.storeUri(S3.newPrefix("canary")).toString();
    List<String> s3 = List.of("--s3-endpoint", S3.endpoint().toString(), "--s3-path-style", "--s3-region", S3Server.REGION,
        "--s3-access-key-id", S3.accessKey(), "--s3-secret-access-key-file", s3Secret.toString());
    Path metrics = tmp.resolve("metrics/etcd-backup.prom");
    Path spool = Files.createDirectories(tmp.resolve("spool"));

    StringBuilder seen = new StringBuilder();
    List<String> snapshot = new ArrayList<>(List.of("snapshot", "--to", store, "--cluster-name", "canary", "--debug",
        "--encrypt-to", keys.recipient(), "--manifest-signing-key", signingKey.toString(), "--metrics-file",
        metrics.toString(), "--spool-dir", spool.toString(), "--user", "root", "--password-file", passwordFile.toString(),
        "-o", "json"));
    snapshot.addAll(c.tlsFlags());
    snapshot.addAll(s3);
    seen.append(run(tmp, snapshot, 0));

    List<String> verify = new ArrayList<>(List.of("verify", "--from", store, "--debug", "--identity-file",
        keys.identityFile().toString(), "--manifest-signing-key", signingKey.toString(), "--spool-dir", spool.toString()));
    verify.addAll(s3);
    seen.append(run(tmp, verify, 0));

    // a failing run prints its error: the wrong secret must not be echoed either
    Path wrong = Files.writeString(tmp.resolve("wrong.secret"), "Canary-wrong-s3-secret-77\n");
    List<String> denied = new ArrayList<>(verify);
    denied.set(denied.indexOf(s3Secret.toString()), wrong.toString());
    seen.append(run(tmp, denied, ExitCodes.STORE));

    seen.append(Files.readString(metrics));
    try (var objects = S3.client().listObjectsV2Paginator(b -> b.bucket(S3.bucket())).contents().stream()) {
      objects.filter(o -> o.key().contains("canary")).forEach(o -> seen.append(new String(
          S3.client().getObjectAsBytes(b -> b.bucket(S3.bucket()).key(o.key())).asByteArray(), StandardCharsets.ISO_8859_1)));
    }
    try (Stream<Path> left = Files.list(spool)) {
      assertThat(left).as("the spool dir").isEmpty();
    }
    assertThat(seen.toString()).as("what the runs printed and wrote").contains("DEBUG").contains("manifest.json");
    for (String secret : List.of(PASSWORD, S3.secretKey(), identity, signingSecret, "Canary-wrong-s3-secret-77")) {
      String hex = HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8));
      assertThat(seen.toString()).as("a secret in the output").doesNotContain(secret).doesNotContainIgnoringCase(hex);
    }
  }

  private static String run(Path cwd, List<String> args, int expectedExit) {
    List<String> cmd = new ArrayList<>(List.of(ProjectPaths.root().resolve("bin/etcd-backup").toString()));
    cmd.addAll(args);
    Exec.Result r = Exec.run(cmd, cwd, Duration.ofMinutes(2));
    assertThat(r.exitCode()).as(args.get(0) + ": " + r.stderr()).isEqualTo(expectedExit);
    return r.stdout() + r.stderr();
  }
}
