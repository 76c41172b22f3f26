package io.etcdbackup.core.store;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.UserText;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A backup's id, {@code <UTC yyyyMMdd'T'HHmmss'Z'>-r<revision, 20 digits>-<4 random hex>}
 * (ARCHITECTURE.md, storage layout v1). Unique without coordination: two runs in the same second
 * at the same revision still differ in the random part. Ordering never relies on the string:
 * listing sorts by the manifest's time and revision.
 */
public record BackupId(Instant time, long revision, String random) {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern FORM = Pattern.compile("(\\d{8}T\\d{6}Z)-r(\\d{20})-([0-9a-f]{4})");
  private static final SecureRandom RANDOM = new SecureRandom();

  public BackupId {
    time = time.truncatedTo(ChronoUnit.SECONDS);
    if (revision < 0) {
      throw new IllegalArgumentException("revision must be >= 0: " + revision);
    }
    if (!random.matches("[0-9a-f]{4}")) {
      throw new IllegalArgumentException("random part must be 4 hex digits: " + random);
    }
  }

  public static BackupId create(Instant time, long revision) {
    byte[] b = new byte[2];
    RANDOM.nextBytes(b);
    return new BackupId(time, revision, HexFormat.of().formatHex(b));
  }

  /** Parses an id; {@link InvalidInputException} if it does not have the v1 form. */
  public static BackupId parse(String s) {
    Matcher m = FORM.matcher(s);
    if (!m.matches()) {
      throw new InvalidInputException(UserText.quote(s) + " is not a backup id (expected e.g. 20260101T120000Z-r00000000000000012345-ab12)");
    }
    return new BackupId(Instant.from(TIME.parse(m.group(1))), Long.parseLong(m.group(2)), m.group(3));
  }

  /** {@code yyyyMMdd'T'HHmmss'Z'} in UTC: the time part of an id, and of names like {@code <dir>.old-<stamp>}. */
  public static String utcStamp(Instant t) {
    return TIME.format(t);
  }

  public static boolean looksLikeId(String s) {
    return FORM.matcher(s).matches();
  }

  @Override
  public String toString() {
    return TIME.format(time) + "-r" + String.format("%020d", revision) + "-" + random;
  }
}
