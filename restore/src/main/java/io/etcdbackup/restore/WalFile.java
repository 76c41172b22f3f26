package io.etcdbackup.restore;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The single WAL segment of a freshly restored member, byte for byte as {@code etcdutl snapshot
 * restore} 3.5.30 writes it ({@code etcdutl/snapshot/v3_snapshot.go saveWALAndSnap} over
 * {@code server/wal/wal.go}, {@code encoder.go}).
 *
 * <p>Records in order: a crc record (rolling CRC 0), the metadata (this member's id and the
 * cluster id), the empty snapshot marker {index 0, term 0} that {@code wal.Create} writes, one
 * ConfChange AddNode entry per member in id order (term 1, indices 1..N), the HardState
 * {term 1, vote = smallest id, commit N}, and the snapshot marker {index N, term 1, ConfState of
 * all voters}. The v3.5 form carries that ConfState; etcdctl 3.4 leaves it out, and a 3.4 server
 * skips the unknown field when it reads the record, so one form serves both.
 *
 * <p>Framing: each record is preceded by a little-endian 64-bit length word and padded with zeros
 * to 8 bytes; if padding is present, the top byte of the length word is {@code 0x80 | padding}.
 * Each non-crc record carries the CRC-32C (Castagnoli) of all record data so far in the segment;
 * with one segment starting from 0 that is exactly {@link CRC32C} fed record after record.
 */
final class WalFile {
  /** etcd's {@code wal.SegmentSizeBytes}: 64 * 1000 * 1000, not MiB. */
  static final long SEGMENT_SIZE_BYTES = 64L * 1000 * 1000;
  /** {@code %016x-%016x.wal}: segment 0, first raft index 0. */
  static final String FILE_NAME = "0000000000000000-0000000000000000.wal";

  // walpb record types (server/wal/wal.go)
  static final int METADATA_TYPE = 1;
  static final int ENTRY_TYPE = 2;
  static final int STATE_TYPE = 3;
  static final int CRC_TYPE = 4;
  static final int SNAPSHOT_TYPE = 5;

  static final long TERM = 1;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);
  private final CRC32C crc = new CRC32C();

  private WalFile() {}

  /** The WAL content for {@code local}, a member of {@code plan}, without preallocated tail. */
  static byte[] encode(ClusterPlan plan, PlannedMember local) {
    List<PlannedMember> members = plan.members();
    long n = members.size();
    WalFile w = new WalFile();
    w.crcRecord();
    w.record(METADATA_TYPE, RaftMessages.metadata(local.id(), plan.clusterId()));
    w.record(SNAPSHOT_TYPE, RaftMessages.walSnapshot(0, 0, null));
    for (int i = 0; i < members.size(); i++) {
      PlannedMember m = members.get(i);
      byte[] cc = RaftMessages.confChangeAddNode(m.id(), MemberJson.member(m));
      w.record(ENTRY_TYPE, RaftMessages.entry(RaftMessages.ENTRY_CONF_CHANGE, TERM, i + 1L, cc));
    }
    w.record(STATE_TYPE, RaftMessages.hardState(TERM, members.get(0).id(), n));
    w.record(SNAPSHOT_TYPE, RaftMessages.walSnapshot(n, TERM, RaftMessages.confState(plan.memberIds())));
    return w.out.toByteArray();
  }

  private void crcRecord() {
    frame(RaftMessages.walRecord(CRC_TYPE, (int) crc.getValue(), null));
  }

  private void record(int type, byte[] data) {
    crc.update(data);
    frame(RaftMessages.walRecord(type, (int) crc.getValue(), data));
  }

  private void frame(byte[] record) {
    int pad = (8 - record.length % 8) % 8;
    long lengthWord = record.length;
    if (pad != 0) {
      lengthWord |= (long) (0x80 | pad) << 56;
    }
    for (int i = 0; i < 8; i++) {
      out.write((int) (lengthWord >>> (8 * i)));
    }
    out.writeBytes(record);
    out.writeBytes(new byte[pad]);
  }
}
