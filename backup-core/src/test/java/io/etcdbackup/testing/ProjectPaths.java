package io.etcdbackup.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the checkout's top directory, from Maven's property or by walking up from the working dir. */
public final class ProjectPaths {
  private ProjectPaths() {}

  public static Path root() {
    String prop = System.getProperty("project.root");
    if (prop != null && !prop.isBlank() && Files.isDirectory(Path.of(prop, "scripts"))) {
      return Path.of(prop).toAbsolutePath();
    }
    Path p = Path.of("").toAbsolutePath();
    for (Path q = p; q != null; q = q.getParent()) {
      if (Files.isRegularFile(q.resolve("mvnw")) && Files.isDirectory(q.resolve("scripts"))) {
        return q;
      }
    }
    throw new IllegalStateException("cannot find the project root above " + p);
  }
}
