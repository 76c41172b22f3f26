package io.etcdbackup.storage;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.storage.local.LocalDirectoryStore;
import io.etcdbackup.storage.s3.S3Store;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Opens a {@link BackupStore} from its location:
 * <ul>
 *   <li>{@code s3://bucket} or {@code s3://bucket/prefix}: S3 or an S3-compatible store, configured
 *       by {@link StoreOptions};
 *   <li>{@code file:///absolute/path}, or a plain path, absolute or relative: a local directory.
 * </ul>
 */
public final class BackupStores {
  static final String ACCEPTED = "use s3://bucket/prefix, file:///absolute/path or a directory path";

  // A scheme as RFC 3986 defines it, followed by ':'. One letter would be a Windows drive.
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:.*", Pattern.DOTALL);

  private BackupStores() {}

  /** Where a store lives, parsed from a URI but not opened. */
  sealed interface Location permits Local, S3 {}

  record Local(Path root) implements Location {}

  /** {@code prefix} has no leading or trailing slash and may be empty. */
  record S3(String bucket, String prefix) implements Location {}

  /**
   * Opens the store {@code uri} names; throws {@link InvalidInputException} when the URI is not
   * one of the accepted forms or the options do not fit it.
   */
  public static BackupStore open(URI uri, StoreOptions options) throws IOException {
    return open(uri, options, true);
  }

  /**
   * Like {@link #open(URI, StoreOptions)} for a reader ({@code list}, {@code verify}, {@code
   * restore}, the exporter): a local directory must exist, it is never created.
   */
  public static BackupStore openExisting(String location, StoreOptions options) throws IOException {
    return open(toUri(location), options, false);
  }

  private static BackupStore open(URI uri, StoreOptions options, boolean create) throws IOException {
    Objects.requireNonNull(options, "options");
    Location location = parse(uri);
    if (location instanceof Local local) {
      if (options.objectLock() != null) {
        // Refused rather than ignored: the user asked for backups no one can delete early.
        throw new InvalidInputException("--s3-object-lock-days (" + options.objectLock().period().toDays()
            + ") needs an s3:// store, but the store is " + uri + ", which has no object lock");
      }
      return create ? LocalDirectoryStore.open(local.root()) : LocalDirectoryStore.openExisting(local.root());
    }
    S3 s3 = (S3) location;
    return S3Store.open(s3.bucket(), s3.prefix(), options);
  }

  /**
   * Like {@link #open(URI, StoreOptions)}, for text as a user typed it: anything without a scheme
   * is a path, even with characters a URI would not allow (spaces, {@code %}).
   */
  public static BackupStore open(String location, StoreOptions options) throws IOException {
    return open(toUri(location), options);
  }

  static URI toUri(String location) {
    if (location == null || location.isBlank()) {
      throw new InvalidInputException("backup store location is empty: " + ACCEPTED);
    }
    if (SCHEME.matcher(location).matches()) {
      try {
        return new URI(location);
      } catch (URISyntaxException e) {
        throw new InvalidInputException("backup store URI '" + location + "' is malformed ("
            + e.getReason() + "): " + ACCEPTED);
      }
    }
    try {
      Path path = Path.of(location);
      // A relative path stays relative: it is resolved against the working directory on open.
      return path.isAbsolute() ? path.toUri() : new URI(null, null, path.toString(), null);
    } catch (InvalidPathException | URISyntaxException e) {
      throw new InvalidInputException("backup store path '" + location + "' is not a valid path: " + ACCEPTED);
    }
  }

  static Location parse(URI uri) {
    Objects.requireNonNull(uri, "uri");
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme == null) {
      return parsePlainPath(uri);
    }
    return switch (scheme) {
      case "file" -> parseFile(uri);
      case "s3" -> parseS3(uri);
      default -> throw invalid(uri, "scheme '" + uri.getScheme() + "' is not supported");
    };
  }

  private static Location parsePlainPath(URI uri) {
    if (uri.getRawAuthority() != null || uri.getRawQuery() != null || uri.getRawFragment() != null
        || uri.getPath() == null || uri.getPath().isEmpty()) {
      throw invalid(uri, "it is neither a URI with a scheme nor a plain path");
    }
    try {
      return new Local(Path.of(uri.getPath()));
    } catch (InvalidPathException e) {
      throw invalid(uri, "it is not a valid path");
    }
  }

  private static Location parseFile(URI uri) {
    if (uri.isOpaque()) {
      throw invalid(uri, "a file URI needs an absolute path, as in file:///var/backups");
    }
    String host = uri.getRawAuthority();
    if (host != null && !host.isEmpty() && !host.equalsIgnoreCase("localhost")) {
      throw invalid(uri, "file URIs must be local (no host)");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw invalid(uri, "it must not have a query or fragment");
    }
    try {
      return new Local(Path.of(new URI("file", null, uri.getPath(), null)));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw invalid(uri, "it is not a valid file URI");
    }
  }

  private static Location parseS3(URI uri) {
    if (uri.isOpaque()) {
      throw invalid(uri, "an S3 URI is s3://bucket or s3://bucket/prefix");
    }
    // The authority, not the host: URI refuses some bucket names (underscores, in legacy buckets) as hosts.
    String bucket = uri.getRawAuthority();
    if (bucket == null || bucket.isEmpty()) {
      throw invalid(uri, "it names no bucket");
    }
    if (!bucket.matches("[A-Za-z0-9][A-Za-z0-9._-]{2,254}")) {
      throw invalid(uri, "bucket '" + bucket + "' is not a valid bucket name");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw invalid(uri, "it must not have a query or fragment");
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    String prefix = trimSlashes(path);
    if (!prefix.isEmpty()) {
      try {
        ObjectKeys.check("s3://" + bucket, prefix);
      } catch (InvalidInputException e) {
        throw invalid(uri, "prefix '" + prefix + "' is not usable: segments must not be empty or start with '.'");
      }
    }
    return new S3(bucket, prefix);
  }

  private static String trimSlashes(String path) {
    int from = 0;
    int to = path.length();
    if (from < to && path.charAt(from) == '/') {
      from++;
    }
    if (to > from && path.charAt(to - 1) == '/') {
      to--;
    }
    return path.substring(from, to);
  }

  private static InvalidInputException invalid(URI uri, String why) {
    return new InvalidInputException("backup store URI '" + uri + "' is not usable: " + why + "; " + ACCEPTED);
  }
}
