package io.etcdbackup.core.snapshot;

/**
 * What {@code etcdutl snapshot status} (3.5) and {@code etcdctl snapshot status} (3.4) report for a
 * db file (ETCD-FORMATS.md §1.4).
 *
 * @param hash CRC-32C over every bucket name and entry, an unsigned 32-bit value
 * @param revision main revision of the last key of bucket {@code key}, 0 if it is empty
 * @param totalKey number of entries over all buckets (3.4/3.5 semantics, not 3.6's live keys)
 * @param totalSize {@code pgid * pageSize}, not the file length
 */
public record SnapshotStatus(long hash, long revision, long totalKey, long totalSize) {}
