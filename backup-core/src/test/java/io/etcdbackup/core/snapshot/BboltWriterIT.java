package io.etcdbackup.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcdbackup.core.bbolt.BboltCheck;
import io.etcdbackup.core.bbolt.BboltReader;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.PlainEtcd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A snapshot of real etcd, copied bucket by bucket with {@code BboltWriter}, is the same database
 * for etcd: {@code etcdutl snapshot status} gives the same hash, revision and key count, and an
 * etcd of the same release starts on a restored data dir whose {@code member/snap/db} is our
 * rewrite, serves its keys, takes writes, and answers the same HashKV.
 */
@ExtendWith(EtcdClusterExtension.class)
class BboltWriterIT {
  private static final String NAME = "restored";
  private static final String TOKEN = "bbolt-writer-it";

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(EtcdVersion.class)
  void etcdAcceptsARewrittenSnapshot(EtcdVersion version) throws Exception {
    Path snap;
    try (EtcdCluster c = EtcdCluster.builder().version(version).members(1).start()) {
      RealEtcd.writeHistory(c.client());
      snap = RealEtcd.save(c, dir.resolve("snap.db"));
    }
    Path rewritten = RealEtcd.rewrite(snap, dir.resolve("rewritten.db"));
    SnapshotStatus original = RealEtcd.etcdutlStatus(snap);
    SnapshotStatus copy = RealEtcd.etcdutlStatus(rewritten);
    assertThat(copy.hash()).isEqualTo(original.hash());
    assertThat(copy.revision()).isEqualTo(original.revision());
    assertThat(copy.totalKey()).isEqualTo(original.totalKey());
    assertThat(copy.totalSize()).isEqualTo(Files.size(rewritten)).isLessThanOrEqualTo(original.totalSize());
    assertThat(SnapshotInspector.status(rewritten)).isEqualTo(copy);
    try (BboltReader r = BboltReader.open(rewritten)) {
      BboltCheck.check(r);
    }
    HashKvResult expectedHashKv = OfflineHashKv.compute(snap, 0, HashKvRules.forEtcdVersion(version.version()));
    assertThat(OfflineHashKv.compute(rewritten, 0, HashKvRules.forEtcdVersion(version.version())))
        .isEqualTo(expectedHashKv);

    bootOnRewrittenDb(version, snap, expectedHashKv);
  }

  /** Restores with the release's own tool, swaps in our rewrite of the restored db, starts etcd on it. */
  private void bootOnRewrittenDb(EtcdVersion version, Path snap, HashKvResult expectedHashKv) throws Exception {
    int[] ports = EtcdCluster.freePorts(2);
    Path dataDir = dir.resolve("data");
    restore(version, snap, dataDir, ports[1]);
    Path db = dataDir.resolve("member").resolve("snap").resolve("db");
    Path ours = RealEtcd.rewrite(db, dir.resolve("member-db.rewritten"));
    Files.move(ours, db, StandardCopyOption.REPLACE_EXISTING);

    try (PlainEtcd etcd = PlainEtcd.start(version, dataDir, NAME, ports[0], ports[1], TOKEN);
        Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
      assertThat(get(client, "/app/a")).containsExactly("v3");
      assertThat(get(client, "/lease/x")).containsExactly("lx");
      assertThat(get(client, "/app/b")).isEmpty();
      var hash = client.getMaintenanceClient().hashKV(etcd.endpoint(), 0).get(30, TimeUnit.SECONDS);
      assertThat(Integer.toUnsignedLong(hash.getHash())).isEqualTo(expectedHashKv.hash());
      assertThat(hash.getCompacted()).isEqualTo(expectedHashKv.compactRevision());
      RealEtcd.put(client.getKVClient(), "/after/restore", "ok");
      assertThat(get(client, "/after/restore")).containsExactly("ok");
    }
    // what etcd wrote into our file is still a valid database, and etcd agrees on its status
    try (BboltReader r = BboltReader.open(db)) {
      BboltCheck.check(r);
    }
    assertThat(SnapshotInspector.status(db)).isEqualTo(RealEtcd.etcdutlStatus(db));
  }

  private static void restore(EtcdVersion version, Path snap, Path dataDir, int peerPort) {
    List<String> cmd = new ArrayList<>();
    cmd.add(version == EtcdVersion.V3_4 ? version.binary("etcdctl").toString() : version.binary("etcdutl").toString());
    cmd.addAll(List.of("snapshot", "restore", snap.toString(), "--data-dir", dataDir.toString(), "--name", NAME,
        "--initial-cluster", NAME + "=" + PlainEtcd.peerUrl(peerPort),
        "--initial-advertise-peer-urls", PlainEtcd.peerUrl(peerPort), "--initial-cluster-token", TOKEN));
    Exec.run(cmd, snap.getParent(), Duration.ofSeconds(60), "ETCDCTL_API", "3").stdoutOrThrow();
  }

  private static List<String> get(Client client, String key) throws Exception {
    GetResponse r = client.getKVClient().get(RealEtcd.bs(key)).get(30, TimeUnit.SECONDS);
    return r.getKvs().stream().map(kv -> kv.getValue().toString(StandardCharsets.UTF_8)).toList();
  }
}
