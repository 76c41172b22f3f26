package io.etcdbackup.core.snapshot;

import io.etcdbackup.core.InvalidInputException;

/**
 * HashKV was asked for a revision the db cannot answer: compacted (etcd's {@code ErrCompacted}) or
 * not reached yet ({@code ErrFutureRev}).
 */
public final class RevisionUnavailableException extends InvalidInputException {
  private static final long serialVersionUID = 1L;

  private final boolean compacted;
  private final long revision;
  private final long compactRevision;
  private final long currentRevision;

  RevisionUnavailableException(String message, boolean compacted, long revision, long compactRevision,
      long currentRevision) {
    super(message);
    this.compacted = compacted;
    this.revision = revision;
    this.compactRevision = compactRevision;
    this.currentRevision = currentRevision;
  }

  /** {@code true} if the revision was compacted, {@code false} if it lies in the future. */
  public boolean compacted() {
    return compacted;
  }

  public long revision() {
    return revision;
  }

  public long compactRevision() {
    return compactRevision;
  }

  public long currentRevision() {
    return currentRevision;
  }
}
