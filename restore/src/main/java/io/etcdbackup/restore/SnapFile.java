package io.etcdbackup.restore;

import java.util.zip.CRC32C;

/**
 * The {@code .snap} file of a freshly restored member, byte for byte as etcdutl 3.5.30 writes it
 * ({@code saveWALAndSnap}, then {@code server/etcdserver/api/snap/snapshotter.go SaveSnap}).
 *
 * <p>Content: {@code snappb.Snapshot{crc, data}} where {@code data} is the marshalled
 * {@code raftpb.Snapshot{Data = v2 store JSON, Metadata = {ConfState{voters}, Index N, Term 1}}}
 * and {@code crc} is the plain CRC-32C of {@code data}. The name is {@code %016x-%016x.snap} of
 * (term, index).
 */
final class SnapFile {
  private SnapFile() {}

  static String fileName(ClusterPlan plan) {
    return String.format("%016x-%016x.snap", WalFile.TERM, (long) plan.members().size());
  }

  static byte[] encode(ClusterPlan plan) {
    byte[] metadata = RaftMessages.snapshotMetadata(RaftMessages.confState(plan.memberIds()),
        plan.members().size(), WalFile.TERM);
    byte[] data = RaftMessages.raftSnapshot(V2StoreJson.encode(plan.members()), metadata);
    CRC32C crc = new CRC32C();
    crc.update(data);
    return RaftMessages.snapFile((int) crc.getValue(), data);
  }
}
