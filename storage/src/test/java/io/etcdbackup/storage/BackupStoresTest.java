package io.etcdbackup.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.storage.BackupStores.Local;
import io.etcdbackup.storage.BackupStores.S3;
import io.etcdbackup.storage.local.LocalDirectoryStore;
import io.etcdbackup.storage.s3.S3Store;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupStoresTest {

  @TempDir
  Path tempDir;

  @Test
  void s3UrisNameABucketAndAnOptionalPrefix() {
    assertThat(BackupStores.parse(URI.create("s3://my-bucket/etcd/prod"))).isEqualTo(new S3("my-bucket", "etcd/prod"));
    assertThat(BackupStores.parse(URI.create("s3://my-bucket/etcd/prod/"))).isEqualTo(new S3("my-bucket", "etcd/prod"));
    assertThat(BackupStores.parse(URI.create("s3://my-bucket"))).isEqualTo(new S3("my-bucket", ""));
    assertThat(BackupStores.parse(URI.create("s3://my-bucket/"))).isEqualTo(new S3("my-bucket", ""));
    assertThat(BackupStores.parse(URI.create("S3://my.bucket/x"))).isEqualTo(new S3("my.bucket", "x"));
    assertThat(BackupStores.parse(URI.create("s3://legacy_bucket/x"))).isEqualTo(new S3("legacy_bucket", "x"));
  }

  @Test
  void fileUrisAndPlainPathsAreLocalDirectories() {
    assertThat(BackupStores.parse(URI.create("file:///var/backups/etcd"))).isEqualTo(new Local(Path.of("/var/backups/etcd")));
    assertThat(BackupStores.parse(URI.create("file://localhost/var/backups"))).isEqualTo(new Local(Path.of("/var/backups")));
    assertThat(BackupStores.parse(URI.create("file:///with%20space"))).isEqualTo(new Local(Path.of("/with space")));
    assertThat(BackupStores.parse(URI.create("/var/backups"))).isEqualTo(new Local(Path.of("/var/backups")));
    assertThat(BackupStores.parse(URI.create("backups/etcd"))).isEqualTo(new Local(Path.of("backups/etcd")));
  }

  @Test
  void textWithoutASchemeIsAPathEvenWhereAUriCouldNotBe() {
    assertThat(BackupStores.parse(BackupStores.toUri("my backups/100%"))).isEqualTo(new Local(Path.of("my backups/100%")));
    assertThat(BackupStores.parse(BackupStores.toUri("/abs/with space"))).isEqualTo(new Local(Path.of("/abs/with space")));
    assertThat(BackupStores.parse(BackupStores.toUri("./rel"))).isEqualTo(new Local(Path.of("./rel")));
    assertThat(BackupStores.parse(BackupStores.toUri("s3://bkt/p"))).isEqualTo(new S3("bkt", "p"));
    assertThat(BackupStores.parse(BackupStores.toUri("file:///x"))).isEqualTo(new Local(Path.of("/x")));
  }

  @Test
  void unsupportedSchemesNameTheUriAndTheAcceptedForms() {
    assertThatThrownBy(() -> BackupStores.parse(URI.create("gs://bucket/prefix")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("backup store URI 'gs://bucket/prefix' is not usable: scheme 'gs' is not supported; "
            + "use s3://bucket/prefix, file:///absolute/path or a directory path");
    assertThatThrownBy(() -> BackupStores.parse(URI.create("https://s3.amazonaws.com/bucket")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("https://s3.amazonaws.com/bucket");
  }

  @Test
  void malformedS3AndFileUrisAreRefused() {
    for (String uri : new String[] {"s3:bucket", "s3:///prefix", "s3://bucket:9000/p", "s3://user@bucket/p",
        "s3://bkt/p?versionId=1", "s3://bucket/a//b", "s3://bucket/../x", "s3://ab", "file:relative",
        "file://otherhost/x", "file:///x#frag"}) {
      assertThatThrownBy(() -> BackupStores.parse(URI.create(uri)))
          .as(uri).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining(uri)
          .hasMessageContaining("use s3://bucket/prefix, file:///absolute/path or a directory path");
    }
    assertThatThrownBy(() -> BackupStores.toUri("  ")).isInstanceOf(InvalidInputException.class).hasMessageContaining("empty");
    assertThatThrownBy(() -> BackupStores.toUri("s3://bad bucket")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("s3://bad bucket").hasMessageContaining("malformed");
  }

  @Test
  void openMakesALocalDirectoryStore() throws IOException {
    Path dir = tempDir.resolve("store");
    try (BackupStore store = BackupStores.open(dir.toUri(), StoreOptions.defaults())) {
      assertThat(store).isInstanceOf(LocalDirectoryStore.class);
      assertThat(store.location()).isEqualTo("file://" + dir);
      assertThat(dir).as("created by the first write, not by open").doesNotExist();
      store.checkWritable("v1/c/");
      assertThat(dir).isDirectory();
    }
    try (BackupStore store = BackupStores.open(dir.toString(), StoreOptions.defaults())) {
      assertThat(store.location()).isEqualTo("file://" + dir);
    }
    try (BackupStore store = BackupStores.openExisting(dir.toString(), StoreOptions.defaults())) {
      assertThat(store.location()).isEqualTo("file://" + dir);
    }
  }

  @Test
  void openMakesAnS3StoreWithoutContactingIt() throws IOException {
    StoreOptions options = StoreOptions.builder().endpoint(URI.create("http://127.0.0.1:1")).pathStyle(true)
        .credentials("AKID", "secret").build();
    try (BackupStore store = BackupStores.open(URI.create("s3://bucket/etcd/prod/"), options)) {
      assertThat(store).isInstanceOf(S3Store.class);
      assertThat(store.location()).isEqualTo("s3://bucket/etcd/prod");
    }
    try (BackupStore store = BackupStores.open("s3://bucket", options)) {
      assertThat(store.location()).isEqualTo("s3://bucket");
    }
  }

  @Test
  void anObjectLockIsForS3StoresOnly() throws IOException {
    StoreOptions locked = StoreOptions.builder().objectLockDays(30).build();
    Path dir = tempDir.resolve("locked");
    assertThatThrownBy(() -> BackupStores.open(dir.toString(), locked))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("--s3-object-lock-days (30) needs an s3:// store, but the store is " + dir.toUri()
            + ", which has no object lock");
    assertThat(dir).doesNotExist();

    StoreOptions s3 = locked.toBuilder().endpoint(URI.create("http://127.0.0.1:1")).pathStyle(true)
        .credentials("AKID", "secret").build();
    try (BackupStore store = BackupStores.open("s3://bucket/p", s3)) {
      assertThat(store.objectLock()).isEqualTo(java.util.Optional.of(s3.objectLock()));
    }
  }

  @Test
  void aMissingCaBundleIsInvalidInput() {
    StoreOptions options = StoreOptions.builder().endpoint(URI.create("https://127.0.0.1:1"))
        .caBundle(tempDir.resolve("missing.pem")).credentials("AKID", "secret").build();

    assertThatThrownBy(() -> BackupStores.open("s3://bucket/p", options))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("--s3-ca-bundle (" + tempDir.resolve("missing.pem") + ") does not exist");
  }

  @Test
  void aCaBundleWithoutCertificatesIsInvalidInput() throws IOException {
    Path notPem = java.nio.file.Files.writeString(tempDir.resolve("bad.pem"), "not a certificate\n");
    StoreOptions options = StoreOptions.builder().endpoint(URI.create("https://127.0.0.1:1"))
        .caBundle(notPem).credentials("AKID", "secret").build();

    assertThatThrownBy(() -> BackupStores.open("s3://bucket/p", options))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("--s3-ca-bundle (" + notPem + ")");
  }
}
