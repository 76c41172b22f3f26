package io.etcdbackup.cli;

import io.etcdbackup.core.StoreException;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.storage.BackupStores;
import io.etcdbackup.storage.StoreOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How to reach the backup store: S3 settings (a local directory needs none). */
final class StoreMixin {
  @Option(names = "--s3-region", paramLabel = "REGION", description = "S3 region (default: the AWS SDK's region chain).")
  String region;

  @Option(names = "--s3-endpoint", paramLabel = "URL",
      description = "Endpoint of an S3-compatible store (MinIO, Ceph RGW, ...), http or https.")
  URI endpoint;

  @Option(names = "--s3-path-style", description = "Path-style addressing (https://host/bucket/key), for most S3-compatible stores.")
  Boolean pathStyle;

  @Option(names = "--s3-ca-bundle", paramLabel = "FILE", description = "PEM CA certificates to trust for an HTTPS endpoint.")
  Path caBundle;

  @Option(names = "--s3-access-key-id", paramLabel = "ID",
      description = "Static credentials (default: the AWS SDK's chain: env, profile, web identity/IRSA, instance).")
  String accessKeyId;

  @Option(names = "--s3-secret-access-key", paramLabel = "SECRET", arity = "1",
      description = "Secret of --s3-access-key-id; prefer --s3-secret-access-key-file or env ETCD_BACKUP_S3_SECRET_ACCESS_KEY.")
  String secretAccessKey;

  @Option(names = "--s3-secret-access-key-file", paramLabel = "FILE", description = "File holding the secret of --s3-access-key-id.")
  Path secretAccessKeyFile;

  @Option(names = "--s3-profile", paramLabel = "NAME", description = "Profile of ~/.aws/config and credentials.")
  String profile;

  @Option(names = "--s3-sse", paramLabel = "MODE", description = "Server-side encryption: none, AES256 (SSE-S3), aws:kms (SSE-KMS).")
  String sse;

  @Option(names = "--s3-sse-kms-key-id", paramLabel = "KEY", description = "KMS key for --s3-sse aws:kms.")
  String kmsKeyId;

  @Option(names = "--s3-part-size", paramLabel = "SIZE", converter = ByteSize.class,
      description = "Multipart part size (default 8MiB, at least 5MiB).")
  Long partSize;

  @Option(names = "--s3-max-parts-in-flight", paramLabel = "N", description = "Parts uploading at once (default 4).")
  Integer maxPartsInFlight;

  @Option(names = "--s3-object-lock-days", paramLabel = "N",
      description = "Lock new backups with S3 Object Lock for N days (the bucket must have Object Lock; docs/storage.md).")
  Integer objectLockDays;

  @Option(names = "--s3-object-lock-mode", paramLabel = "MODE",
      description = "Object Lock mode for --s3-object-lock-days: GOVERNANCE (default) or COMPLIANCE.")
  String objectLockMode;

  StoreOptions options() {
    return StoreOptions.builder().region(region).endpoint(endpoint).pathStyle(pathStyle).caBundle(caBundle)
        .profile(profile).sse(sse).kmsKeyId(kmsKeyId).partSize(partSize).maxPartsInFlight(maxPartsInFlight)
        .objectLockDays(objectLockDays).objectLockMode(objectLockMode)
        .credentials(accessKeyId, secretAccessKey, secretAccessKeyFile).build();
  }

  /** The store for a writer: {@code snapshot} creates a local directory that is not there yet. */
  BackupStore openForWriting(String location) {
    try {
      return BackupStores.open(location, options());
    } catch (IOException e) {
      throw new StoreException("cannot open the store " + location + ": " + e.getMessage(), e);
    }
  }

  /** The store for a reader (or prune): a local directory must exist, nothing is created. */
  BackupStore open(String location) {
    try {
      return BackupStores.openExisting(location, options());
    } catch (IOException e) {
      throw new StoreException("cannot open the store " + location + ": " + e.getMessage(), e);
    }
  }
}
