package io.etcdbackup.restore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the member id and cluster id from a WAL's metadata record (the second frame), decoding
 * the bytes independently of the writer, to compare ids of a WAL written by etcdutl.
 */
record WalMetadata(long memberId, long clusterId) {

  static WalMetadata read(Path wal) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(wal)).order(ByteOrder.LITTLE_ENDIAN);
    skipFrame(b); // crc record
    long word = b.getLong();
    int len = (int) (word & 0x00FF_FFFF_FFFF_FFFFL);
    int end = b.position() + len;
    long type = -1;
    byte[] data = null;
    while (b.position() < end) {
      int tag = (int) varint(b);
      switch (tag) {
        case 0x08 -> type = varint(b);
        case 0x10 -> varint(b);
        case 0x1a -> {
          data = new byte[(int) varint(b)];
          b.get(data);
        }
        default -> throw new IOException("unexpected tag " + tag + " in " + wal);
      }
    }
    if (type != 1 || data == null) {
      throw new IOException("second record of " + wal + " is not metadata (type " + type + ")");
    }
    ByteBuffer d = ByteBuffer.wrap(data);
    long member = 0;
    long cluster = 0;
    while (d.hasRemaining()) {
      int tag = (int) varint(d);
      long v = varint(d);
      if (tag == 0x08) {
        member = v;
      } else if (tag == 0x10) {
        cluster = v;
      }
    }
    return new WalMetadata(member, cluster);
  }

  private static void skipFrame(ByteBuffer b) {
    long word = b.getLong();
    int len = (int) (word & 0x00FF_FFFF_FFFF_FFFFL);
    int pad = word < 0 ? (int) ((word >>> 56) & 0x7) : 0;
    b.position(b.position() + len + pad);
  }

  private static long varint(ByteBuffer b) {
    long v = 0;
    for (int shift = 0; ; shift += 7) {
      int x = b.get() & 0xff;
      v |= (long) (x & 0x7f) << shift;
      if (x < 0x80) {
        return v;
      }
    }
  }
}
