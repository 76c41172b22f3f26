/**
 * The bbolt file format (version 2, bbolt 1.3 and 1.4, as used by etcd 3.4 to 3.6): a reader, a
 * consistency checker and a streaming writer, all with memory bounded by the tree height times the
 * page size, whatever the file size.
 *
 * <ul>
 *   <li>{@link io.etcdbackup.core.bbolt.BboltReader}: positional page reads (never mmap: mapped
 *       pages count in the RSS), the meta with the higher valid txid, top-level buckets,
 *       {@code forEach}, {@code forEachEntry}, {@code get}, {@code lastKey}; inline buckets and
 *       overflow pages. A walk reads ahead through a 256 KiB window, planned from the branch
 *       above each leaf ({@code PageReader}), and allocates nothing per page.</li>
 *   <li>{@link io.etcdbackup.core.bbolt.BboltCheck}: what bbolt {@code tx.Check()} refuses, plus
 *       both meta pages valid and strict key order across pages; the first violation is an
 *       {@link io.etcdbackup.core.IntegrityException} naming the page and the rule.</li>
 *   <li>{@link io.etcdbackup.core.bbolt.BboltWriter}: a fresh file from sorted streams, trees built
 *       bottom-up, small buckets inline, no synced freelist, metas written last; 1 MiB sequential
 *       writes, forced to disk in the background as they go.</li>
 * </ul>
 *
 * Entries reach visitors two ways: as copies ({@link io.etcdbackup.core.bbolt.KeyValueVisitor},
 * {@link io.etcdbackup.core.bbolt.BucketVisitor}), or as {@link io.etcdbackup.core.bbolt.EntryView}s
 * of the page being read ({@link io.etcdbackup.core.bbolt.EntryVisitor},
 * {@link io.etcdbackup.core.bbolt.BucketEntryVisitor}), valid during the call only, for visitors
 * that checksum, compare or copy them on (a GiB of values was 1.5 GB of garbage per pass as
 * copies).
 *
 * Integers are little-endian (bbolt writes native order; etcd runs on little-endian hosts). The
 * layout is described in ETCD-FORMATS.md §2 with its bbolt sources; etcd 3.4.23 (bbolt 1.3.6) and
 * 3.5.30 read the files the writer produces and start on them.
 */
package io.etcdbackup.core.bbolt;
