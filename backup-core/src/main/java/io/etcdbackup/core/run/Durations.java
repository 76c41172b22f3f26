package io.etcdbackup.core.run;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.UserText;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as a person types them on the command line ({@code 90s}, {@code 30m}, {@code 1h30m}). */
public final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h|d)");

  private Durations() {}

  /**
   * Parses what etcdctl (Go's time.ParseDuration) writes: {@code 500ms}, {@code 2s}, {@code 1m30s},
   * {@code 1h}; also ISO-8601 ({@code PT2S}) and {@code d} for days (retention). The flags and the
   * scheduler's config file share it.
   *
   * @throws InvalidInputException when {@code value} is none of those
   */
  public static Duration parse(String value) {
    String s = value.trim();
    if (s.startsWith("P") || s.startsWith("p")) {
      try {
        return Duration.parse(s);
      } catch (java.time.format.DateTimeParseException e) {
        throw new InvalidInputException(UserText.quote(value) + " is not a duration (examples: 500ms, 2s, 1m30s, 7d)");
      } catch (ArithmeticException e) {
        throw new InvalidInputException(UserText.quote(value) + " is too long a duration");
      }
    }
    Matcher m = PART.matcher(s);
    int pos = 0;
    double nanos = 0;
    while (pos < s.length() && m.find(pos) && m.start() == pos) {
      double n = Double.parseDouble(m.group(1));
      nanos += n * switch (m.group(2)) {
        case "ns" -> 1L;
        case "us", "µs" -> 1_000L;
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        case "h" -> 3_600_000_000_000L;
        default -> 86_400_000_000_000L;
      };
      pos = m.end();
    }
    if (s.isEmpty() || pos != s.length()) {
      throw new InvalidInputException(UserText.quote(value) + " is not a duration (examples: 500ms, 2s, 1m30s, 7d)");
    }
    if (nanos >= Long.MAX_VALUE) {
      // Go's time.ParseDuration refuses the same ("invalid duration"): a cast would saturate silently.
      throw new InvalidInputException(UserText.quote(value) + " is too long a duration (at most 2562047h, about 292 years)");
    }
    return Duration.ofNanos((long) nanos);
  }

  /** Go-style text: {@code 1h30m}, {@code 45s}, {@code 250ms}. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    if (d.toMillis() < 1000) {
      return d.toMillis() + "ms";
    }
    StringBuilder b = new StringBuilder();
    long h = d.toHours();
    int m = d.toMinutesPart();
    int s = d.toSecondsPart();
    int ms = d.toMillisPart();
    if (h > 0) {
      b.append(h).append('h');
    }
    if (m > 0) {
      b.append(m).append('m');
    }
    if (s > 0 || ms > 0) {
      b.append(s);
      if (ms > 0) {
        b.append('.').append(String.format("%03d", ms).replaceAll("0+$", ""));
      }
      b.append('s');
    }
    return b.toString();
  }
}
