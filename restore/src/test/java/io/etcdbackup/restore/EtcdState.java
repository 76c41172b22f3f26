package io.etcdbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.maintenance.HashKVResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What a client sees of an etcd cluster's keyspace: every key with its value and revisions, the
 * current revision, HashKV at that revision with its compact revision, and one lease's keys.
 * Captured from the source before the snapshot and from the restored cluster after booting.
 */
record EtcdState(Map<String, Kv> keys, long revision, int hashKv, long compactRevision, long leaseId,
    List<String> leaseKeys) {

  /** One key as etcd serves it; key and value as hex so that binary keys compare exactly. */
  record Kv(String value, long createRevision, long modRevision, long version, long lease) {}

  private static final ByteSequence ALL = ByteSequence.from(new byte[] {0});

  static EtcdState capture(Client client, String endpoint, long leaseId) throws Exception {
    GetResponse all = client.getKVClient().get(ALL, GetOption.builder().withRange(ALL).build()).get(10, TimeUnit.SECONDS);
    Map<String, Kv> keys = new TreeMap<>();
    for (KeyValue kv : all.getKvs()) {
      keys.put(hex(kv.getKey()), new Kv(hex(kv.getValue()), kv.getCreateRevision(), kv.getModRevision(),
          kv.getVersion(), kv.getLease()));
    }
    long revision = all.getHeader().getRevision();
    HashKVResponse h = client.getMaintenanceClient().hashKV(endpoint, revision).get(10, TimeUnit.SECONDS);
    List<String> leaseKeys = client.getLeaseClient().timeToLive(leaseId, LeaseOption.builder().withAttachedKeys().build())
        .get(10, TimeUnit.SECONDS).getKeys().stream().map(EtcdState::hex).sorted().toList();
    return new EtcdState(keys, revision, h.getHash(), h.getCompacted(), leaseId, leaseKeys);
  }

  /** The restored cluster serves exactly what the source served. */
  void assertServedBy(Client client, String endpoint) throws Exception {
    EtcdState restored = capture(client, endpoint, leaseId);
    assertThat(restored.keys()).as("keys with values and revisions").isEqualTo(keys);
    assertThat(restored.revision()).as("current revision").isEqualTo(revision);
    assertThat(restored.compactRevision()).as("compact revision").isEqualTo(compactRevision);
    assertThat(restored.hashKv()).as("HashKV at revision %d", revision).isEqualTo(hashKv);
    assertThat(restored.leaseKeys()).as("keys of lease %x", leaseId).isEqualTo(leaseKeys).isNotEmpty();
  }

  static String hex(ByteSequence b) {
    return HexFormat.of().formatHex(b.getBytes());
  }
}
