package io.etcdbackup.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.CancelledException;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.NoSpaceException;
import io.etcdbackup.core.StoreException;
import io.etcdbackup.core.backup.BackupRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ReasonAndCancellationTest {

  @Test
  void aFailureIsClassifiedByTheFirstOfOurTypesInItsCauseChain() {
    assertThat(Reason.of(new IntegrityException("x"))).isEqualTo(Reason.INTEGRITY);
    assertThat(Reason.of(new IOException("stage failed", new NoSpaceException("full")))).isEqualTo(Reason.NO_SPACE);
    assertThat(Reason.of(new StoreException("s3", new IOException("503")))).isEqualTo(Reason.STORE_ERROR);
    assertThat(Reason.of(new IOException("No space left on device"))).as("never by message text")
        .isEqualTo(Reason.INTERNAL);
    assertThat(Reason.of(new IllegalStateException())).isEqualTo(Reason.INTERNAL);
  }

  @Test
  void exitCodesAndLabelsAreTheDocumentedOnes() {
    assertThat(Reason.OK.exitCode()).isZero();
    assertThat(Reason.INVALID_INPUT.exitCode()).isEqualTo(2);
    assertThat(Reason.UNAVAILABLE.exitCode()).isEqualTo(4);
    assertThat(Reason.INTEGRITY.exitCode()).isEqualTo(5);
    assertThat(Reason.LOCK_HELD.exitCode()).isEqualTo(6);
    assertThat(Reason.NOT_FOUND.exitCode()).isEqualTo(7);
    assertThat(Reason.NO_SPACE.exitCode()).isEqualTo(8);
    assertThat(Reason.STORE_ERROR.exitCode()).isEqualTo(9);
    assertThat(Reason.CANCELLED.exitCode()).isEqualTo(10);
    assertThat(Reason.INTERNAL.exitCode()).isEqualTo(1);
    assertThat(Reason.LOCK_HELD.label()).isEqualTo("lock_held");
    assertThat(Phase.STREAM.label()).isEqualTo("stream");
  }

  @Test
  void aDeadlineCancelsAWaitWithoutWaitingForTheFuture() {
    Cancellation c = Cancellation.create().deadline(Duration.ofMillis(300), "--timeout");
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> c.await(new CompletableFuture<Void>()))
        .isInstanceOf(CancelledException.class).hasMessageContaining("the run took longer than --timeout 300ms");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(Reason.of(new CancelledException("x"))).isEqualTo(Reason.CANCELLED);
  }

  @Test
  void callbacksRunOnceAndTheFirstReasonStays() {
    Cancellation c = Cancellation.create();
    int[] calls = {0};
    c.onCancel(() -> calls[0]++);
    c.cancel("SIGTERM received");
    c.cancel("SIGINT received");
    assertThat(calls[0]).isEqualTo(1);
    assertThat(c.why()).isEqualTo("SIGTERM received");
    int[] late = {0};
    c.onCancel(() -> late[0]++);
    assertThat(late[0]).as("registered after the cancel: runs at once").isEqualTo(1);
    assertThatThrownBy(() -> c.sleep(Duration.ofMinutes(1))).isInstanceOf(CancelledException.class);
  }

  @Test
  void aBackupRequestIsValidatedOnceWithTheFlagsName() {
    BackupRequest d = BackupRequest.builder().spoolDir(Path.of("/tmp")).build();
    assertThat(d.lock()).as("no etcd writes unless asked").isEmpty();
    assertThat(d.retry()).isEqualTo(BackupRequest.Retry.DEFAULT);
    assertThat(d.timeout()).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> BackupRequest.builder().lockTtl(Duration.ofSeconds(30)).build())
        .isInstanceOf(InvalidInputException.class).hasMessage("--lock-ttl is given without --lock: add --lock to take "
            + "the etcd lock, or drop it");
    assertThatThrownBy(() -> BackupRequest.builder().lock(true).lockTtl(Duration.ofSeconds(2)).build())
        .isInstanceOf(InvalidInputException.class).hasMessage("--lock-ttl (2s) must be at least 5s");
    assertThatThrownBy(() -> BackupRequest.builder().maxAttempts(0).build())
        .isInstanceOf(InvalidInputException.class).hasMessage("--max-attempts (0) must be between 1 and 20");
    assertThatThrownBy(() -> BackupRequest.builder().compression("none", 3, null).build())
        .isInstanceOf(InvalidInputException.class).hasMessage("--compression-level needs --compression zstd or gzip");
    assertThat(BackupRequest.builder().lock(true).build().lock()).contains(BackupRequest.Lock.DEFAULT);
  }
}
