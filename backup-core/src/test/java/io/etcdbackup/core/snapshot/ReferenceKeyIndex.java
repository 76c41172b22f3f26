package io.etcdbackup.core.snapshot;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * A literal model, for tests, of etcd's in-memory key index as described in ETCD-FORMATS.md §6
 * and etcd {@code key_index.go}: generations of revisions per key, rebuilt the way
 * {@code store.restore} does, with {@code keep} and {@code compact} following {@code doCompact}
 * line by line. It holds everything in memory; {@link OfflineHashKv} must agree with it.
 */
final class ReferenceKeyIndex {
  /** Revision (main, sub); a generation is a list of them. */
  record Rev(long main, long sub) {}

  private final Map<String, List<List<Rev>>> index = new LinkedHashMap<>();
  /** etcd 3.5.16+ compares {@code tomb >= atRev} in doCompact; 3.4.23 used {@code tomb > atRev}. */
  private final boolean newRules;

  /** Rebuilds the index from records, as 3.5 {@code restoreIntoIndex} (or 3.4's when {@code !newRules}). */
  ReferenceKeyIndex(List<History.Rec> records, boolean newRules) {
    this.newRules = newRules;
    for (History.Rec r : records) {
      Rev rev = new Rev(r.main(), r.sub());
      List<List<Rev>> gens = index.get(r.key());
      if (gens == null) {
        if (r.tombstone() && !newRules) {
          continue; // 3.4.23 ignores a tombstone it sees first
        }
        gens = new ArrayList<>();
        gens.add(new ArrayList<>(List.of(rev)));
        if (r.tombstone()) {
          gens.add(new ArrayList<>()); // restoreTombstone
        }
        index.put(r.key(), gens);
      } else {
        List<Rev> last = gens.get(gens.size() - 1);
        if (r.tombstone() && last.isEmpty()) {
          continue; // tombstone on an empty generation: ErrRevisionNotFound
        }
        last.add(rev);
        if (r.tombstone()) {
          gens.add(new ArrayList<>());
        }
      }
    }
  }

  /** {@code treeIndex.Keep(atRev)}. */
  Set<Rev> keep(long atRev) {
    Set<Rev> available = new HashSet<>();
    for (List<List<Rev>> gens : index.values()) {
      if (gens.size() == 1 && gens.get(0).isEmpty()) {
        continue;
      }
      int[] found = doCompact(gens, atRev, available);
      List<Rev> g = gens.get(found[0]);
      if (!g.isEmpty() && found[1] == g.size() - 1 && found[0] != gens.size() - 1) {
        available.remove(g.get(found[1]));
      }
    }
    return available;
  }

  /** The revisions {@code treeIndex.Compact(atRev)} keeps: what survives a finished compaction on disk. */
  Set<Rev> compactAvailable(long atRev) {
    Set<Rev> available = new HashSet<>();
    for (List<List<Rev>> gens : index.values()) {
      if (gens.size() == 1 && gens.get(0).isEmpty()) {
        continue;
      }
      int[] found = doCompact(gens, atRev, available);
      List<Rev> g = gens.get(found[0]);
      // 3.4.23 compact: "remove any tombstone"; 3.5.16+ keeps it.
      if (!newRules && !g.isEmpty() && found[1] != -1 && g.size() - found[1] == 1 && found[0] != gens.size() - 1) {
        available.remove(g.get(found[1]));
      }
    }
    return available;
  }

  /** {@code treeIndex.Compact(atRev)} on a live member: trims generations, drops emptied keys. */
  void compact(long atRev) {
    index.values().removeIf(gens -> {
      int[] found = doCompact(gens, atRev, new HashSet<>());
      int genIdx = found[0];
      List<Rev> g = gens.get(genIdx);
      if (!g.isEmpty()) {
        if (found[1] != -1) {
          g.subList(0, found[1]).clear();
        }
        if (!newRules && g.size() == 1 && genIdx != gens.size() - 1) {
          genIdx++; // 3.4: remove any tombstone
        }
      }
      gens.subList(0, genIdx).clear();
      return gens.size() == 1 && gens.get(0).isEmpty();
    });
  }

  /** The HashKV etcd computes over {@code records} for {@code rev} (already resolved from 0). */
  static long hash(List<History.Rec> records, Set<Rev> keep, long compactRev, long rev, boolean skipTombstone) {
    CRC32C crc = new CRC32C();
    crc.update(EtcdSchema.KEY);
    for (History.Rec r : records) {
      if (r.main() > rev) {
        continue;
      }
      if (r.main() <= compactRev && !keep.isEmpty() && !keep.contains(new Rev(r.main(), r.sub()))) {
        continue;
      }
      if (skipTombstone && r.main() == compactRev && r.tombstone()) {
        continue;
      }
      crc.update(r.dbKey());
      crc.update(r.dbValue());
    }
    return crc.getValue();
  }

  private int[] doCompact(List<List<Rev>> gens, long atRev, Set<Rev> available) {
    int genIdx = 0;
    while (genIdx < gens.size() - 1) {
      List<Rev> g = gens.get(genIdx);
      long tomb = g.get(g.size() - 1).main();
      if (newRules ? tomb >= atRev : tomb > atRev) {
        break;
      }
      genIdx++;
    }
    List<Rev> g = gens.get(genIdx);
    int revIndex = -1;
    for (int i = g.size() - 1; i >= 0; i--) {
      if (g.get(i).main() <= atRev) {
        available.add(g.get(i));
        revIndex = i;
        break;
      }
    }
    return new int[] {genIdx, revIndex};
  }
}
