package io.etcdbackup.core.backup;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.SnapshotResponse;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.etcd.EtcdErrors;
import io.etcdbackup.core.run.Cancellation;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Snapshots over a connection to exactly one member (jetcd's balanced client could switch members
 * between calls; a snapshot must come from one). A stream that sends nothing for
 * {@code idleTimeout} is abandoned, so a hung member cannot hold a backup forever.
 */
public final class EtcdSnapshotSource implements SnapshotSource {
  private final EtcdClients clients;
  private final Duration idleTimeout;

  public EtcdSnapshotSource(EtcdClients clients, Duration idleTimeout) {
    this.clients = clients;
    this.idleTimeout = idleTimeout;
  }

  @Override
  public void stream(URI endpoint, OutputStream sink, Cancellation cancel) throws IOException {
    Receiver receiver = new Receiver(sink);
    try (Client client = clients.dedicated(endpoint)) {
      client.getMaintenanceClient().snapshot(receiver);
      receiver.await(endpoint, cancel);
    } finally {
      // Closing the client cancelled the stream; make sure no late chunk reaches the sink.
      receiver.stop();
    }
  }

  private final class Receiver implements StreamObserver<SnapshotResponse> {
    private final OutputStream sink;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Object lock = new Object();
    private boolean stopped;
    /** The sink's own failure (the spool): rethrown as it is, never blamed on the member. */
    private IOException sinkFailure;
    private long bytes;
    private byte[] chunk = new byte[64 * 1024];
    private volatile long lastProgressNanos = System.nanoTime();

    Receiver(OutputStream sink) {
      this.sink = sink;
    }

    @Override
    public void onNext(SnapshotResponse r) {
      synchronized (lock) {
        if (stopped || done.isDone()) {
          return;
        }
        try {
          // Written on the gRPC thread at disk speed: the sink is a spool file, never a slow stage.
          // Copied into one reused array: ByteString.writeTo would copy each chunk into a new one
          // (LiteralByteString.toByteArray), a GiB of garbage per GiB streamed.
          ByteString blob = r.getBlob();
          int n = blob.size();
          if (chunk.length < n) {
            chunk = new byte[n];
          }
          blob.copyTo(chunk, 0);
          sink.write(chunk, 0, n);
          bytes += n;
          lastProgressNanos = System.nanoTime();
        } catch (IOException e) {
          sinkFailure = e;
          done.completeExceptionally(e);
        } catch (RuntimeException e) {
          done.completeExceptionally(e);
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      done.complete(null);
    }

    void stop() {
      synchronized (lock) {
        stopped = true;
      }
    }

    void await(URI endpoint, Cancellation cancel) throws IOException {
      while (true) {
        try {
          cancel.check();
          done.get(100, TimeUnit.MILLISECONDS);
          return;
        } catch (TimeoutException e) {
          long idle = System.nanoTime() - lastProgressNanos;
          if (idle > idleTimeout.toNanos()) {
            throw new IOException("snapshot stream from " + endpoint + " sent nothing for " + idleTimeout.toSeconds()
                + "s after " + bytes + " bytes (--stream-idle-timeout)");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while streaming the snapshot from " + endpoint);
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          synchronized (lock) {
            if (sinkFailure != null) {
              throw sinkFailure;
            }
          }
          throw new IOException("snapshot stream from " + endpoint + " failed after " + bytes + " bytes: "
              + EtcdErrors.cause(cause, clients.config()), cause);
        }
      }
    }
  }
}
