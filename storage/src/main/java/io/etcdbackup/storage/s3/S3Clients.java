package io.etcdbackup.storage.s3;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.storage.StoreOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** Turns {@link StoreOptions} into a configured S3 client builder. */
final class S3Clients {
  private S3Clients() {}

  /**
   * A builder configured from {@code options}: Apache 5 HTTP client (trusting only the CA bundle, if
   * one is given), region, endpoint, addressing style, and {@code credentials}, which the caller
   * closes with the client (an SDK client never closes a provider it was given).
   */
  static S3ClientBuilder builder(StoreOptions options, AwsCredentialsProvider credentials, String location) {
    // The SDK's pool holds 50 connections; a scan of a series has BackupRepository.MANIFEST_READERS
    // GETs in flight, and one more than the pool holds would wait for a connection.
    Apache5HttpClient.Builder http = Apache5HttpClient.builder()
        .maxConnections(Math.max(50, BackupRepository.MANIFEST_READERS));
    if (options.caBundle() != null) {
      TrustManager[] trust = trustManagers(options.caBundle());
      http.tlsTrustManagersProvider(() -> trust);
    }
    S3ClientBuilder builder = S3Client.builder()
        // DeleteObjects: since SDK 2.30 the SDK sends only x-amz-checksum-crc32 where S3 requires a
        // checksum, and S3-compatible stores that predate flexible checksums (older MinIO and Ceph
        // RGW) refuse the request for want of the Content-MD5 that S3's API reference still names.
        // The SDK's own plugin adds Content-MD5 to exactly those operations; AWS and S3Proxy accept both.
        .addPlugin(LegacyMd5Plugin.create())
        .httpClientBuilder(http)
        .credentialsProvider(credentials)
        .region(region(options, location))
        .forcePathStyle(options.pathStyle());
    if (options.endpoint() != null) {
      builder.endpointOverride(options.endpoint());
    }
    return builder;
  }

  static AwsCredentialsProvider credentials(StoreOptions options) {
    if (options.hasStaticCredentials()) {
      return StaticCredentialsProvider.create(
          AwsBasicCredentials.create(options.accessKeyId(), options.secretAccessKey()));
    }
    if (options.profile() != null) {
      // An explicit profile wins over environment credentials, as with the aws CLI's --profile.
      return ProfileCredentialsProvider.builder().profileName(options.profile()).build();
    }
    // Env, system properties, web identity (IRSA, needs the sts module), profile, container, instance.
    return DefaultCredentialsProvider.builder().build();
  }

  static Region region(StoreOptions options, String location) {
    if (options.region() != null) {
      return Region.of(options.region());
    }
    if (options.endpoint() != null) {
      // S3-compatible stores mostly ignore the signing region. Skip the instance-metadata lookup,
      // which would stall for seconds off EC2, and default to the region they conventionally expect.
      try {
        AwsProfileRegionProvider fromProfile = options.profile() == null
            ? new AwsProfileRegionProvider()
            : new AwsProfileRegionProvider(ProfileFile::defaultProfileFile, options.profile());
        return new AwsRegionProviderChain(new SystemSettingsRegionProvider(), fromProfile).getRegion();
      } catch (SdkClientException e) {
        return Region.US_EAST_1;
      }
    }
    try {
      return DefaultAwsRegionProviderChain.builder().profileName(options.profile()).build().getRegion();
    } catch (SdkClientException e) {
      throw new InvalidInputException("no AWS region for " + location
          + ": pass --s3-region or set AWS_REGION (" + e.getMessage() + ")");
    }
  }

  /** Trust managers that trust exactly the certificates in the PEM file, not the JDK's CAs. */
  static TrustManager[] trustManagers(Path caBundle) {
    Collection<? extends Certificate> certs;
    try (InputStream in = Files.newInputStream(caBundle)) {
      certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException("--s3-ca-bundle (" + caBundle + ") does not exist");
    } catch (IOException | GeneralSecurityException e) {
      throw new InvalidInputException("--s3-ca-bundle (" + caBundle + ") must be a PEM file of CA certificates: "
          + e.getMessage(), e);
    }
    if (certs.isEmpty()) {
      throw new InvalidInputException("--s3-ca-bundle (" + caBundle + ") must hold at least one PEM certificate");
    }
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate cert : certs) {
        store.setCertificateEntry("ca-" + i++, cert);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      return tmf.getTrustManagers();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a trust store from " + caBundle, e);
    }
  }
}
