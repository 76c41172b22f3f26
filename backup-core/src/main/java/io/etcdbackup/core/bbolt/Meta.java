package io.etcdbackup.core.bbolt;

/**
 * A bbolt meta page (pages 0 and 1; bbolt {@code db.go} {@code meta}). Offsets are from the start
 * of the page: the 16-byte page header, then magic, version, pageSize, flags, root bucket
 * {root, sequence}, freelist, pgid, txid and the FNV-1a checksum of the 56 bytes before it.
 */
record Meta(int pageId, long magic, long version, long pageSize, long flags, long root, long sequence,
    long freelist, long pgid, long txid, long checksum, long computedChecksum) {

  static final long MAGIC = 0xED0CDAEDL;
  static final long VERSION = 2;
  /** {@code pgidNoFreelist} (bbolt {@code db.go}): the freelist is not synced and is rebuilt by a scan. */
  static final long NO_FREELIST = 0xFFFF_FFFF_FFFF_FFFFL;
  static final int SIZE = 64;
  private static final int BODY = Page.HEADER_SIZE;
  private static final int SUMMED = 56;

  /** Decodes the meta stored at {@code off} (the start of the page) in {@code page}. */
  static Meta parse(byte[] page, int off, int pageId) {
    int b = off + BODY;
    return new Meta(pageId, Le.u32(page, b), Le.u32(page, b + 4), Le.u32(page, b + 8), Le.u32(page, b + 12),
        Le.u64(page, b + 16), Le.u64(page, b + 24), Le.u64(page, b + 32), Le.u64(page, b + 40),
        Le.u64(page, b + 48), Le.u64(page, b + 56), Fnv1a64.hash(page, b, SUMMED));
  }

  /**
   * Why this meta is unusable, or {@code null} if it is valid. bbolt ({@code meta.validate})
   * accepts a zero checksum as "not set"; every bbolt release since 1.0 writes one, so a zero
   * here is treated as a mismatch like any other.
   */
  String problem() {
    if (magic != MAGIC) {
      return String.format("bad magic 0x%08x", magic);
    }
    if (version != VERSION) {
      return "unsupported version " + version;
    }
    if (checksum != computedChecksum) {
      return String.format("checksum mismatch (stored %016x, computed %016x)", checksum, computedChecksum);
    }
    return null;
  }

  boolean valid() {
    return problem() == null;
  }

  boolean hasSyncedFreelist() {
    return freelist != NO_FREELIST;
  }

  /** Writes a complete meta page (header, body and checksum) for page {@code id} into {@code page}. */
  static void write(byte[] page, int id, int pageSize, long root, long freelist, long pgid, long txid) {
    Le.put64(page, 0, id);
    Le.put16(page, 8, Page.META);
    int b = BODY;
    Le.put32(page, b, MAGIC);
    Le.put32(page, b + 4, VERSION);
    Le.put32(page, b + 8, pageSize);
    Le.put32(page, b + 12, 0);
    Le.put64(page, b + 16, root);
    Le.put64(page, b + 24, 0);
    Le.put64(page, b + 32, freelist);
    Le.put64(page, b + 40, pgid);
    Le.put64(page, b + 48, txid);
    Le.put64(page, b + 56, Fnv1a64.hash(page, b, SUMMED));
  }
}
