package io.etcdbackup.core.bbolt;

import java.util.Arrays;

/**
 * One leaf entry where it lies in the page being read: its key and value as ranges of a shared
 * array, so that a visitor that only reads them (a checksum, a comparison, a decode) copies
 * nothing. The view and the array behind it are valid only until the visitor call that received
 * them returns, and the array must not be modified; {@link #key()} and {@link #value()} give
 * copies to keep.
 */
public final class EntryView {
  private byte[] array;
  private int keyOffset;
  private int keyLength;
  private int valueLength;
  private boolean bucket;

  EntryView() {}

  void set(byte[] array, int keyOffset, int keyLength, int valueLength, boolean bucket) {
    this.array = array;
    this.keyOffset = keyOffset;
    this.keyLength = keyLength;
    this.valueLength = valueLength;
    this.bucket = bucket;
  }

  /** The array holding the key and the value; read it only in the ranges below, and never write it. */
  public byte[] array() {
    return array;
  }

  public int keyOffset() {
    return keyOffset;
  }

  public int keyLength() {
    return keyLength;
  }

  /** The value follows the key directly (bbolt {@code node.write}). */
  public int valueOffset() {
    return keyOffset + keyLength;
  }

  /**
   * Length of the value; for a nested bucket ({@link #isBucket()}) the stored bucket header and
   * inline image, which {@link #value()} does not return.
   */
  public int valueLength() {
    return valueLength;
  }

  /** Whether this entry is a nested bucket (etcd has none). */
  public boolean isBucket() {
    return bucket;
  }

  /** A copy of the key. */
  public byte[] key() {
    return Arrays.copyOfRange(array, keyOffset, keyOffset + keyLength);
  }

  /** A copy of the value, or {@code null} for a nested bucket (as {@link KeyValueVisitor} reports it). */
  public byte[] value() {
    return bucket ? null : Arrays.copyOfRange(array, valueOffset(), valueOffset() + valueLength);
  }

  /** Compares the key with {@code other} as bbolt does (unsigned bytes, a shorter prefix first). */
  public int compareKey(byte[] other) {
    return Arrays.compareUnsigned(array, keyOffset, keyOffset + keyLength, other, 0, other.length);
  }

  public boolean keyEquals(byte[] other) {
    return Arrays.equals(array, keyOffset, keyOffset + keyLength, other, 0, other.length);
  }

  @Override
  public String toString() {
    return "EntryView[key " + Keys.hex(key()) + ", " + (bucket ? "bucket" : valueLength + "-byte value") + "]";
  }
}
