package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.RestoredEtcd;
import io.etcdbackup.testing.S3Server;
import io.etcdbackup.testing.SampleData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/**
 * backup, then restore through the command line, then real etcd on the restored data dirs: every
 * key, revision, HashKV, the lease, auth and new writes as the source had them at the backup.
 */
@ExtendWith({EtcdClusterExtension.class, RestoredEtcd.Logs.class})
class RestoreCommandIT {

  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  /** Every key as of {@code revision} (0: now) with value, create/mod revision and version. */
  static List<String> keyspace(Client c, long revision) throws Exception {
    // from the smallest key to the end of the keyspace: "\0" with range end "\0"
    GetOption.Builder o = GetOption.builder().withRange(ByteSequence.from(new byte[] {0}));
    if (revision > 0) {
      o.withRevision(revision);
    }
    List<String> out = new ArrayList<>();
    for (KeyValue kv : c.getKVClient().get(ByteSequence.from(new byte[] {0}), o.build()).get(10, TimeUnit.SECONDS).getKvs()) {
      out.add(kv.getKey().toString(StandardCharsets.UTF_8) + "=" + kv.getValue().toString(StandardCharsets.UTF_8)
          + " c" + kv.getCreateRevision() + " m" + kv.getModRevision() + " v" + kv.getVersion() + " l" + kv.getLease());
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(EtcdVersion.class)
  void allMembersFromS3FormAQuorumThatServesTheBackup(EtcdVersion version, @TempDir Path tmp) throws Exception {
    AgeKeys keys = AgeKeys.generate(tmp, "restore");
    Stores store = Stores.s3(S3, S3.newPrefix("restore"));
    try (EtcdCluster c = EtcdCluster.builder().version(version).members(3).auth("r00t").start()) {
      SampleData.History h = SampleData.history(c.client());
      List<String> etcd = new ArrayList<>(c.tlsFlags());
      etcd.addAll(List.of("--user", "root:" + c.rootPassword()));
      List<String> args = new ArrayList<>(etcd);
      args.addAll(store.with("--to", store.uri(), "--cluster-name", "prod", "--encrypt-to", keys.recipient(), "-o", "json"));
      Cli.Result backup = new Cli().run(args, "snapshot");
      assertThat(backup.exitCode()).as(backup.toString()).isZero();
      long rev = Formats.JSON.readTree(backup.out()).get("manifest").get("revision").asLong();
      List<String> expected = keyspace(c.client(), rev);
      long expectedHash = Integer.toUnsignedLong(c.client().getMaintenanceClient()
          .hashKV(c.member(0).clientUrl(), rev).get(10, TimeUnit.SECONDS).getHash());

      int[] ports = EtcdCluster.freePorts(3);
      String cluster = "r1=http://127.0.0.1:" + ports[0] + ",r2=http://127.0.0.1:" + ports[1]
          + ",r3=http://127.0.0.1:" + ports[2];
      Path out = tmp.resolve("restored");
      Cli.Result restore = new Cli().run(store.cmd("restore", "--from", store.uri(), "latest", "--identity-file",
          keys.identityFile().toString(), "--all-members", "--output-dir", out.toString(), "--initial-cluster", cluster,
          "--initial-cluster-token", "restored-prod", "-o", "json"));
      assertThat(restore.exitCode()).as(restore.toString()).isZero();
      JsonNode r = Formats.JSON.readTree(restore.out());
      assertThat(r.get("members")).hasSize(3);
      List<RestoredEtcd.MemberFlags> flags = new ArrayList<>();
      for (JsonNode m : r.get("members")) {
        assertThat(m.get("clusterId").asString()).isEqualTo(r.get("members").get(0).get("clusterId").asString());
        assertThat(out.resolve(m.get("name").asString() + ".etcd/member/snap/db")).isRegularFile();
        List<String> f = new ArrayList<>();
        m.get("etcdFlags").forEach(x -> f.add(x.asString()));
        flags.add(new RestoredEtcd.MemberFlags(m.get("name").asString(), f));
      }

      try (RestoredEtcd restored = RestoredEtcd.start(version, flags, tmp, "root", c.rootPassword())) {
        Client rc = restored.client();
        for (RestoredEtcd.Node n : restored.nodes()) {
          long hash = Integer.toUnsignedLong(rc.getMaintenanceClient().hashKV(n.clientUrl(), rev).get(10, TimeUnit.SECONDS).getHash());
          assertThat(hash).as("HashKV of %s at %d", n.name(), rev).isEqualTo(expectedHash);
        }
        assertThat(keyspace(rc, 0)).isEqualTo(expected);
        assertThat(rc.getKVClient().get(ByteSequence.from("x", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS)
            .getHeader().getRevision()).isEqualTo(rev);
        var lease = rc.getLeaseClient().timeToLive(h.leaseId(), io.etcd.jetcd.options.LeaseOption.builder().withAttachedKeys()
            .build()).get(10, TimeUnit.SECONDS);
        assertThat(lease.getKeys()).extracting(k -> k.toString(StandardCharsets.UTF_8))
            .containsExactlyInAnyOrder("/registry/leases/kube-system/holder-a", "/registry/leases/kube-system/holder-b");
        long after = rc.getKVClient().put(ByteSequence.from("/after/restore", StandardCharsets.UTF_8),
            ByteSequence.from("ok", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        assertThat(after).isEqualTo(rev + 1);
      }
    }
  }
}
