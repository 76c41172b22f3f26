package io.etcdbackup.core.stream;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import io.etcdbackup.core.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** A compression format and its settings; {@link #compress} and {@link #decompress} wrap streams. */
public final class Compression {

  /** The formats a backup may use, with the file suffix each adds. */
  public enum Algorithm {
    ZSTD("zstd", ".zst"), GZIP("gzip", ".gz"), NONE("none", "");

    private final String label;
    private final String suffix;

    Algorithm(String label, String suffix) {
      this.label = label;
      this.suffix = suffix;
    }

    public String label() {
      return label;
    }

    public String suffix() {
      return suffix;
    }

    public static Algorithm parse(String s) {
      for (Algorithm a : values()) {
        if (a.label.equals(s.toLowerCase(Locale.ROOT))) {
          return a;
        }
      }
      throw new InvalidInputException("--compression (" + s + ") must be one of zstd, gzip, none");
    }
  }

  private final Algorithm algorithm;
  private final int level;
  private final int workers;

  private Compression(Algorithm algorithm, int level, int workers) {
    this.algorithm = algorithm;
    this.level = level;
    this.workers = workers;
  }

  /**
   * zstd at {@code level} (1-19) with {@code workers} compression threads (0: in the caller's
   * thread). Frames carry a checksum, so {@code zstd -t} can test a backup on its own.
   */
  public static Compression zstd(int level, int workers) {
    if (level < 1 || level > 19) {
      throw new InvalidInputException("--compression-level (" + level + ") must be between 1 and 19 for zstd");
    }
    if (workers < 0 || workers > 64) {
      throw new InvalidInputException("--compression-workers (" + workers + ") must be between 0 and 64");
    }
    return new Compression(Algorithm.ZSTD, level, workers);
  }

  public static Compression gzip(int level) {
    if (level < 1 || level > 9) {
      throw new InvalidInputException("--compression-level (" + level + ") must be between 1 and 9 for gzip");
    }
    return new Compression(Algorithm.GZIP, level, 0);
  }

  public static Compression none() {
    return new Compression(Algorithm.NONE, 0, 0);
  }

  /**
   * The default: zstd level 1 with one worker thread. On 2 cores, level 3 with two workers took CPU
   * from the snapshot stream and etcd itself and made backups slower for a 1% smaller object
   * (docs/benchmarks.md); level 1 still runs at ~400 MB/s a core.
   */
  public static Compression defaults() {
    return zstd(1, 1);
  }

  /**
   * From the command line's words: {@code --compression zstd|gzip|none}, {@code --compression-level}
   * (null: the algorithm's default, zstd 1, gzip 6) and {@code --compression-workers} (zstd only;
   * null: 1).
   */
  public static Compression of(String algorithm, Integer level, Integer workers) {
    Algorithm a = Algorithm.parse(algorithm);
    if (a != Algorithm.ZSTD && workers != null && workers != 1) {
      throw new InvalidInputException("--compression-workers needs --compression zstd");
    }
    return switch (a) {
      case ZSTD -> zstd(level == null ? 1 : level, workers == null ? 1 : workers);
      case GZIP -> gzip(level == null ? 6 : level);
      case NONE -> {
        if (level != null) {
          throw new InvalidInputException("--compression-level needs --compression zstd or gzip");
        }
        yield none();
      }
    };
  }

  /** For reading: the algorithm alone decides how to decompress. */
  public static Compression forReading(Algorithm a) {
    return new Compression(a, 0, 0);
  }

  public Algorithm algorithm() {
    return algorithm;
  }

  public int level() {
    return level;
  }

  public String suffix() {
    return algorithm.suffix();
  }

  /** Wraps {@code out}; closing the result finishes the format and closes {@code out}. */
  public OutputStream compress(OutputStream out) throws IOException {
    return switch (algorithm) {
      case ZSTD -> {
        ZstdOutputStream z = new ZstdOutputStream(out, level);
        try {
          z.setChecksum(true);
          if (workers > 0) {
            z.setWorkers(workers);
          }
        } catch (IOException | RuntimeException e) {
          z.close();
          throw e;
        }
        yield z;
      }
      case GZIP -> new GZIPOutputStream(out, 64 * 1024) {
        {
          def.setLevel(level);
        }
      };
      case NONE -> out;
    };
  }

  /**
   * Wraps {@code in}. A truncated or corrupt input fails with an {@link IOException}; it never
   * looks like a clean, shorter stream.
   */
  public InputStream decompress(InputStream in) throws IOException {
    return switch (algorithm) {
      case ZSTD -> new ZstdInputStream(in);
      case GZIP -> new GZIPInputStream(in, 64 * 1024);
      case NONE -> in;
    };
  }

  @Override
  public String toString() {
    return algorithm == Algorithm.NONE ? "none" : algorithm.label() + "(level " + level + ")";
  }
}
