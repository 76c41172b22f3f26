package io.etcdbackup.cli;

import io.etcdbackup.core.UserText;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * A directory the tool works in ({@code --spool-dir}, {@code --scratch-dir}): created when missing,
 * so it may not exist yet, but neither it nor its nearest existing parent may be a file. Checked
 * when the flag is parsed, so that a wrong path fails before a snapshot streams, not after.
 */
final class WorkDir implements CommandLine.ITypeConverter<Path> {
  @Override
  public Path convert(String value) {
    Path p;
    try {
      p = Path.of(value);
    } catch (InvalidPathException e) {
      throw new CommandLine.TypeConversionException(UserText.quote(value) + " is not a valid path");
    }
    for (Path d = p.toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isDirectory(d)) {
        if (!d.equals(p.toAbsolutePath()) || Files.isWritable(d)) {
          return p;
        }
        throw new CommandLine.TypeConversionException(p + " is not writable by this user: choose another directory");
      }
      if (Files.exists(d)) {
        throw new CommandLine.TypeConversionException(d.equals(p.toAbsolutePath())
            ? p + " is a file, not a directory" : p + " cannot be a directory: " + d + " is a file");
      }
    }
    return p;
  }
}
