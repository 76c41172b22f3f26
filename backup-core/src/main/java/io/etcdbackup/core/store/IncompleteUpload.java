package io.etcdbackup.core.store;

import java.time.Instant;
import java.util.Objects;

/**
 * An upload that was started and neither committed nor aborted: an S3 multipart upload, or a local
 * store's temporary file, left by a run that was killed. It holds storage (S3 bills the parts) but
 * is no object: {@link BackupStore#list} does not show it.
 *
 * @param key the key the upload was for
 * @param uploadId the provider's handle for it (the multipart upload id, the temporary file's name)
 * @param initiated when it was started; the leftover clean-up's grace counts from here
 */
public record IncompleteUpload(String key, String uploadId, Instant initiated) {
  public IncompleteUpload {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(uploadId, "uploadId");
    Objects.requireNonNull(initiated, "initiated");
  }
}
