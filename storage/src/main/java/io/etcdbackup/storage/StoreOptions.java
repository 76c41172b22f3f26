package io.etcdbackup.storage;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.store.ObjectLock;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How to reach a backup store, validated once at construction. Only the S3 provider reads these;
 * a local directory store ignores them, but refuses an object lock, which it could not keep
 * ({@link BackupStores#open(URI, StoreOptions)}). Each component is named after its command-line flag, which
 * validation messages use: {@code --s3-part-size (1048576) must be at least 5 MiB}.
 *
 * <p>Build one with {@link #builder()}; a setter given {@code null} keeps the default, so that a
 * CLI can pass its optional flags straight through.
 *
 * @param region {@code --s3-region}; null: the SDK's region chain (env {@code AWS_REGION}, profile,
 *     instance metadata), or {@code us-east-1} when an {@code endpoint} is given
 * @param endpoint {@code --s3-endpoint}, http or https, for S3-compatible stores; null: AWS
 * @param pathStyle {@code --s3-path-style}: {@code https://host/bucket/key} instead of
 *     {@code https://bucket.host/key}, which most S3-compatible stores need
 * @param caBundle {@code --s3-ca-bundle}: PEM file of the CA certificates to trust, instead of the
 *     JDK's, for an HTTPS endpoint with a private CA
 * @param accessKeyId {@code --s3-access-key-id}, given together with the secret; null: the SDK's
 *     default credential chain (env, profile, web identity/IRSA, container, instance)
 * @param secretAccessKey {@code --s3-secret-access-key}; never printed
 * @param profile {@code --s3-profile}: a named profile of {@code ~/.aws/config} and credentials
 * @param sse {@code --s3-sse}: server-side encryption of new objects
 * @param kmsKeyId {@code --s3-sse-kms-key-id}: the KMS key for {@link Sse#AWS_KMS}; null: the
 *     bucket's or account's default key
 * @param partSize {@code --s3-part-size} in bytes: multipart part size, also the memory of one buffer
 * @param maxPartsInFlight {@code --s3-max-parts-in-flight}: parts uploading at once; the upload
 *     holds at most this many plus one part buffers
 * @param objectLock {@code --s3-object-lock-days} and {@code --s3-object-lock-mode} (GOVERNANCE
 *     unless COMPLIANCE is asked for): the S3 Object Lock retention new backups get, in whole days;
 *     null: none (the bucket's default retention, if it has one, still applies). Only an
 *     {@code s3://} store takes it; see docs/storage.md for what the bucket needs.
 */
public record StoreOptions(
    String region,
    URI endpoint,
    boolean pathStyle,
    Path caBundle,
    String accessKeyId,
    String secretAccessKey,
    String profile,
    Sse sse,
    String kmsKeyId,
    long partSize,
    int maxPartsInFlight,
    ObjectLock objectLock) {

  public static final long MIB = 1024L * 1024L;
  /**
   * 8 MiB parts: 10,000 of them cover 78 GiB, far beyond etcd's 8 GiB quota, and five of them (four
   * in flight and the one filling) fit the 128 MiB heap bin/etcd-backup runs with; 16 MiB parts
   * made that heap collect constantly (docs/benchmarks.md).
   */
  public static final long DEFAULT_PART_SIZE = 8 * MIB;
  /** S3 refuses parts smaller than 5 MiB (except the last); 10,000 of them still cover 48 GiB. */
  public static final long MIN_PART_SIZE = 5 * MIB;
  /** Parts live in one Java array each; 1 GiB keeps (in flight + 1) buffers within reason. */
  public static final long MAX_PART_SIZE = 1024 * MIB;
  public static final int DEFAULT_MAX_PARTS_IN_FLIGHT = 4;
  public static final int MAX_MAX_PARTS_IN_FLIGHT = 64;
  /**
   * A guard against typos rather than an S3 limit: 100 years. COMPLIANCE retention cannot be
   * shortened by anyone, so a slip of the finger would pay for storage for that long.
   */
  public static final int MAX_OBJECT_LOCK_DAYS = 36_500;

  // AWS region names and the ad-hoc names S3-compatible stores use (e.g. "garage", "local-1").
  private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}", Pattern.CASE_INSENSITIVE);
  private static final Pattern PROFILE = Pattern.compile("[A-Za-z0-9_.@+-]{1,128}");

  /** Server-side encryption of the objects this tool writes. */
  public enum Sse {
    /** No SSE header: the bucket's default encryption applies. */
    NONE("none"),
    /** SSE-S3, keys managed by S3 ({@code x-amz-server-side-encryption: AES256}). */
    AES256("AES256"),
    /** SSE-KMS ({@code x-amz-server-side-encryption: aws:kms}), optionally with a named key. */
    AWS_KMS("aws:kms");

    private final String value;

    Sse(String value) {
      this.value = value;
    }

    /** The value of the {@code x-amz-server-side-encryption} header, and of {@code --s3-sse}. */
    public String value() {
      return value;
    }

    /** Parses {@code none}, {@code AES256} or {@code aws:kms}, ignoring case. */
    public static Sse parse(String text) {
      for (Sse s : values()) {
        if (s.value.equalsIgnoreCase(text.trim())) {
          return s;
        }
      }
      throw new InvalidInputException(
          "--s3-sse (" + text + ") must be one of none, AES256, aws:kms");
    }
  }

  /** Validates and normalises: blank strings count as absent; {@code sse} null means none. */
  public StoreOptions {
    region = blankToNull(region);
    accessKeyId = blankToNull(accessKeyId);
    secretAccessKey = blankToNull(secretAccessKey);
    profile = blankToNull(profile);
    kmsKeyId = blankToNull(kmsKeyId);
    sse = sse == null ? Sse.NONE : sse;

    if (region != null && !REGION.matcher(region).matches()) {
      throw invalid("--s3-region", region, "must be a region name such as eu-west-1");
    }
    if (endpoint != null) {
      checkEndpoint(endpoint);
    }
    if (caBundle != null && endpoint != null && !"https".equalsIgnoreCase(endpoint.getScheme())) {
      throw invalid("--s3-ca-bundle", caBundle,
          "needs an https --s3-endpoint, but the endpoint is " + endpoint);
    }
    if ((accessKeyId == null) != (secretAccessKey == null)) {
      // Name only the flag that is missing: the secret itself must never reach a message.
      throw new InvalidInputException(accessKeyId == null
          ? "--s3-secret-access-key needs --s3-access-key-id as well"
          : "--s3-access-key-id (" + accessKeyId + ") needs --s3-secret-access-key as well");
    }
    if (accessKeyId != null && profile != null) {
      throw invalid("--s3-profile", profile,
          "cannot be combined with --s3-access-key-id: choose one source of credentials");
    }
    if (profile != null && !PROFILE.matcher(profile).matches()) {
      throw invalid("--s3-profile", profile, "must be a profile name of letters, digits and _.@+-");
    }
    if (kmsKeyId != null && sse != Sse.AWS_KMS) {
      throw invalid("--s3-sse-kms-key-id", kmsKeyId, "needs --s3-sse aws:kms, but --s3-sse is " + sse.value());
    }
    if (partSize < MIN_PART_SIZE) {
      throw invalid("--s3-part-size", partSize, "must be at least 5 MiB (" + MIN_PART_SIZE + ")");
    }
    if (partSize > MAX_PART_SIZE) {
      throw invalid("--s3-part-size", partSize, "must be at most 1 GiB (" + MAX_PART_SIZE + ")");
    }
    if (maxPartsInFlight < 1 || maxPartsInFlight > MAX_MAX_PARTS_IN_FLIGHT) {
      throw invalid("--s3-max-parts-in-flight", maxPartsInFlight,
          "must be between 1 and " + MAX_MAX_PARTS_IN_FLIGHT);
    }
    if (objectLock != null) {
      checkObjectLockDays(objectLock.period().toDays());
      if (!objectLock.period().equals(Duration.ofDays(objectLock.period().toDays()))) {
        throw invalid("--s3-object-lock-days", objectLock.period(), "must be a whole number of days");
      }
    }
  }

  /** Every option at its default. */
  public static StoreOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these options, to change some of them. */
  public Builder toBuilder() {
    return new Builder().region(region).endpoint(endpoint).pathStyle(pathStyle).caBundle(caBundle)
        .credentials(accessKeyId, secretAccessKey).profile(profile).sse(sse).kmsKeyId(kmsKeyId)
        .partSize(partSize).maxPartsInFlight(maxPartsInFlight)
        .objectLockDays(objectLock == null ? null : Math.toIntExact(objectLock.period().toDays()))
        .objectLockMode(objectLock == null ? null : objectLock.mode());
  }

  /** True when an access key was given explicitly rather than left to the SDK's chain. */
  public boolean hasStaticCredentials() {
    return accessKeyId != null;
  }

  /** The options without the secret, so that they can be logged. */
  @Override
  public String toString() {
    return "StoreOptions[region=" + region + ", endpoint=" + endpoint + ", pathStyle=" + pathStyle
        + ", caBundle=" + caBundle + ", accessKeyId=" + accessKeyId
        + ", secretAccessKey=" + (secretAccessKey == null ? null : "****") + ", profile=" + profile
        + ", sse=" + sse.value() + ", kmsKeyId=" + kmsKeyId + ", partSize=" + partSize
        + ", maxPartsInFlight=" + maxPartsInFlight + ", objectLock=" + describe(objectLock) + "]";
  }

  /** {@code GOVERNANCE 30d}, or {@code none}: for log lines. */
  public static String describe(ObjectLock lock) {
    return lock == null ? "none" : lock.mode() + " " + lock.period().toDays() + "d";
  }

  private static void checkObjectLockDays(long days) {
    if (days < 1 || days > MAX_OBJECT_LOCK_DAYS) {
      throw invalid("--s3-object-lock-days", days, "must be between 1 and " + MAX_OBJECT_LOCK_DAYS);
    }
  }

  private static void checkEndpoint(URI endpoint) {
    String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw invalid("--s3-endpoint", endpoint, "must be an http:// or https:// URL");
    }
    if (endpoint.getHost() == null) {
      throw invalid("--s3-endpoint", endpoint, "must name a host, as in https://minio.example:9000");
    }
    if (endpoint.getRawUserInfo() != null) {
      // Credentials in the URL would end up in logs and messages, which print the endpoint.
      throw invalid("--s3-endpoint", "<redacted>",
          "must not carry credentials; use --s3-access-key-id and --s3-secret-access-key");
    }
    if (endpoint.getRawQuery() != null || endpoint.getRawFragment() != null) {
      throw invalid("--s3-endpoint", endpoint, "must not have a query or fragment");
    }
  }

  private static InvalidInputException invalid(String flag, Object value, String rule) {
    return new InvalidInputException(flag + " (" + value + ") " + rule);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  /** Collects options; a {@code null} argument keeps the default. */
  public static final class Builder {
    private String region;
    private URI endpoint;
    private boolean pathStyle;
    private Path caBundle;
    private String accessKeyId;
    private String secretAccessKey;
    private String profile;
    private Sse sse = Sse.NONE;
    private String kmsKeyId;
    private long partSize = DEFAULT_PART_SIZE;
    private int maxPartsInFlight = DEFAULT_MAX_PARTS_IN_FLIGHT;
    private Integer objectLockDays;
    private ObjectLock.Mode objectLockMode;

    private Builder() {}

    public Builder region(String region) {
      this.region = region;
      return this;
    }

    public Builder endpoint(URI endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    public Builder pathStyle(Boolean pathStyle) {
      if (pathStyle != null) {
        this.pathStyle = pathStyle;
      }
      return this;
    }

    public Builder caBundle(Path caBundle) {
      this.caBundle = caBundle;
      return this;
    }

    /** An explicit key pair; both or neither. */
    public Builder credentials(String accessKeyId, String secretAccessKey) {
      this.accessKeyId = accessKeyId;
      this.secretAccessKey = secretAccessKey;
      return this;
    }

    /**
     * {@code --s3-access-key-id} with the secret given as text ({@code --s3-secret-access-key}) or
     * in a file ({@code --s3-secret-access-key-file}, read here, stripped); at most one of the two.
     * All null: the SDK's default credential chain.
     */
    public Builder credentials(String accessKeyId, String secret, Path secretFile) {
      if (secretFile != null) {
        if (secret != null) {
          throw new InvalidInputException("--s3-secret-access-key and --s3-secret-access-key-file are both given: use one");
        }
        try {
          secret = java.nio.file.Files.readString(secretFile, java.nio.charset.StandardCharsets.UTF_8).strip();
        } catch (java.io.IOException e) {
          throw new InvalidInputException("--s3-secret-access-key-file (" + secretFile + ") cannot be read: "
              + e.getMessage());
        }
      }
      if (accessKeyId != null || secret != null) {
        credentials(accessKeyId, secret);
      }
      return this;
    }

    public Builder profile(String profile) {
      this.profile = profile;
      return this;
    }

    public Builder sse(Sse sse) {
      if (sse != null) {
        this.sse = sse;
      }
      return this;
    }

    /** {@code none}, {@code AES256} or {@code aws:kms}, as given on the command line. */
    public Builder sse(String sse) {
      if (sse != null && !sse.isBlank()) {
        this.sse = Sse.parse(sse);
      }
      return this;
    }

    public Builder kmsKeyId(String kmsKeyId) {
      this.kmsKeyId = kmsKeyId;
      return this;
    }

    public Builder partSize(Long partSize) {
      if (partSize != null) {
        this.partSize = partSize;
      }
      return this;
    }

    public Builder maxPartsInFlight(Integer maxPartsInFlight) {
      if (maxPartsInFlight != null) {
        this.maxPartsInFlight = maxPartsInFlight;
      }
      return this;
    }

    /** {@code --s3-object-lock-days}: lock new backups for this many days; null: no lock. */
    public Builder objectLockDays(Integer days) {
      this.objectLockDays = days;
      return this;
    }

    /** {@code --s3-object-lock-mode}; null keeps GOVERNANCE. Needs {@link #objectLockDays}. */
    public Builder objectLockMode(ObjectLock.Mode mode) {
      this.objectLockMode = mode;
      return this;
    }

    /** {@code GOVERNANCE} or {@code COMPLIANCE} as given on the command line, in any case. */
    public Builder objectLockMode(String mode) {
      this.objectLockMode = mode == null || mode.isBlank() ? null : ObjectLock.Mode.parse(mode);
      return this;
    }

    /** Validates; throws {@link InvalidInputException} naming the flag, its value and the rule. */
    public StoreOptions build() {
      return new StoreOptions(region, endpoint, pathStyle, caBundle, accessKeyId, secretAccessKey,
          profile, sse, kmsKeyId, partSize, maxPartsInFlight, objectLock());
    }

    private ObjectLock objectLock() {
      if (objectLockDays == null) {
        if (objectLockMode != null) {
          throw new InvalidInputException("--s3-object-lock-mode (" + objectLockMode
              + ") needs --s3-object-lock-days as well");
        }
        return null;
      }
      checkObjectLockDays(objectLockDays);
      // GOVERNANCE by default: an administrator holding s3:BypassGovernanceRetention can still
      // remove a backup written by mistake; COMPLIANCE binds everyone, root included, so it is
      // only ever what the user asked for.
      return new ObjectLock(objectLockMode == null ? ObjectLock.Mode.GOVERNANCE : objectLockMode,
          Duration.ofDays(objectLockDays));
    }
  }
}
