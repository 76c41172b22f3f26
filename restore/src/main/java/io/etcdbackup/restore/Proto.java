package io.etcdbackup.restore;

import java.io.ByteArrayOutputStream;

/**
 * A hand-rolled protobuf encoder for the handful of raft/etcd messages a restore writes.
 *
 * <p>The messages are gogo-protobuf generated in etcd (v3.4/v3.5): fields come out in ascending
 * field-number order; proto2 fields marked {@code (gogoproto.nullable) = false} are emitted even
 * when zero; repeated scalars are not packed (one tag per element); optional {@code bytes} and
 * message pointers are emitted only when non-nil. Callers below encode each rule explicitly.
 */
final class Proto {
  private static final int VARINT = 0;
  private static final int LENGTH_DELIMITED = 2;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

  /** A varint field ({@code int64}, {@code uint64}, {@code uint32}, {@code bool}, enums), always emitted. */
  Proto varint(int field, long value) {
    tag(field, VARINT);
    writeVarint(value);
    return this;
  }

  /** A length-delimited field (bytes, string, embedded message), emitted even when empty. */
  Proto bytes(int field, byte[] value) {
    tag(field, LENGTH_DELIMITED);
    writeVarint(value.length);
    out.writeBytes(value);
    return this;
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  private void tag(int field, int wireType) {
    writeVarint((long) field << 3 | wireType);
  }

  private void writeVarint(long v) {
    // Unsigned base-128: a negative int64 takes ten bytes, as in Go's encoding of uint64(v).
    while ((v & ~0x7FL) != 0) {
      out.write((int) (v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write((int) v);
  }
}
