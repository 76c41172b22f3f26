package io.etcdbackup.core.run;

import java.util.Locale;

/**
 * The steps of a run, as listeners and the {@code phase} metric label see them. Backup:
 * {@link #SELECT}, {@link #LOCK} (with {@code --lock} only), then {@link #STREAM}, {@link #ENCODE}
 * and {@link #UPLOAD} overlapping, {@link #CHECK}, {@link #COMMIT}, {@link #CLEANUP}. Restore and
 * verify: {@link #DOWNLOAD} and {@link #DECRYPT} overlapping, {@link #CHECK}, then for restore
 * {@link #WRITE} and {@link #SYNC}. A drill: a restore's phases, then
 * {@link #BOOT}.
 */
public enum Phase {
  /** Health of every endpoint, and the choice of the member to stream from. */
  SELECT,
  /** Taking the etcd lock of the series. */
  LOCK,
  /** The member's snapshot stream into the raw spool, at disk speed. */
  STREAM,
  /** Compression and encryption of the raw spool, following it as it grows. */
  ENCODE,
  /** The encoded bytes to the store, not yet visible there. */
  UPLOAD,
  /** The checks before a commit (backup) or before anything is written (restore, verify). */
  CHECK,
  /** Making the data object visible and writing the manifest: the backup exists from here on. */
  COMMIT,
  /** Removing leftovers of interrupted runs. */
  CLEANUP,
  /** Retention: deleting the backups the policy lets go. */
  PRUNE,
  /** Reading a stored backup. */
  DOWNLOAD,
  /** Decryption and decompression of what is downloaded. */
  DECRYPT,
  /** Writing member data dirs. */
  WRITE,
  /** Making the written data dirs durable and renaming them into place. */
  SYNC,
  /** A drill: a throwaway etcd started on the restored data dir, then asked for its figures (or, offline, the restored db read). */
  BOOT;

  /** The metric label value and the word in logs: {@code stream}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
