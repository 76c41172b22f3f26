package io.etcdbackup.core.backup;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcdbackup.core.CancelledException;
import io.etcdbackup.core.EtcdBackupException;
import io.etcdbackup.core.LockHeldException;
import io.etcdbackup.core.etcd.EtcdConnectionConfig;
import io.etcdbackup.core.etcd.EtcdErrors;
import io.etcdbackup.core.run.Cancellation;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps two backups of one cluster from running at once: an etcd lock ({@code etcdctl lock}
 * compatible) held with a lease, so a crashed run frees it after the lease's TTL. A courtesy, not
 * the safety net (etcd locks cannot guarantee exclusion under faults; Jepsen, etcd 3.4.3): backup
 * ids are unique, so a second concurrent backup would only be another valid backup.
 *
 * <p>While held, {@code /etcd-backup/holder/<cluster>} names the holder (host, pid, start time), so
 * a refused run can say who is running.
 */
public final class BackupLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BackupLock.class);
  static final String LOCK_PREFIX = "/etcd-backup/lock/";
  static final String HOLDER_PREFIX = "/etcd-backup/holder/";

  private final Client client;
  private final String cluster;
  private final long leaseId;
  private final CloseableClient keepAlive;
  private final ByteSequence lockKey;
  private final Duration timeout;

  private BackupLock(Client client, String cluster, long leaseId, CloseableClient keepAlive, ByteSequence lockKey,
      Duration timeout) {
    this.client = client;
    this.cluster = cluster;
    this.leaseId = leaseId;
    this.keepAlive = keepAlive;
    this.lockKey = lockKey;
    this.timeout = timeout;
  }

  /**
   * Takes the lock of {@code cluster}, waiting at most {@code wait} for it.
   *
   * @throws LockHeldException if another run holds it
   */
  public static BackupLock acquire(Client client, EtcdConnectionConfig config, String cluster, Duration ttl,
      Duration wait, Instant now, Cancellation cancel) {
    long timeoutMs = config.commandTimeout().toMillis();
    long leaseId;
    try {
      leaseId = client.getLeaseClient().grant(Math.max(5, ttl.toSeconds())).get(timeoutMs, TimeUnit.MILLISECONDS).getID();
    } catch (Exception e) {
      interruptIfNeeded(e);
      throw new EtcdBackupException("cannot create the lease for the backup lock of " + cluster + ": "
          + EtcdErrors.cause(e, config), e);
    }
    CloseableClient keepAlive = client.getLeaseClient().keepAlive(leaseId, new StreamObserver<>() {
      @Override public void onNext(LeaseKeepAliveResponse value) {}
      @Override public void onError(Throwable t) {
        LOG.warn("backup lock lease keep-alive failed cluster={}: {}", cluster, t.getMessage());
      }
      @Override public void onCompleted() {}
    });
    try {
      // Waited for in slices, so a cancelled run does not sit out --lock-wait; a lock granted after
      // we gave up dies with the lease, which release() revokes.
      ByteSequence key = cancel.await(client.getLockClient().lock(bytes(LOCK_PREFIX + cluster), leaseId), wait).getKey();
      String holder = io.etcdbackup.core.run.HostName.identity() + " started=" + now;
      client.getKVClient().put(bytes(HOLDER_PREFIX + cluster), bytes(holder),
          PutOption.builder().withLeaseId(leaseId).build()).get(timeoutMs, TimeUnit.MILLISECONDS);
      LOG.info("backup lock taken cluster={} lease={}", cluster, Long.toHexString(leaseId));
      return new BackupLock(client, cluster, leaseId, keepAlive, key, config.commandTimeout());
    } catch (TimeoutException e) {
      String holder = currentHolder(client, cluster, timeoutMs);
      release(client, keepAlive, leaseId, timeoutMs);
      throw new LockHeldException("another backup of " + cluster + " is running" + holder
          + "; if it crashed, its lock expires within " + ttl.toSeconds() + "s");
    } catch (CancelledException e) {
      release(client, keepAlive, leaseId, timeoutMs);
      throw e;
    } catch (Exception e) {
      interruptIfNeeded(e);
      release(client, keepAlive, leaseId, timeoutMs);
      throw new EtcdBackupException("cannot take the backup lock of " + cluster + ": " + EtcdErrors.cause(e, config), e);
    }
  }

  @Override
  public void close() {
    long timeoutMs = timeout.toMillis();
    try {
      client.getLockClient().unlock(lockKey).get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      interruptIfNeeded(e);
      LOG.warn("cannot unlock cluster={}: {} (the lease's expiry frees it)", cluster, e.getMessage());
    }
    release(client, keepAlive, leaseId, timeoutMs);
    LOG.info("backup lock released cluster={}", cluster);
  }

  private static void release(Client client, CloseableClient keepAlive, long leaseId, long timeoutMs) {
    keepAlive.close();
    try {
      client.getLeaseClient().revoke(leaseId).get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      interruptIfNeeded(e);
      LOG.debug("lease revoke failed lease={}: {}", Long.toHexString(leaseId), e.getMessage());
    }
  }

  private static String currentHolder(Client client, String cluster, long timeoutMs) {
    try {
      List<KeyValue> kvs = client.getKVClient().get(bytes(HOLDER_PREFIX + cluster)).get(timeoutMs, TimeUnit.MILLISECONDS).getKvs();
      return kvs.isEmpty() ? "" : " (" + kvs.get(0).getValue().toString(StandardCharsets.UTF_8) + ")";
    } catch (Exception e) {
      interruptIfNeeded(e);
      return "";
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static void interruptIfNeeded(Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
  }
}
