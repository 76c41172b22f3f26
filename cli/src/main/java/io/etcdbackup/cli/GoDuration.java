package io.etcdbackup.cli;

import io.etcdbackup.core.InvalidInputException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Durations as etcdctl (Go's time.ParseDuration) writes them: {@code 500ms}, {@code 2s},
 * {@code 1m30s}, {@code 1h}; also ISO-8601 ({@code PT2S}) and {@code d} for days (retention).
 */
final class GoDuration implements CommandLine.ITypeConverter<Duration> {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h|d)");

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  static Duration parse(String value) {
    String s = value.trim();
    if (s.startsWith("P") || s.startsWith("p")) {
      try {
        return Duration.parse(s);
      } catch (java.time.format.DateTimeParseException e) {
        throw new InvalidInputException("'" + value + "' is not a duration (examples: 500ms, 2s, 1m30s, 7d)");
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
      throw new InvalidInputException("'" + value + "' is not a duration (examples: 500ms, 2s, 1m30s, 7d)");
    }
    return Duration.ofNanos((long) nanos);
  }
}
