package io.etcdbackup.cli;

/** The exit codes of every command; docs/exit-codes.md is the user-facing copy of this table. */
final class ExitCodes {
  private ExitCodes() {}

  /** Success; health: healthy. */
  static final int OK = 0;
  /** A failure not covered below; the message says what. */
  static final int FAILURE = 1;
  /** Usage: unknown flag, bad value, malformed URI (picocli's convention). */
  static final int USAGE = 2;
  /** Health: degraded (quorum held, a member down, alarmed or inconsistent). */
  static final int DEGRADED = 3;
  /** Health: quorum lost or no endpoint answered; backup: no usable member. */
  static final int UNAVAILABLE = 4;
  /** Integrity: a hash, bbolt, revision or HashKV check failed; decryption failed. */
  static final int INTEGRITY = 5;
  /** Another backup of this cluster is running. */
  static final int LOCKED = 6;
  /** No such backup; nothing at or before the requested time or revision. */
  static final int NOT_FOUND = 7;
  /** Refused for safety: non-empty target without --force, not enough disk space. */
  static final int REFUSED = 8;
}
