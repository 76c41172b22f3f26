package io.etcdbackup.cli;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.run.Durations;
import java.time.Duration;
import picocli.CommandLine;

/**
 * Durations as etcdctl (Go's time.ParseDuration) writes them: {@code 500ms}, {@code 2s},
 * {@code 1m30s}, {@code 1h}; also ISO-8601 ({@code PT2S}) and {@code d} for days (retention).
 */
final class GoDuration implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    try {
      return parse(value);
    } catch (InvalidInputException e) {
      // picocli then says "Invalid value for option '--x': <this>", without a class name
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }

  static Duration parse(String value) {
    return Durations.parse(value);
  }
}
