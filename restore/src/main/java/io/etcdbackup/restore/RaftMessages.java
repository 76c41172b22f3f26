package io.etcdbackup.restore;

import java.util.List;

/**
 * Encodings of the raft, WAL and snapshot messages a restore writes, field by field.
 *
 * <p>Sources (etcd v3.5.30): {@code raft/raftpb/raft.proto}, {@code server/wal/walpb/record.proto},
 * {@code server/etcdserver/api/snap/snappb/snap.proto}, {@code api/etcdserverpb/etcdserver.proto}.
 * All of them are proto2 with gogo's {@code nullable=false} on the scalar fields, so every scalar
 * listed here is written even when it is zero.
 */
final class RaftMessages {
  /** {@code raftpb.EntryType.EntryConfChange}. */
  static final int ENTRY_CONF_CHANGE = 1;
  /** {@code raftpb.ConfChangeType.ConfChangeAddNode}. */
  static final int CONF_CHANGE_ADD_NODE = 0;

  private RaftMessages() {}

  /** {@code etcdserverpb.Metadata{1 NodeID, 2 ClusterID}}: the WAL's metadata record. */
  static byte[] metadata(long nodeId, long clusterId) {
    return new Proto().varint(1, nodeId).varint(2, clusterId).toByteArray();
  }

  /** {@code raftpb.ConfChange{1 ID = 0, 2 Type = AddNode, 3 NodeID, 4 Context}}. */
  static byte[] confChangeAddNode(long nodeId, byte[] context) {
    return new Proto().varint(1, 0).varint(2, CONF_CHANGE_ADD_NODE).varint(3, nodeId).bytes(4, context)
        .toByteArray();
  }

  /** {@code raftpb.Entry{1 Type, 2 Term, 3 Index, 4 Data}}; Data is non-nil here. */
  static byte[] entry(int type, long term, long index, byte[] data) {
    return new Proto().varint(1, type).varint(2, term).varint(3, index).bytes(4, data).toByteArray();
  }

  /** {@code raftpb.HardState{1 Term, 2 Vote, 3 Commit}}. */
  static byte[] hardState(long term, long vote, long commit) {
    return new Proto().varint(1, term).varint(2, vote).varint(3, commit).toByteArray();
  }

  /**
   * {@code raftpb.ConfState{1 repeated Voters, 2 Learners, 3 VotersOutgoing, 4 LearnersNext,
   * 5 AutoLeave}}: voters unpacked, no learners or joint config, {@code auto_leave = false}
   * always emitted.
   */
  static byte[] confState(List<Long> voters) {
    Proto p = new Proto();
    voters.forEach(v -> p.varint(1, v));
    return p.varint(5, 0).toByteArray();
  }

  /**
   * {@code walpb.Snapshot{1 Index, 2 Term, 3 ConfState}}; {@code confState} null leaves field 3
   * out (etcd's initial empty snapshot record, and every v3.4 writer).
   */
  static byte[] walSnapshot(long index, long term, byte[] confState) {
    Proto p = new Proto().varint(1, index).varint(2, term);
    if (confState != null) {
      p.bytes(3, confState);
    }
    return p.toByteArray();
  }

  /** {@code walpb.Record{1 Type, 2 Crc, 3 Data}}; {@code data} null leaves field 3 out (crc records). */
  static byte[] walRecord(long type, int crc, byte[] data) {
    Proto p = new Proto().varint(1, type).varint(2, Integer.toUnsignedLong(crc));
    if (data != null) {
      p.bytes(3, data);
    }
    return p.toByteArray();
  }

  /** {@code raftpb.SnapshotMetadata{1 ConfState, 2 Index, 3 Term}}. */
  static byte[] snapshotMetadata(byte[] confState, long index, long term) {
    return new Proto().bytes(1, confState).varint(2, index).varint(3, term).toByteArray();
  }

  /** {@code raftpb.Snapshot{1 Data, 2 Metadata}}. */
  static byte[] raftSnapshot(byte[] data, byte[] metadata) {
    return new Proto().bytes(1, data).bytes(2, metadata).toByteArray();
  }

  /** {@code snappb.Snapshot{1 Crc, 2 Data}}: the whole content of a {@code .snap} file. */
  static byte[] snapFile(int crc, byte[] data) {
    return new Proto().varint(1, Integer.toUnsignedLong(crc)).bytes(2, data).toByteArray();
  }
}
