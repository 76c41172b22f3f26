package io.etcdbackup.core.backup;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import io.etcdbackup.core.run.Cancellation;

/**
 * Where snapshots come from: one member's {@code Maintenance.Snapshot} stream, the bbolt image
 * followed by its 32-byte SHA-256, written to {@code sink} as it arrives.
 */
public interface SnapshotSource {

  /**
   * Streams a snapshot of the member at {@code endpoint} into {@code sink}; returns once the member
   * has sent everything. Does not close {@code sink}. Any failure (the member dying, a stall, a
   * write error) throws, and nothing is written to {@code sink} after this method returns. An
   * {@link IOException} thrown by {@code sink} is rethrown as it is, so that the caller can tell a
   * full spool disk from a failing member. Once {@code cancel} is cancelled the stream stops
   * within moments and this method throws {@link io.etcdbackup.core.CancelledException}.
   */
  void stream(URI endpoint, OutputStream sink, Cancellation cancel) throws IOException;
}
