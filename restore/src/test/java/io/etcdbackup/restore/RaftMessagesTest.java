package io.etcdbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Byte vectors from ETCD-FORMATS.md §5 (a WAL written by etcdctl 3.4.23) and the proto definitions. */
class RaftMessagesTest {
  private static final long ID = 0x59ff5de606034034L;
  private static final long CLUSTER = 0x80745ad52053afa4L;
  private static final String ID_VARINT = "b4808db0e0bcd7ff59";

  @Test
  void metadataAlwaysCarriesBothIds() {
    assertThat(hex(RaftMessages.metadata(ID, CLUSTER))).isEqualTo("08" + ID_VARINT + "10a4dfce82d2da96ba8001");
    assertThat(hex(RaftMessages.metadata(0, 0))).isEqualTo("08001000");
  }

  @Test
  void emptyWalSnapshotEmitsZeroIndexAndTermButNoConfState() {
    assertThat(hex(RaftMessages.walSnapshot(0, 0, null))).isEqualTo("08001000");
  }

  @Test
  void walSnapshotWithConfStateAsEtcd35WritesIt() {
    byte[] cs = RaftMessages.confState(List.of(ID));
    assertThat(hex(cs)).isEqualTo("08" + ID_VARINT + "2800");
    assertThat(hex(RaftMessages.walSnapshot(1, 1, cs))).isEqualTo("080110011a0c08" + ID_VARINT + "2800");
  }

  @Test
  void confStateVotersAreNotPacked() {
    assertThat(hex(RaftMessages.confState(List.of(1L, 2L, 300L)))).isEqualTo("08010802" + "08ac02" + "2800");
  }

  @Test
  void confChangeEntryAsInTheDocumentedWal() {
    byte[] ctx = "{}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] cc = RaftMessages.confChangeAddNode(ID, ctx);
    assertThat(hex(cc)).isEqualTo("08001000" + "18" + ID_VARINT + "2202" + "7b7d");
    assertThat(hex(RaftMessages.entry(1, 1, 1, cc))).isEqualTo("080110011801" + "2212" + hex(cc));
  }

  @Test
  void hardStateAndRecords() {
    assertThat(hex(RaftMessages.hardState(1, ID, 1))).isEqualTo("0801" + "10" + ID_VARINT + "1801");
    assertThat(hex(RaftMessages.walRecord(4, 0, null))).isEqualTo("08041000");
    assertThat(hex(RaftMessages.walRecord(5, 300, new byte[] {8, 0, 16, 0})))
        .isEqualTo("0805" + "10ac02" + "1a0408001000");
    // crc is a uint32: values with the top bit set stay positive (five varint bytes)
    assertThat(hex(RaftMessages.walRecord(4, 0xffffffff, null))).isEqualTo("0804" + "10ffffffff0f");
  }

  @Test
  void snapshotMessagesPutFieldsInNumberOrder() {
    byte[] cs = RaftMessages.confState(List.of(1L));
    byte[] md = RaftMessages.snapshotMetadata(cs, 3, 1);
    assertThat(hex(md)).isEqualTo("0a0408012800" + "1003" + "1801");
    assertThat(hex(RaftMessages.raftSnapshot(new byte[] {0x7b}, md))).isEqualTo("0a017b" + "120a" + hex(md));
    assertThat(hex(RaftMessages.snapFile(0, new byte[] {1}))).isEqualTo("0800" + "120101");
  }

  @Test
  void negativeInt64EncodesAsTenBytes() {
    assertThat(hex(new Proto().varint(1, -1).toByteArray())).isEqualTo("08ffffffffffffffffff01");
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
