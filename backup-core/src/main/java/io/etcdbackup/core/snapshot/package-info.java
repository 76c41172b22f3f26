/**
 * etcd snapshot files: {@code snapshot status}, offline {@code HashKV}, the SHA-256 trailer, and
 * the names and keys of etcd's backend schema (ETCD-FORMATS.md §1, §3, §6).
 * {@link io.etcdbackup.core.snapshot.SnapshotInspector#inspect} checks a file and computes its
 * status and HashKV in one pass (a second one over bucket {@code key} only when Keep drops an
 * entry still on disk).
 *
 * <p>Release differences found against the real binaries (3.4.23 and 3.5.30):
 * <ul>
 *   <li>{@code snapshot status} is computed identically by etcdctl 3.4.23 and etcdutl 3.5.30 on
 *       both releases' files; their key counts differ only because 3.5 adds {@code meta/term} and
 *       {@code meta/confState}. (3.6 counts live keys instead; not covered here.)</li>
 *   <li>Compaction at a revision R that is a delete: 3.4.23 removes that tombstone from the db,
 *       3.5.30 (like 3.4.34+ and 3.5.16+) keeps it, and its HashKV skips a tombstone at R; with no
 *       key alive that rule alone makes the hash match. 3.4.23 refuses HashKV at R itself
 *       ({@code rev <= compactRev}, until 3.4.26 and 3.5.9).</li>
 *   <li>3.5.30 answers HashKV at a compaction revision with the hash it stored while compacting
 *       (computed before the compaction, with the previous compaction revision); a restarted
 *       member computes it afresh and then matches the file. Compare only when the
 *       {@code compact_revision} values agree.</li>
 * </ul>
 * {@link io.etcdbackup.core.snapshot.HashKvRules#forEtcdVersion(String)} picks the rules from the
 * member's version; {@code OfflineHashKv.compute(db, rev)} uses the current releases' rules.
 */
package io.etcdbackup.core.snapshot;
