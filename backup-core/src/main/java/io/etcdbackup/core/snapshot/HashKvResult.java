package io.etcdbackup.core.snapshot;

/**
 * What {@code Maintenance.HashKV} answers, computed offline.
 *
 * @param hash CRC-32C of the MVCC history up to the revision, an unsigned 32-bit value
 * @param compactRevision the compaction revision the hash assumed, -1 if the db was never compacted
 *     (etcd's {@code compact_revision}); compare with a member's answer only when they agree
 * @param currentRevision the db's current revision (etcd's {@code header.revision})
 */
public record HashKvResult(long hash, long compactRevision, long currentRevision) {}
