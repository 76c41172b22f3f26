package io.etcdbackup.cli;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.run.Sizes;
import picocli.CommandLine;

/** Sizes such as {@code 16MiB}, {@code 5MB}, {@code 1GiB} or plain bytes. */
final class ByteSize implements CommandLine.ITypeConverter<Long> {
  @Override
  public Long convert(String value) {
    try {
      return parse(value);
    } catch (InvalidInputException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }

  static long parse(String value) {
    return Sizes.parse(value);
  }
}
