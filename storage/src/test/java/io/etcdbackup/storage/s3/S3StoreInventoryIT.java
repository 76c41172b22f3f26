package io.etcdbackup.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.metrics.MetricNames;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.storage.StoreInventoryContract;
import io.etcdbackup.testing.S3Server;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store exporter's figures over S3Proxy. */
class S3StoreInventoryIT extends StoreInventoryContract {
  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  private String prefix;

  @Override
  protected BackupStore newStore() {
    prefix = S3.newPrefix("inventory");
    return S3Store.open(S3.bucket(), prefix, S3.storeOptions());
  }

  @Override
  protected String kind() {
    return "s3";
  }

  @Test
  void refusedCredentialsAreAFailedReadNotAnEmptySeries() throws Exception {
    writer.write(hourly(PROD, 3, java.time.Instant.parse("2026-03-01T00:00:00Z"), 10, 10));
    // read-only credentials gone wrong: the secret rotated under the exporter
    try (BackupStore wrongSecret = S3Store.open(S3.bucket(), prefix,
        S3.storeOptionsBuilder().credentials(S3.accessKey(), "not-the-secret").build())) {
      inventory(wrongSecret, PROD).refresh(Cancellation.create());
    }

    assertThat(gauges(PROD)).containsExactlyEntriesOf(Map.of(MetricNames.STORE_SCRAPE_SUCCESS, 0.0));
  }
}
