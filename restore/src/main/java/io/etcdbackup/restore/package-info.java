/**
 * Native restore of etcd member data dirs from a verified snapshot db.
 *
 * <p>Entry points: {@link io.etcdbackup.restore.RestoreConfig} (the {@code etcdutl snapshot
 * restore} flags, validated once), {@link io.etcdbackup.restore.ClusterPlan} (member and cluster
 * ids as etcd derives them) and {@link io.etcdbackup.restore.DataDirWriter} (writes one member's
 * data dir, or every member's, and returns each member's etcd flags as
 * {@link io.etcdbackup.restore.RestoredMember}).
 *
 * <p>Formats follow etcdutl 3.5.30 ({@code etcdutl/snapshot/v3_snapshot.go}); the WAL and the
 * {@code .snap} are byte-identical to its output, the db is logically identical, and etcd 3.4.23
 * and 3.5.30 start from the result (restore module ITs). The file formats are described in
 * ETCD-FORMATS.md of the design notes.
 */
package io.etcdbackup.restore;
