package io.etcdbackup.core.stream;

import java.io.OutputStream;
import java.nio.file.Path;

/**
 * A second process for {@link SpoolTest}: {@code hold DIR} creates a spool in DIR, writes to it,
 * prints its path and keeps it until its stdin ends (or it is killed); {@code keep DIR} does the
 * same with a kept spool; {@code sweep DIR} removes the leftovers in DIR and prints each removed.
 */
public final class SpoolHolder {
  private SpoolHolder() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    switch (args[0]) {
      case "hold" -> {
        try (Spool spool = Spool.create(dir, "raw")) {
          OutputStream w = spool.writer();
          w.write(new byte[4096]);
          ready(spool.path());
        }
      }
      case "keep" -> {
        Spool spool = Spool.create(dir, "fetch");
        try (OutputStream w = spool.writer()) {
          w.write(new byte[4096]);
        }
        try (Spool.Kept kept = spool.keep()) {
          ready(kept.path());
        }
      }
      case "sweep" -> Spool.removeLeftovers(dir).forEach(System.out::println);
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  /** Says where the spool is, then holds it until the parent closes stdin (or dies). */
  private static void ready(Path spool) throws Exception {
    System.out.println(spool);
    System.out.flush();
    while (System.in.read() >= 0) {
      // wait
    }
  }
}
