package io.etcdbackup.storage;

import io.etcdbackup.core.InvalidInputException;

/**
 * The keys every provider accepts, so that a layout valid on one store is valid on all:
 * {@code /}-separated segments, none empty, none starting with {@code .} (which rules out
 * {@code .} and {@code ..}, and keeps the local store's temporary files out of the key space),
 * no backslash or control character, no leading {@code /}.
 */
public final class ObjectKeys {
  /** S3's limit is 1024 bytes of UTF-8 for the whole key, prefix included; stay well under it. */
  static final int MAX_LENGTH = 900;

  private ObjectKeys() {}

  /**
   * Returns {@code key} if it is valid, else throws {@link InvalidInputException} naming the key,
   * the store and the rule.
   */
  public static String check(String location, String key) {
    if (key == null || key.isEmpty()) {
      throw invalid(location, key, "must not be empty");
    }
    if (key.length() > MAX_LENGTH) {
      throw invalid(location, key.substring(0, 40) + "...", "must be at most " + MAX_LENGTH + " characters");
    }
    if (key.startsWith("/")) {
      throw invalid(location, key, "must be relative (no leading /)");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '\\' || Character.isISOControl(c)) {
        throw invalid(location, key, "must not contain a backslash or control character");
      }
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty()) {
        throw invalid(location, key, "must not have an empty segment (// or a trailing /)");
      }
      if (segment.startsWith(".")) {
        throw invalid(location, key, "must not have a segment starting with '.' (such as ..)");
      }
    }
    return key;
  }

  /**
   * Returns {@code prefix} if it can start keys: empty, or a valid key's beginning, whose last
   * segment may be empty ({@code v1/}) or partial.
   */
  public static String checkPrefix(String location, String prefix) {
    if (prefix == null) {
      throw invalid(location, null, "prefix must not be null; use \"\" for every object");
    }
    if (prefix.isEmpty()) {
      return prefix;
    }
    int lastSlash = prefix.lastIndexOf('/');
    String complete = prefix.substring(0, lastSlash + 1);
    String partial = prefix.substring(lastSlash + 1);
    // Check the complete segments, and the partial one as if it were completed by a letter.
    check(location, complete + (partial.isEmpty() ? "x" : partial));
    return prefix;
  }

  private static InvalidInputException invalid(String location, String key, String rule) {
    return new InvalidInputException("object key '" + key + "' in " + location + " " + rule);
  }
}
