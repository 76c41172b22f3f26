package io.etcdbackup.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.store.ObjectLock;
import io.etcdbackup.storage.StoreOptions.Sse;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StoreOptionsTest {

  @Test
  void defaultsAreEightMebibytePartsFourInFlightAndTheSdkChains() {
    StoreOptions o = StoreOptions.defaults();

    assertThat(o.partSize()).isEqualTo(8L * 1024 * 1024);
    assertThat(o.maxPartsInFlight()).isEqualTo(4);
    assertThat(o.sse()).isEqualTo(Sse.NONE);
    assertThat(o.pathStyle()).isFalse();
    assertThat(o.region()).isNull();
    assertThat(o.endpoint()).isNull();
    assertThat(o.caBundle()).isNull();
    assertThat(o.hasStaticCredentials()).isFalse();
    assertThat(o.profile()).isNull();
  }

  @Test
  void theMinimumPartSizeCoversEtcdsLargestDatabaseInTenThousandParts() {
    long etcdMaxQuota = 8L * 1024 * 1024 * 1024;
    assertThat(StoreOptions.MIN_PART_SIZE * 10_000).isGreaterThan(etcdMaxQuota);
    assertThat(StoreOptions.DEFAULT_PART_SIZE * 10_000).isGreaterThan(etcdMaxQuota);
  }

  @Test
  void nullBuilderArgumentsKeepTheDefaults() {
    StoreOptions o = StoreOptions.builder()
        .region(null).endpoint(null).pathStyle(null).caBundle(null).credentials(null, null).profile(null)
        .sse((Sse) null).sse((String) null).kmsKeyId(null).partSize(null).maxPartsInFlight(null)
        .objectLockDays(null).objectLockMode((String) null)
        .build();

    assertThat(o).isEqualTo(StoreOptions.defaults());
  }

  @Test
  void blankStringsCountAsAbsent() {
    StoreOptions o = StoreOptions.builder().region(" ").credentials("", "").profile("").kmsKeyId(" ").sse(" ").build();

    assertThat(o).isEqualTo(StoreOptions.defaults());
  }

  @Test
  void everyOptionIsKept() {
    StoreOptions o = StoreOptions.builder()
        .region("eu-west-1").endpoint(URI.create("https://minio.example:9000")).pathStyle(true)
        .caBundle(Path.of("/etc/ca.pem")).credentials("AKID", "s3cr3t").sse("aws:kms").kmsKeyId("alias/backups")
        .partSize(64L * 1024 * 1024).maxPartsInFlight(8).objectLockDays(90).objectLockMode(ObjectLock.Mode.COMPLIANCE)
        .build();

    assertThat(o.region()).isEqualTo("eu-west-1");
    assertThat(o.endpoint()).isEqualTo(URI.create("https://minio.example:9000"));
    assertThat(o.pathStyle()).isTrue();
    assertThat(o.caBundle()).isEqualTo(Path.of("/etc/ca.pem"));
    assertThat(o.accessKeyId()).isEqualTo("AKID");
    assertThat(o.secretAccessKey()).isEqualTo("s3cr3t");
    assertThat(o.hasStaticCredentials()).isTrue();
    assertThat(o.sse()).isEqualTo(Sse.AWS_KMS);
    assertThat(o.kmsKeyId()).isEqualTo("alias/backups");
    assertThat(o.partSize()).isEqualTo(64L * 1024 * 1024);
    assertThat(o.maxPartsInFlight()).isEqualTo(8);
    assertThat(o.objectLock()).isEqualTo(new ObjectLock(ObjectLock.Mode.COMPLIANCE, Duration.ofDays(90)));
    assertThat(o.toBuilder().build()).isEqualTo(o);
  }

  @Test
  void toStringNeverPrintsTheSecret() {
    StoreOptions o = StoreOptions.builder().credentials("AKIDVISIBLE", "the-secret-value").build();

    assertThat(o.toString()).contains("AKIDVISIBLE").contains("secretAccessKey=****").doesNotContain("the-secret-value");
  }

  @Test
  void sseParsesTheHeaderValuesIgnoringCase() {
    assertThat(Sse.parse("none")).isEqualTo(Sse.NONE);
    assertThat(Sse.parse("aes256")).isEqualTo(Sse.AES256);
    assertThat(Sse.parse("AWS:KMS")).isEqualTo(Sse.AWS_KMS);
    assertThat(Sse.AWS_KMS.value()).isEqualTo("aws:kms");
    assertInvalid(() -> StoreOptions.builder().sse("kms"), "--s3-sse (kms) must be one of none, AES256, aws:kms");
  }

  @Test
  void partSizeMustBeAtLeastFiveMebibytes() {
    assertInvalid(() -> StoreOptions.builder().partSize(1048576L).build(),
        "--s3-part-size (1048576) must be at least 5 MiB (5242880)");
    assertThat(StoreOptions.builder().partSize(5L * 1024 * 1024).build().partSize()).isEqualTo(5L * 1024 * 1024);
  }

  @Test
  void partSizeMustFitInOneBuffer() {
    assertInvalid(() -> StoreOptions.builder().partSize(2048L * 1024 * 1024).build(),
        "--s3-part-size (2147483648) must be at most 1 GiB");
  }

  @Test
  void maxPartsInFlightMustBeBetweenOneAndSixtyFour() {
    assertInvalid(() -> StoreOptions.builder().maxPartsInFlight(0).build(),
        "--s3-max-parts-in-flight (0) must be between 1 and 64");
    assertInvalid(() -> StoreOptions.builder().maxPartsInFlight(65).build(),
        "--s3-max-parts-in-flight (65) must be between 1 and 64");
    assertThat(StoreOptions.builder().maxPartsInFlight(1).build().maxPartsInFlight()).isEqualTo(1);
  }

  @Test
  void regionMustLookLikeARegion() {
    assertInvalid(() -> StoreOptions.builder().region("eu west").build(), "--s3-region (eu west) must be a region name");
  }

  @Test
  void endpointMustBeAnHttpUrlWithAHost() {
    assertInvalid(() -> StoreOptions.builder().endpoint(URI.create("ftp://host")).build(),
        "--s3-endpoint (ftp://host) must be an http:// or https:// URL");
    assertInvalid(() -> StoreOptions.builder().endpoint(URI.create("minio:9000")).build(),
        "--s3-endpoint (minio:9000) must be an http:// or https:// URL");
    assertInvalid(() -> StoreOptions.builder().endpoint(URI.create("http:///path")).build(),
        "--s3-endpoint (http:///path) must name a host");
    assertInvalid(() -> StoreOptions.builder().endpoint(URI.create("https://h:9000/?x=1")).build(),
        "must not have a query or fragment");
  }

  @Test
  void anEndpointWithCredentialsIsRefusedWithoutEchoingThem() {
    assertThatThrownBy(() -> StoreOptions.builder().endpoint(URI.create("https://user:pw-in-url@h")).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("--s3-endpoint")
        .hasMessageContaining("must not carry credentials")
        .message().doesNotContain("pw-in-url");
  }

  @Test
  void caBundleNeedsAnHttpsEndpoint() {
    assertInvalid(() -> StoreOptions.builder().endpoint(URI.create("http://h:9000")).caBundle(Path.of("/ca.pem")).build(),
        "--s3-ca-bundle (/ca.pem) needs an https --s3-endpoint, but the endpoint is http://h:9000");
    assertThat(StoreOptions.builder().endpoint(URI.create("https://h")).caBundle(Path.of("/ca.pem")).build().caBundle())
        .isEqualTo(Path.of("/ca.pem"));
  }

  @Test
  void accessKeyAndSecretComeTogether() {
    assertInvalid(() -> StoreOptions.builder().credentials("AKID", null).build(),
        "--s3-access-key-id (AKID) needs --s3-secret-access-key as well");
    assertThatThrownBy(() -> StoreOptions.builder().credentials(null, "lonely-secret").build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("--s3-secret-access-key needs --s3-access-key-id as well");
  }

  @Test
  void aProfileAndStaticCredentialsExcludeEachOther() {
    assertInvalid(() -> StoreOptions.builder().credentials("AKID", "secret").profile("prod").build(),
        "--s3-profile (prod) cannot be combined with --s3-access-key-id");
  }

  @Test
  void aKmsKeyNeedsKmsEncryption() {
    assertInvalid(() -> StoreOptions.builder().kmsKeyId("alias/x").build(),
        "--s3-sse-kms-key-id (alias/x) needs --s3-sse aws:kms, but --s3-sse is none");
    assertInvalid(() -> StoreOptions.builder().sse(Sse.AES256).kmsKeyId("alias/x").build(),
        "but --s3-sse is AES256");
    assertThat(StoreOptions.builder().sse(Sse.AWS_KMS).build().kmsKeyId()).isNull();
  }

  @Test
  void theCanonicalConstructorValidatesToo() {
    assertInvalid(() -> new StoreOptions(null, null, false, null, null, null, null, null, null, 0, 4, null),
        "--s3-part-size (0) must be at least 5 MiB");
    assertThat(new StoreOptions(null, null, false, null, null, null, null, null, null,
        StoreOptions.DEFAULT_PART_SIZE, 4, null).sse()).isEqualTo(Sse.NONE);
    assertInvalid(() -> new StoreOptions(null, null, false, null, null, null, null, null, null,
        StoreOptions.DEFAULT_PART_SIZE, 4, new ObjectLock(ObjectLock.Mode.GOVERNANCE, Duration.ofHours(36))),
        "--s3-object-lock-days (PT36H) must be a whole number of days");
  }

  @Test
  void anObjectLockIsOffByDefaultAndGovernanceUnlessComplianceIsGiven() {
    assertThat(StoreOptions.defaults().objectLock()).isNull();
    assertThat(StoreOptions.builder().objectLockDays(30).build().objectLock())
        .isEqualTo(new ObjectLock(ObjectLock.Mode.GOVERNANCE, Duration.ofDays(30)));
    StoreOptions compliance = StoreOptions.builder().objectLockDays(7).objectLockMode("Compliance").build();
    assertThat(compliance.objectLock()).isEqualTo(new ObjectLock(ObjectLock.Mode.COMPLIANCE, Duration.ofDays(7)));
    assertThat(compliance.toBuilder().build()).isEqualTo(compliance);
    assertThat(compliance.toString()).contains("objectLock=COMPLIANCE 7d");
    assertThat(StoreOptions.defaults().toString()).contains("objectLock=none");
    assertThat(StoreOptions.builder().objectLockMode(" ").objectLockMode((ObjectLock.Mode) null).build().objectLock())
        .isNull();
  }

  @Test
  void objectLockDaysAreBetweenOneAndAHundredYears() {
    assertInvalid(() -> StoreOptions.builder().objectLockDays(0).build(),
        "--s3-object-lock-days (0) must be between 1 and 36500");
    assertInvalid(() -> StoreOptions.builder().objectLockDays(-5).objectLockMode("GOVERNANCE").build(),
        "--s3-object-lock-days (-5) must be between 1 and 36500");
    assertInvalid(() -> StoreOptions.builder().objectLockDays(36_501).build(),
        "--s3-object-lock-days (36501) must be between 1 and 36500");
    assertThat(StoreOptions.builder().objectLockDays(36_500).build().objectLock().period()).isEqualTo(Duration.ofDays(36_500));
  }

  @Test
  void anObjectLockModeNeedsDaysAndIsOneOfTheTwo() {
    assertThatThrownBy(() -> StoreOptions.builder().objectLockMode("COMPLIANCE").build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("--s3-object-lock-mode (COMPLIANCE) needs --s3-object-lock-days as well");
    assertInvalid(() -> StoreOptions.builder().objectLockMode("legal-hold"),
        "--s3-object-lock-mode (legal-hold) must be GOVERNANCE or COMPLIANCE");
  }

  private static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
    assertThatThrownBy(call).isInstanceOf(InvalidInputException.class).hasMessageContaining(message);
  }
}
