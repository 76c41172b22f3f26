package io.etcdbackup.cli;

import io.etcdbackup.core.run.Sizes;
import picocli.CommandLine;

/** Sizes such as {@code 16MiB}, {@code 5MB}, {@code 1GiB} or plain bytes. */
final class ByteSize implements CommandLine.ITypeConverter<Long> {
  @Override
  public Long convert(String value) {
    return parse(value);
  }

  static long parse(String value) {
    return Sizes.parse(value);
  }
}
