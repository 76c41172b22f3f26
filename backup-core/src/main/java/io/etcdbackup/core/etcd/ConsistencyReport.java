package io.etcdbackup.core.etcd;

import java.util.List;
import java.util.Optional;

/**
 * HashKV of every reachable member at one revision. Members are compared only when they report
 * the same compact revision (etcd 3.5.5+ caches hashes computed during a compaction, ETCD-FORMATS §6).
 */
public record ConsistencyReport(long revision, List<MemberHash> hashes, List<String> mismatched) {

  /** One member's answer. */
  public record MemberHash(String endpoint, long memberId, Optional<Long> hash, long compactRevision, Optional<String> error) {}

  public ConsistencyReport {
    hashes = List.copyOf(hashes);
    mismatched = List.copyOf(mismatched);
  }

  public boolean consistent() {
    return mismatched.isEmpty();
  }
}
