package io.etcdbackup.storage.s3;

import static io.etcdbackup.storage.BackupStoreContract.data;
import static io.etcdbackup.storage.BackupStoreContract.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.store.StoredObject;
import io.etcdbackup.storage.BackupStores;
import io.etcdbackup.storage.StoreOptions;
import io.etcdbackup.testing.S3Server;
import io.etcdbackup.testing.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** S3 over HTTPS with a private CA: trusted through --s3-ca-bundle, refused clearly without it. */
class S3StoreHttpsIT {
  private static final long PART = 5L * 1024 * 1024;

  @TempDir
  static Path pkiDir;

  private static S3Server s3;

  @BeforeAll
  static void startServer() {
    s3 = S3Server.https(TestPki.create(pkiDir.resolve("s3"), "s3")).start();
  }

  @AfterAll
  static void stopServer() {
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void uploadsAndReadsBackTrustingTheCaBundle() throws IOException {
    assertThat(s3.endpoint().getScheme()).isEqualTo("https");
    StoreOptions options = s3.storeOptionsBuilder().partSize(PART).build();
    assertThat(options.caBundle()).isEqualTo(s3.caFile());
    byte[] big = data((int) (2 * PART + 99), 1);
    byte[] small = data(123, 2);

    try (BackupStore store = BackupStores.open(s3.storeUri(s3.newPrefix("tls")), options)) {
      write(store, "big", big);
      write(store, "small", small);

      assertThat(sha256(read(store, "big"))).isEqualTo(sha256(big));
      assertThat(read(store, "small")).isEqualTo(small);
      assertThat(store.list("")).extracting(StoredObject::key).containsExactlyInAnyOrder("big", "small");
      store.delete("big");
      assertThat(store.stat("big")).isEmpty();
      assertThat(s3.incompleteMultipartUploads("")).isEmpty();
    }
  }

  @Test
  void withoutTheCaBundleTheServerIsRefusedWithAClearError() throws IOException {
    StoreOptions options = s3.storeOptionsBuilder().caBundle(null).build();

    try (BackupStore store = BackupStores.open(s3.storeUri(s3.newPrefix("untrusted")), options)) {
      assertThatThrownBy(() -> store.list("v1/"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(store.location() + "/v1/*: ListObjectsV2 failed: TLS with the endpoint failed")
          .hasMessageContaining("--s3-ca-bundle");
      assertThatThrownBy(() -> write(store, "k", data(10, 3)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(store.location() + "/k: PutObject failed: TLS")
          .hasMessageContaining("--s3-ca-bundle");
    }
  }

  @Test
  void aCaBundleOfAnotherCaIsRefusedToo() throws IOException {
    // The bundle replaces the trusted CAs: a certificate from any other CA fails.
    TestPki other = TestPki.create(pkiDir.resolve("other"), "other");
    StoreOptions options = s3.storeOptionsBuilder().caBundle(other.caFile()).build();

    try (BackupStore store = BackupStores.open(s3.storeUri(s3.newPrefix("wrong-ca")), options)) {
      assertThatThrownBy(() -> store.stat("k"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(store.location() + "/k: HeadObject failed: TLS with the endpoint failed");
    }
  }

  private static void write(BackupStore store, String key, byte[] data) throws IOException {
    try (ObjectUpload upload = store.create(key)) {
      upload.stream().write(data);
      upload.commit();
    }
  }

  private static byte[] read(BackupStore store, String key) throws IOException {
    try (InputStream in = store.open(key)) {
      return in.readAllBytes();
    }
  }
}
