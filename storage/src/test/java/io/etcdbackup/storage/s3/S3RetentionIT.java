package io.etcdbackup.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.retention.PruneResult;
import io.etcdbackup.core.retention.RetentionPolicy;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.storage.RetentionContract;
import io.etcdbackup.storage.StoreOptions;
import io.etcdbackup.testing.S3Server;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Retention over S3Proxy, which pages listings at 1,000 keys as S3 does. */
class S3RetentionIT extends RetentionContract {
  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  private String prefix;

  @Override
  protected BackupStore newStore() {
    prefix = S3.newPrefix("retention");
    return storeOn(prefix);
  }

  private static S3Store storeOn(String prefix, ExecutionInterceptor... interceptors) {
    StoreOptions options = S3.storeOptions();
    S3Client client = S3Clients.builder(options, S3Clients.credentials(options), "s3://" + S3.bucket() + "/" + prefix)
        .overrideConfiguration(o -> List.of(interceptors).forEach(o::addExecutionInterceptor))
        .build();
    return new S3Store(client, S3.bucket(), prefix, options, PartBuffers.Allocator.HEAP, List.of(client));
  }

  @Override
  protected BackupStore failingListing(BackupStore healthy) {
    return storeOn(prefix, new FailSecondListPage());
  }

  /** Answers the second page of every listing with a 500, as an S3 front end in trouble would. */
  static final class FailSecondListPage implements ExecutionInterceptor {
    final AtomicInteger failed = new AtomicInteger();

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
      if (context.request() instanceof ListObjectsV2Request l && l.continuationToken() != null) {
        failed.incrementAndGet();
        throw S3Exception.builder().statusCode(500).message("We encountered an internal error (injected)")
            .awsErrorDetails(AwsErrorDetails.builder().errorCode("InternalError").errorMessage("injected").build())
            .build();
      }
      return context.request();
    }
  }

  /** The prefixes every listing asked for. */
  static final class ListedPrefixes implements ExecutionInterceptor {
    final List<String> prefixes = new CopyOnWriteArrayList<>();
    final AtomicInteger pages = new AtomicInteger();

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
      if (context.request() instanceof ListObjectsV2Request l) {
        prefixes.add(l.prefix());
        pages.incrementAndGet();
      }
      return context.request();
    }
  }

  @Test
  void aPruneListsOnlyItsSeriesAndPagesThroughIt() throws Exception {
    // Even revisions only: all 700 in the v2 layout, 1,400 objects under one prefix.
    writer.write(series(CLUSTER, 700, Duration.ofMinutes(5), Duration.ofHours(2), 2, 2));
    writer.write(series(OTHER, 20, Duration.ofHours(1), Duration.ofHours(2), 1, 1));
    ListedPrefixes listed = new ListedPrefixes();

    PruneResult r;
    try (BackupStore s = storeOn(prefix, listed)) {
      r = prune(s, RetentionPolicy.builder().keepLast(50).build(), false);
    }

    assertThat(r.deleted()).hasSize(650);
    // 1,400 objects: two pages of the v2 prefix (and one, empty, of v1); the other series is never listed.
    assertThat(listed.pages.get()).isGreaterThanOrEqualTo(3);
    assertThat(listed.prefixes).isNotEmpty().allSatisfy(p -> assertThat(p).isIn(Layout.seriesPrefixes(CLUSTER).stream()
        .map(s -> prefix + "/" + s).toList()));
    assertThat(ids(OTHER)).hasSize(20);
  }
}
