package io.etcdbackup.core.store;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.UserText;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A backup's id, in one of two forms (ARCHITECTURE.md, storage layout):
 * <ul>
 *   <li>v2, what this version writes: {@code <UTC yyyyMMdd'T'HHmmss'Z'>-<8 random hex>}, the run's
 *       id. It is chosen before the snapshot streams, so that the upload can start with the first
 *       byte; the revision is known only at the end and lives in the manifest alone.
 *   <li>v1, read and never written any more: {@code <time>-r<revision, 20 digits>-<4 random hex>}.
 * </ul>
 * Unique without coordination: two runs in the same second differ in the random part (32 bits in
 * v2, where the revision no longer tells them apart). Ordering never relies on the string: listing
 * sorts by the manifest's time and revision.
 *
 * @param revision the revision a v1 id holds, {@link #NO_REVISION} in a v2 id
 */
public record BackupId(Instant time, long revision, String random) {
  /** The revision of a v2 id: not part of it. */
  public static final long NO_REVISION = -1;
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern V1_FORM = Pattern.compile("(\\d{8}T\\d{6}Z)-r(\\d{20})-([0-9a-f]{4})");
  private static final Pattern V2_FORM = Pattern.compile("(\\d{8}T\\d{6}Z)-([0-9a-f]{8})");
  private static final SecureRandom RANDOM = new SecureRandom();

  public BackupId {
    time = time.truncatedTo(ChronoUnit.SECONDS);
    if (revision < NO_REVISION) {
      throw new IllegalArgumentException("revision must be >= 0: " + revision);
    }
    String form = revision == NO_REVISION ? "[0-9a-f]{8}" : "[0-9a-f]{4}";
    if (!random.matches(form)) {
      throw new IllegalArgumentException("random part must match " + form + ": " + random);
    }
  }

  /** A new (v2) id for a run started at {@code time}. */
  public static BackupId create(Instant time) {
    return new BackupId(time, NO_REVISION, random(4));
  }

  /**
   * A v1 id, as versions before the v2 layout wrote them: for tests and tools that build v1
   * series, which this version must go on reading.
   */
  public static BackupId createV1(Instant time, long revision) {
    if (revision < 0) {
      throw new IllegalArgumentException("revision must be >= 0: " + revision);
    }
    return new BackupId(time, revision, random(2));
  }

  private static String random(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** Parses an id of either form; {@link InvalidInputException} if it has neither. */
  public static BackupId parse(String s) {
    Matcher v2 = V2_FORM.matcher(s);
    if (v2.matches()) {
      return new BackupId(Instant.from(TIME.parse(v2.group(1))), NO_REVISION, v2.group(2));
    }
    Matcher v1 = V1_FORM.matcher(s);
    if (v1.matches()) {
      return new BackupId(Instant.from(TIME.parse(v1.group(1))), Long.parseLong(v1.group(2)), v1.group(3));
    }
    throw new InvalidInputException(UserText.quote(s) + " is not a backup id (expected e.g. 20260101T120000Z-0a1b2c3d,"
        + " or 20260101T120000Z-r00000000000000012345-ab12 as older versions wrote)");
  }

  /** {@code yyyyMMdd'T'HHmmss'Z'} in UTC: the time part of an id, and of names like {@code <dir>.old-<stamp>}. */
  public static String utcStamp(Instant t) {
    return TIME.format(t);
  }

  public static boolean looksLikeId(String s) {
    return looksLikeV2(s) || V1_FORM.matcher(s).matches();
  }

  /** True if {@code s} has the form of a v2 id. */
  public static boolean looksLikeV2(String s) {
    return V2_FORM.matcher(s).matches();
  }

  /** The revision a v1 id carries; empty for a v2 id, whose revision only its manifest knows. */
  public OptionalLong revisionInId() {
    return revision == NO_REVISION ? OptionalLong.empty() : OptionalLong.of(revision);
  }

  /** True for the ids of the v1 layout. */
  public boolean v1() {
    return revision != NO_REVISION;
  }

  @Override
  public String toString() {
    return v1() ? TIME.format(time) + "-r" + String.format("%020d", revision) + "-" + random
        : TIME.format(time) + "-" + random;
  }
}
