package io.etcdbackup.core.retention;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.store.Layout;
import java.time.Duration;
import java.util.Objects;

/**
 * One prune of one series, validated once.
 *
 * @param cluster the series ({@code --cluster-name}); no other series is read for deletion
 * @param policy what to keep
 * @param leftoverGrace {@code --leftover-grace}: data without a manifest and unfinished uploads
 *     older than this are removed; younger ones may belong to a run in progress
 * @param dryRun {@code --dry-run}: plan and report, delete nothing
 */
public record PruneRequest(String cluster, RetentionPolicy policy, Duration leftoverGrace, boolean dryRun) {
  public PruneRequest {
    Layout.checkClusterName(Objects.requireNonNull(cluster, "cluster"));
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(leftoverGrace, "leftoverGrace");
    if (leftoverGrace.isNegative()) {
      throw new InvalidInputException("--leftover-grace (" + leftoverGrace + ") must be zero or more");
    }
    if (policy.isEmpty()) {
      throw new InvalidInputException("no retention rule given: name at least one of " + RetentionPolicy.RULE_FLAGS);
    }
  }
}
