package io.etcdbackup.core.bbolt;

import java.util.Arrays;
import java.util.HexFormat;

/** Key order and printing: bbolt compares keys as unsigned bytes, a shorter prefix first ({@code bytes.Compare}). */
final class Keys {
  private static final int SHOWN = 64;

  private Keys() {}

  static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  /** Hex, cut after 64 bytes: keys in error messages are etcd revisions or bucket names, mostly short. */
  static String hex(byte[] key) {
    if (key == null) {
      return "(none)";
    }
    String h = HexFormat.of().formatHex(key, 0, Math.min(key.length, SHOWN));
    return key.length > SHOWN ? h + "...(" + key.length + " bytes)" : h;
  }

  /** A bucket name for messages: printable ASCII as is, anything else as hex. */
  static String name(byte[] name) {
    for (byte c : name) {
      if (c < 0x20 || c > 0x7e) {
        return "0x" + hex(name);
      }
    }
    return new String(name, java.nio.charset.StandardCharsets.US_ASCII);
  }
}
