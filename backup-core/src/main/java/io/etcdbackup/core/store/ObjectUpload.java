package io.etcdbackup.core.store;

import java.io.IOException;
import java.io.OutputStream;

/**
 * One object being written. Write the bytes to {@link #stream()}, then either {@link #commit()}
 * or {@link #abort()}. {@link #close()} without a commit aborts, so a try-with-resources block
 * that fails half way never leaves a partial object. Memory use is bounded whatever the size.
 */
public interface ObjectUpload extends AutoCloseable {

  /**
   * Where the bytes go. Closing this stream does not commit. A write may fail with the error of
   * an earlier background part upload (the first failure wins).
   */
  OutputStream stream();

  /** Makes the object visible under its key, once everything written has been stored durably. */
  StoredObject commit() throws IOException;

  /** Discards everything written; idempotent, and a no-op after commit. */
  void abort() throws IOException;

  /** Aborts unless committed. */
  @Override
  void close() throws IOException;
}
