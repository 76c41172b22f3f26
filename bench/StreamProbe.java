import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.etcdbackup.core.stream.Sha256OutputStream;
import io.etcdbackup.core.stream.Spool;
import io.etcdbackup.core.stream.TrailerSplittingOutputStream;
import io.netty.handler.ssl.SslContext;
import java.io.File;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * How fast can Java take etcd's snapshot stream, with nothing behind it? For the analysis in
 * docs/benchmarks.md; the bytes go nowhere. Run against the CLI's fat jar:
 *
 * <pre>
 * java -cp cli/target/etcd-backup.jar bench/StreamProbe.java jetcd|grpc|spool|spool-follow ENDPOINT CA CERT KEY [WINDOW_BYTES|DIR]
 * </pre>
 *
 * {@code jetcd}: {@code Maintenance.snapshot(OutputStream)} of jetcd (Vert.x gRPC underneath), as
 * etcd-backup streams today. {@code grpc}: grpc-java's blocking stub on a Netty channel, with a
 * flow-control window of WINDOW_BYTES (grpc-java's default is 1 MiB). {@code spool}: jetcd into
 * etcd-backup's own stage 1 (trailer split, SHA-256, a spool file in DIR); {@code spool-follow}:
 * the same with one follower reading the spool as it grows, as stage 2 does.
 */
public final class StreamProbe {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    URI endpoint = URI.create(args[1]);
    SslContext ssl = GrpcSslContexts.forClient().trustManager(new File(args[2]))
        .keyManager(new File(args[3]), new File(args[4])).build();
    long t0 = System.nanoTime();
    long bytes = 0;
    if (mode.equals("jetcd")) {
      try (Client c = Client.builder().endpoints(endpoint).sslContext(ssl).build()) {
        Counting sink = new Counting();
        c.getMaintenanceClient().snapshot(sink).get(10, TimeUnit.MINUTES);
        bytes = sink.count;
      }
    } else if (mode.startsWith("spool")) {
      // The production stage 1 path: trailer split, SHA-256, spool file; "spool-follow" adds a
      // reader that follows the spool as stage 2 does (8 KiB transferTo into nowhere).
      try (Client c = Client.builder().endpoints(endpoint).sslContext(ssl).build();
           Spool raw = Spool.create(Path.of(args[5]), "probe")) {
        Thread follower = null;
        long[] followed = new long[1];
        if (mode.equals("spool-follow")) {
          follower = new Thread(() -> {
            try (var in = raw.follow()) {
              followed[0] = in.transferTo(new Counting());
            } catch (Exception e) {
              e.printStackTrace();
            }
          });
          follower.start();
        }
        Sha256OutputStream hash = new Sha256OutputStream(raw.writer());
        TrailerSplittingOutputStream split = new TrailerSplittingOutputStream(hash, 32);
        c.getMaintenanceClient().snapshot(split).get(10, TimeUnit.MINUTES);
        split.close();
        bytes = hash.count();
        if (follower != null) {
          follower.join();
          System.out.printf("follower read %d bytes%n", followed[0]);
        }
      }
    } else if (mode.equals("grpc")) {
      int window = args.length > 5 ? Integer.parseInt(args[5]) : 1 << 20;
      ManagedChannel ch = NettyChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort()).sslContext(ssl)
          .flowControlWindow(window).maxInboundMessageSize(16 << 20).build();
      try {
        Iterator<SnapshotResponse> it = MaintenanceGrpc.newBlockingStub(ch).snapshot(SnapshotRequest.getDefaultInstance());
        while (it.hasNext()) {
          bytes += it.next().getBlob().size();
        }
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } else {
      throw new IllegalArgumentException("mode (" + mode + ") must be jetcd or grpc");
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("%s: %d bytes in %.2f s = %.0f MB/s%n", mode, bytes, secs, bytes / secs / 1e6);
  }

  static final class Counting extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }
}
