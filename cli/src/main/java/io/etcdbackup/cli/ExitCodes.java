package io.etcdbackup.cli;

import io.etcdbackup.core.run.Reason;

/**
 * The exit codes of every command; docs/exit-codes.md is the user-facing copy of this table. The
 * codes of failed runs come from {@link Reason#exitCode()}, so that an exit code and the metrics'
 * {@code reason} label can never disagree; only health's verdicts have codes of their own.
 */
final class ExitCodes {
  private ExitCodes() {}

  /** Success; health: healthy. */
  static final int OK = Reason.OK.exitCode();
  /** A failure not covered below; the message says what. */
  static final int FAILURE = Reason.INTERNAL.exitCode();
  /** Usage: unknown flag, bad value, malformed URI (picocli's convention). */
  static final int USAGE = Reason.INVALID_INPUT.exitCode();
  /** Health: degraded (quorum held, a member down, alarmed or inconsistent). */
  static final int DEGRADED = 3;
  /** Health: quorum lost or no endpoint answered; backup: no usable member. */
  static final int UNAVAILABLE = Reason.UNAVAILABLE.exitCode();
  /** Integrity: a hash, bbolt, revision or HashKV check failed; decryption failed. */
  static final int INTEGRITY = Reason.INTEGRITY.exitCode();
  /** Another backup of this cluster holds the etcd lock ({@code --lock}). */
  static final int LOCKED = Reason.LOCK_HELD.exitCode();
  /** No such backup; nothing at or before the requested time or revision. */
  static final int NOT_FOUND = Reason.NOT_FOUND.exitCode();
  /** Refused for safety (non-empty target without --force), or a local disk is full. */
  static final int REFUSED = Reason.REFUSED.exitCode();
  /** The backup store failed: unreachable, access denied, an upload, read or listing that did not complete. */
  static final int STORE = Reason.STORE_ERROR.exitCode();
  /** Cancelled by a signal, or past --timeout; nothing was committed. */
  static final int CANCELLED = Reason.CANCELLED.exitCode();
}
