import io.etcdbackup.core.stream.AgeDecryption;
import io.etcdbackup.core.stream.AgeEncryption;
import io.etcdbackup.core.stream.Compression;
import io.etcdbackup.core.stream.Sha256OutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Throughput of each of etcd-backup's stream transforms alone, in memory, on one thread (zstd may
 * add its own workers), for the analysis in docs/benchmarks.md:
 *
 * <pre>
 * java -cp cli/target/etcd-backup.jar bench/StageProbe.java SNAPSHOT.db [MiB [AGE_KEY_FILE RECIPIENT]]
 * </pre>
 *
 * Reads the first MiB (default 256) of a snapshot file, then times SHA-256, zstd at levels 1 and
 * 3 with 0 and 2 workers, age encryption and decryption (Jagged, the JDK's ChaCha20-Poly1305), and
 * zstd decompression, each twice (the first run warms the JIT; the second is printed).
 */
public final class StageProbe {
  public static void main(String[] args) throws Exception {
    int mib = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    byte[] data = new byte[mib << 20];
    try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
      in.readNBytes(data, 0, data.length);
    }
    String identity = args.length > 2 ? Files.readAllLines(Path.of(args[2])).stream()
        .filter(l -> l.startsWith("AGE-SECRET-KEY-")).findFirst().orElseThrow() : null;
    time("sha-256", data, out -> new Sha256OutputStream(out));
    for (int level : new int[] {1, 3}) {
      for (int workers : new int[] {0, 2}) {
        time("zstd level " + level + ", " + workers + " workers", data, out -> Compression.zstd(level, workers).compress(out));
      }
    }
    if (identity != null) {
      String recipient = args.length > 3 ? args[3] : null;
      AgeEncryption enc = AgeEncryption.toRecipients(List.of(recipient));
      byte[] sealed = time("age encrypt", data, enc::encrypt);
      AgeDecryption dec = AgeDecryption.withIdentities(List.of(identity));
      for (int i = 0; i < 2; i++) {
        long t0 = System.nanoTime();
        try (InputStream in = dec.decrypt(new ByteArrayInputStream(sealed), "probe")) {
          in.transferTo(OutputStream.nullOutputStream());
        }
        report(i, "age decrypt", data.length, t0);
      }
    }
    byte[] packed = time("zstd level 3 (for decompression)", data, out -> Compression.zstd(3, 0).compress(out));
    for (int i = 0; i < 2; i++) {
      long t0 = System.nanoTime();
      try (InputStream in = Compression.forReading(Compression.Algorithm.ZSTD).decompress(new ByteArrayInputStream(packed))) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      report(i, "zstd decompress", data.length, t0);
    }
  }

  interface Wrap {
    OutputStream wrap(OutputStream out) throws Exception;
  }

  static byte[] time(String name, byte[] data, Wrap wrap) throws Exception {
    byte[] result = null;
    for (int i = 0; i < 2; i++) {
      ByteArrayOutputStream sink = new ByteArrayOutputStream(data.length / 2);
      long t0 = System.nanoTime();
      try (OutputStream out = wrap.wrap(sink)) {
        for (int off = 0; off < data.length; off += 32 * 1024) {
          out.write(data, off, Math.min(32 * 1024, data.length - off));
        }
      }
      report(i, name, data.length, t0);
      result = sink.toByteArray();
    }
    return result;
  }

  static void report(int run, String name, long bytes, long t0) {
    if (run == 1) {
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf("%-36s %6.0f MB/s%n", name, bytes / secs / 1e6);
    }
  }
}
