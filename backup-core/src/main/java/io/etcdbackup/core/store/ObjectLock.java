package io.etcdbackup.core.store;

import io.etcdbackup.core.InvalidInputException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * A store's write-once setting (S3 Object Lock, {@code --s3-object-lock-days} and
 * {@code --s3-object-lock-mode}): every object of a new backup is locked until the backup's start
 * plus {@code period}. One date per backup, for its data object and its manifest alike, so that the
 * manifest can say when the backup may go (retention reads it from there).
 *
 * @param mode GOVERNANCE (a user with {@code s3:BypassGovernanceRetention} may still delete) or
 *     COMPLIANCE (no one may, the root account included, until the date)
 */
public record ObjectLock(Mode mode, Duration period) {

  /** S3's two retention modes. */
  public enum Mode {
    GOVERNANCE, COMPLIANCE;

    /** Parses a mode as typed on the command line, in any case. */
    public static Mode parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("--s3-object-lock-mode (" + s + ") must be GOVERNANCE or COMPLIANCE");
      }
    }
  }

  public ObjectLock {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(period, "period");
    if (period.isNegative() || period.isZero()) {
      throw new InvalidInputException("--s3-object-lock-days (" + period.toDays() + ") must be at least 1");
    }
  }

  /** The retain-until date of a backup that started at {@code started}. */
  public Instant retainUntil(Instant started) {
    return started.plus(period);
  }
}
