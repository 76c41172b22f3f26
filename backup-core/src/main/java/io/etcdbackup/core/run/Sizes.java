package io.etcdbackup.core.run;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.UserText;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as a person types them ({@code 16MiB}, {@code 5MB}, {@code 1GiB} or plain bytes): the flags and the scheduler's config file. */
public final class Sizes {
  private static final Pattern FORM = Pattern.compile("(\\d+)\\s*([kmgt]i?b?|b)?", Pattern.CASE_INSENSITIVE);

  private Sizes() {}

  /** @throws InvalidInputException when {@code value} is not a size */
  public static long parse(String value) {
    Matcher m = FORM.matcher(value.trim());
    if (!m.matches()) {
      throw new InvalidInputException(UserText.quote(value) + " is not a size (examples: 16MiB, 5MB, 1073741824)");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw tooLarge(value); // the pattern allows only digits: too many of them
    }
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    long mult = switch (unit) {
      case "b" -> 1L;
      case "k", "kb" -> 1000L;
      case "ki", "kib" -> 1024L;
      case "m", "mb" -> 1000L * 1000;
      case "mi", "mib" -> 1024L * 1024;
      case "g", "gb" -> 1000L * 1000 * 1000;
      case "gi", "gib" -> 1024L * 1024 * 1024;
      case "t", "tb" -> 1000L * 1000 * 1000 * 1000;
      default -> 1024L * 1024 * 1024 * 1024;
    };
    try {
      return Math.multiplyExact(n, mult);
    } catch (ArithmeticException e) {
      throw tooLarge(value);
    }
  }

  private static InvalidInputException tooLarge(String value) {
    return new InvalidInputException(UserText.quote(value) + " is too large a size (at most 8EiB - 1 byte)");
  }
}
