package io.etcdbackup.core.bbolt;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Little-endian field access in byte arrays. bbolt writes its integers in the writer's native
 * order (bbolt {@code page.go} casts structs over the mmap), so a file is only portable between
 * hosts of one byte order; etcd runs on little-endian hosts (amd64, arm64, ppc64le), and files
 * from a big-endian host (s390x) are not supported here.
 */
final class Le {
  private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private Le() {}

  static int u16(byte[] b, int off) {
    return ((short) I16.get(b, off)) & 0xFFFF;
  }

  static long u32(byte[] b, int off) {
    return ((int) I32.get(b, off)) & 0xFFFF_FFFFL;
  }

  static long u64(byte[] b, int off) {
    return (long) I64.get(b, off);
  }

  static void put16(byte[] b, int off, int v) {
    I16.set(b, off, (short) v);
  }

  static void put32(byte[] b, int off, long v) {
    I32.set(b, off, (int) v);
  }

  static void put64(byte[] b, int off, long v) {
    I64.set(b, off, v);
  }
}
