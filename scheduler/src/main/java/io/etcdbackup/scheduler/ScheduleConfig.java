package io.etcdbackup.scheduler;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.backup.BackupRequest;
import io.etcdbackup.core.etcd.EtcdConnectionConfig;
import io.etcdbackup.core.retention.RetentionPolicy;
import io.etcdbackup.core.run.Durations;
import io.etcdbackup.core.run.Sizes;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.ManifestKey;
import io.etcdbackup.storage.StoreOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;
import org.quartz.CronExpression;
import tools.jackson.core.JacksonException;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * What {@code etcd-backup schedule --config FILE} runs, read from YAML and checked once (docs/scheduler.md).
 * Keys are spelled like the CLI's flags, without the dashes in front. Every mistake is one line that
 * names the file and the key: an unknown key, a bad value, a cron expression Quartz refuses, a
 * secret or certificate file that cannot be read.
 *
 * @param file where it was read from (for messages and the reload)
 * @param clusterName the backup series; empty: {@code etcd-<cluster id>} as {@code snapshot} names it
 * @param etcd how to reach the cluster (the password read from its file already)
 * @param store where backups go
 * @param spoolDir where runs spool (default: the temp dir)
 * @param jobs in file order, names unique
 */
public record ScheduleConfig(Path file, Optional<String> clusterName, EtcdConnectionConfig etcd, Store store,
    Optional<Path> spoolDir, List<Job> jobs) {

  public ScheduleConfig {
    jobs = List.copyOf(jobs);
  }

  /** The store's location and S3 settings. */
  /** @param manifestKey signs what backup jobs commit, and is demanded of what verify jobs and drills read */
  public record Store(String uri, StoreOptions options, Optional<ManifestKey> manifestKey) {}

  /** Job kinds: a backup (then retention), a re-check of stored backups, a restore drill. */
  public enum Kind {
    BACKUP, VERIFY, DRILL;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One scheduled job.
   *
   * @param cron a Quartz cron expression (seconds first: {@code 0 *}{@code /15 * * * ?})
   * @param timeZone of the cron expression (default UTC)
   * @param jitter each fire waits a random time below this before it runs (default 0: none)
   * @param timeout a run still going after this is cancelled (default 0: none)
   */
  public record Job(String name, Kind kind, String cron, ZoneId timeZone, Duration jitter, Duration timeout,
      Spec spec) {
    /** A fresh parsed expression (Quartz' own is mutable and not thread-safe). */
    public CronExpression cronExpression() {
      try {
        CronExpression e = new CronExpression(cron);
        e.setTimeZone(TimeZone.getTimeZone(timeZone));
        return e;
      } catch (ParseException e) {
        throw new IllegalStateException("validated already: " + cron, e);
      }
    }

    /** The next fire strictly after {@code t}, if the expression has one. */
    public Optional<Instant> nextFireAfter(Instant t) {
      return Optional.ofNullable(cronExpression().getNextValidTimeAfter(Date.from(t))).map(Date::toInstant);
    }

    /** The time between the first two fires after {@code t}: what the metrics export as the expected interval. */
    public Optional<Duration> intervalAfter(Instant t) {
      return nextFireAfter(t).flatMap(a -> nextFireAfter(a).map(b -> Duration.between(a, b)));
    }
  }

  /** What a job does, by kind. */
  public sealed interface Spec permits BackupSpec, VerifySpec, DrillSpec {}

  /** A backup: the same request {@code snapshot} builds, then retention when {@code request} has a policy. */
  public record BackupSpec(BackupRequest request) implements Spec {}

  /**
   * Re-check stored backups.
   *
   * @param newest how many of the newest (empty: all)
   * @param identityFile age identities, for encrypted backups
   */
  public record VerifySpec(Optional<Integer> newest, Optional<Path> identityFile) implements Spec {}

  /**
   * A restore drill of the newest backup (docs/scheduler.md): download, every check, a native
   * restore into a scratch directory, and with {@code drillEtcd} a real etcd booted on it.
   *
   * @param identityFile age identities, for encrypted backups
   * @param scratchDir where each drill makes (and removes) its directory; default the spool dir
   * @param drillEtcd the etcd binary to boot ({@code drill-etcd}); empty: an offline drill
   * @param bootTimeout how long the booted etcd may take to be healthy
   */
  public record DrillSpec(Optional<Path> identityFile, Optional<Path> scratchDir, Optional<Path> drillEtcd,
      Optional<Duration> bootTimeout) implements Spec {}

  private static final YAMLMapper YAML = YAMLMapper.builder().build();
  private static final Set<String> BACKUP_KEYS = Set.of("compression", "compression-level", "compression-workers",
      "encrypt-to", "recipients-file", "verify-hashkv", "leftover-grace", "keep-last", "keep-within", "keep-hourly",
      "keep-daily", "keep-weekly", "keep-monthly", "keep-yearly", "max-total-size", "min-keep", "prune-grace");
  private static final Set<String> VERIFY_KEYS = Set.of("newest", "identity-file");
  private static final Set<String> DRILL_KEYS = Set.of("identity-file", "scratch-dir", "drill-etcd",
      "drill-boot-timeout");

  /**
   * The environment variables a key of the file falls back to when the file leaves it out: the
   * variable of the CLI flag of the same name ({@code s3-region}: {@code ETCD_BACKUP_S3_REGION}),
   * and for the connection keys etcdctl's too ({@code ETCDCTL_ENDPOINTS}); {@code store.uri} has
   * {@code ETCD_BACKUP_STORE_URI}. The file wins where it has the key, as a flag wins over its
   * variable. Jobs come from the file only.
   */
  static final Map<String, List<String>> ENV_KEYS = envKeys();

  private static Map<String, List<String>> envKeys() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (String k : List.of("cluster-name", "spool-dir")) {
      m.put(k, List.of(envName("ETCD_BACKUP_", k)));
    }
    for (String k : List.of("endpoints", "cacert", "cert", "key", "user", "insecure-skip-tls-verify", "dial-timeout",
        "command-timeout")) {
      m.put("etcd." + k, List.of(envName("ETCD_BACKUP_", k), envName("ETCDCTL_", k)));
    }
    m.put("etcd.password-file", List.of(envName("ETCD_BACKUP_", "password-file")));
    m.put("store.uri", List.of("ETCD_BACKUP_STORE_URI"));
    for (String k : List.of("s3-region", "s3-endpoint", "s3-path-style", "s3-ca-bundle", "s3-access-key-id",
        "s3-secret-access-key-file", "s3-profile", "s3-sse", "s3-sse-kms-key-id", "s3-part-size", "s3-max-parts-in-flight",
        "s3-object-lock-days", "s3-object-lock-mode", "manifest-signing-key")) {
      m.put("store." + k, List.of(envName("ETCD_BACKUP_", k)));
    }
    return Map.copyOf(m);
  }

  private static String envName(String prefix, String key) {
    return prefix + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** Reads and checks {@code file}. @throws InvalidInputException naming the file and the key */
  public static ScheduleConfig load(Path file) {
    return load(file, Map.of());
  }

  /** As {@link #load(Path)}, with {@code env} filling the keys the file leaves out ({@link #ENV_KEYS}). */
  public static ScheduleConfig load(Path file, Map<String, String> env) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InvalidInputException("--config (" + file + ") cannot be read: " + e.getMessage(), e);
    }
    return parse(file, text, env);
  }

  static ScheduleConfig parse(Path file, String text) {
    return parse(file, text, Map.of());
  }

  /** Checks {@code text} as if read from {@code file} (relative paths in it stay relative to the working directory). */
  static ScheduleConfig parse(Path file, String text, Map<String, String> env) {
    Object root;
    try {
      root = YAML.readValue(text, Object.class);
    } catch (JacksonException e) {
      throw new InvalidInputException(file + ": not valid YAML: " + e.getOriginalMessage().lines().findFirst().orElse(""), e);
    }
    if (root == null) {
      throw new InvalidInputException(file + ": the file is empty: it needs at least etcd, store and jobs");
    }
    Section top = new Section(file, "", root).fallingBackTo(env);
    Optional<String> clusterName = top.string("cluster-name").map(v -> top.check("cluster-name", () -> Layout.checkClusterName(v)));
    // a section the environment can fill may be left out of the file
    EtcdConnectionConfig etcd = etcd(top.section("etcd").orElseGet(() -> top.emptySection("etcd")).fallingBackTo(env));
    Store store = store(top.section("store").orElseGet(() -> top.emptySection("store")).fallingBackTo(env));
    Optional<Path> spoolDir = top.path("spool-dir");
    List<Section> jobSections = top.sections("jobs");
    if (jobSections.isEmpty()) {
      throw top.error("jobs", "must list at least one job");
    }
    top.done();
    List<Job> jobs = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Section s : jobSections) {
      Job j = job(s, clusterName, spoolDir);
      if (!names.add(j.name())) {
        throw s.error("name", "(" + j.name() + ") is used by an earlier job: names must be unique");
      }
      jobs.add(j);
    }
    return new ScheduleConfig(file, clusterName, etcd, store, spoolDir, jobs);
  }

  private static EtcdConnectionConfig etcd(Section s) {
    Object raw = s.raw("endpoints").orElseThrow(() -> s.missing("endpoints"));
    String endpoints = raw instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : String.valueOf(raw);
    Optional<Path> cacert = s.file("cacert");
    Optional<Path> cert = s.file("cert");
    Optional<Path> key = s.file("key");
    if (cert.isPresent() != key.isPresent()) {
      throw s.error(cert.isPresent() ? "key" : "cert", "is missing: cert and key go together");
    }
    Optional<String> user = s.string("user");
    Optional<Path> passwordFile = s.file("password-file");
    if (passwordFile.isPresent() && user.isEmpty()) {
      throw s.error("password-file", "is given without user");
    }
    Optional<String> password = passwordFile.map(p -> s.check("password-file", () -> EtcdConnectionConfig.readPasswordFile(p)));
    boolean insecure = s.bool("insecure-skip-tls-verify").orElse(false);
    Duration dial = s.duration("dial-timeout").orElse(null);
    Duration command = s.duration("command-timeout").orElse(null);
    s.done();
    boolean tls = cacert.isPresent() || cert.isPresent() || insecure;
    return s.check("endpoints", () -> new EtcdConnectionConfig(EtcdConnectionConfig.parseEndpoints(endpoints, tls),
        cacert, cert, key, user, password, insecure, dial, command));
  }

  private static Store store(Section s) {
    String uri = s.string("uri").orElseThrow(() -> s.missing("uri"));
    StoreOptions.Builder b = StoreOptions.builder();
    s.string("s3-region").ifPresent(b::region);
    s.string("s3-endpoint").ifPresent(v -> b.endpoint(s.check("s3-endpoint", () -> URI.create(v))));
    s.bool("s3-path-style").ifPresent(b::pathStyle);
    s.file("s3-ca-bundle").ifPresent(b::caBundle);
    Optional<String> keyId = s.string("s3-access-key-id");
    Optional<Path> secretFile = s.file("s3-secret-access-key-file");
    s.string("s3-profile").ifPresent(b::profile);
    s.string("s3-sse").ifPresent(v -> s.check("s3-sse", () -> b.sse(v)));
    s.string("s3-sse-kms-key-id").ifPresent(b::kmsKeyId);
    s.size("s3-part-size").ifPresent(b::partSize);
    s.integer("s3-max-parts-in-flight").ifPresent(b::maxPartsInFlight);
    s.integer("s3-object-lock-days").ifPresent(b::objectLockDays);
    s.string("s3-object-lock-mode").ifPresent(b::objectLockMode);
    Optional<ManifestKey> manifestKey = s.file("manifest-signing-key")
        .map(p -> s.check("manifest-signing-key", () -> ManifestKey.fromFile(p)));
    s.done();
    StoreOptions options = s.check("store", () -> b.credentials(keyId.orElse(null), null, secretFile.orElse(null)).build());
    return new Store(uri, options, manifestKey);
  }

  private static Job job(Section s, Optional<String> clusterName, Optional<Path> spoolDir) {
    String name = s.string("name").orElseThrow(() -> s.missing("name"));
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
      throw s.error("name", "(" + name + ") must be 1-63 letters, digits and ._- (it names the job's state file)");
    }
    Section j = s.named(name);
    String kindText = j.string("kind").orElseThrow(() -> j.missing("kind"));
    Kind kind = switch (kindText) {
      case "backup" -> Kind.BACKUP;
      case "verify" -> Kind.VERIFY;
      case "drill" -> Kind.DRILL;
      default -> throw j.error("kind", "(" + kindText + ") must be one of backup, verify, drill");
    };
    String cron = j.string("cron").orElseThrow(() -> j.missing("cron"));
    try {
      CronExpression.validateExpression(cron);
    } catch (ParseException e) {
      throw j.error("cron", "('" + cron + "') is not a Quartz cron expression (seconds minutes hours day-of-month month "
          + "day-of-week, e.g. '0 */15 * * * ?'): " + e.getMessage());
    }
    ZoneId zone = j.string("time-zone").map(z -> j.check("time-zone", () -> zone(z))).orElse(ZoneId.of("UTC"));
    Duration jitter = j.duration("jitter").orElse(Duration.ZERO);
    Duration timeout = j.duration("timeout").orElse(Duration.ZERO);
    Spec spec;
    try {
      spec = switch (kind) {
        case BACKUP -> backup(j, clusterName, spoolDir, timeout);
        case VERIFY -> verify(j);
        case DRILL -> drill(j);
      };
    } catch (InvalidInputException e) {
      // a misspelt key is the cause of what follows from its absence (min-keep without keep-lst): name it first
      j.skipRest(kind);
      j.done();
      throw e;
    }
    j.done();
    Job job = new Job(name, kind, cron, zone, jitter, timeout, spec);
    if (job.nextFireAfter(Instant.now()).isEmpty()) {
      throw j.error("cron", "('" + cron + "') never fires again");
    }
    return job;
  }

  private static ZoneId zone(String z) {
    try {
      return ZoneId.of(z);
    } catch (DateTimeException e) {
      throw new InvalidInputException("(" + z + ") is not a time zone (UTC, Europe/Berlin, +02:00)");
    }
  }

  private static BackupSpec backup(Section j, Optional<String> clusterName, Optional<Path> spoolDir, Duration timeout) {
    String compression = j.string("compression").orElse("zstd");
    Integer level = j.integer("compression-level").orElse(null);
    Integer workers = j.integer("compression-workers").orElse(null);
    List<String> encryptTo = j.strings("encrypt-to");
    Path recipients = j.file("recipients-file").orElse(null);
    boolean hashKv = j.bool("verify-hashkv").orElse(false);
    Duration leftoverGrace = j.duration("leftover-grace").orElse(null);
    RetentionPolicy policy = j.check("retention", () -> RetentionPolicy.builder()
        .keepLast(j.integer("keep-last").orElse(null)).keepWithin(j.duration("keep-within").orElse(null))
        .keepHourly(j.integer("keep-hourly").orElse(null)).keepDaily(j.integer("keep-daily").orElse(null))
        .keepWeekly(j.integer("keep-weekly").orElse(null)).keepMonthly(j.integer("keep-monthly").orElse(null))
        .keepYearly(j.integer("keep-yearly").orElse(null)).maxTotalSize(j.size("max-total-size").orElse(null))
        .minKeep(j.integer("min-keep").orElse(null)).pruneGrace(j.duration("prune-grace").orElse(null)).build());
    if (policy.isEmpty() && (j.seen("min-keep") || j.seen("prune-grace"))) {
      throw j.error(j.seen("min-keep") ? "min-keep" : "prune-grace", "is given without a retention rule: add one of "
          + "keep-last, keep-within, keep-hourly, keep-daily, keep-weekly, keep-monthly, keep-yearly, max-total-size");
    }
    BackupRequest request = j.check("backup", () -> BackupRequest.builder().clusterName(clusterName.orElse(null))
        .spoolDir(spoolDir.orElse(null)).compression(compression, level, workers).encryptTo(encryptTo)
        .recipientsFile(recipients).verifyHashKv(hashKv).leftoverGrace(leftoverGrace).timeout(timeout)
        .retention(policy.isEmpty() ? null : policy).build());
    return new BackupSpec(request);
  }

  private static DrillSpec drill(Section j) {
    Optional<Path> scratch = j.path("scratch-dir");
    scratch.filter(p -> !Files.isDirectory(p)).ifPresent(p -> {
      throw j.error("scratch-dir", "(" + p + ") is not a directory");
    });
    Optional<Path> etcd = j.path("drill-etcd");
    etcd.filter(p -> !Files.isRegularFile(p) || !Files.isExecutable(p)).ifPresent(p -> {
      throw j.error("drill-etcd", "(" + p + ") is not an executable file");
    });
    Optional<Duration> boot = j.duration("drill-boot-timeout");
    boot.filter(d -> d.isZero() || d.isNegative()).ifPresent(d -> {
      throw j.error("drill-boot-timeout", "(" + d + ") must be positive");
    });
    return new DrillSpec(j.file("identity-file"), scratch, etcd, boot);
  }

  private static VerifySpec verify(Section j) {
    Optional<Integer> newest = j.integer("newest");
    newest.filter(n -> n < 1).ifPresent(n -> {
      throw j.error("newest", "(" + n + ") must be at least 1");
    });
    return new VerifySpec(newest, j.file("identity-file"));
  }

  /**
   * One mapping of the file, at {@code path}: typed getters that remember which keys were read,
   * so that {@link #done} can name a key nothing read (a typo) as the error it is.
   */
  private static final class Section {
    private final Path file;
    private final String path;
    private final Map<String, Object> values;
    private final Set<String> read = new HashSet<>();
    /** Keys taken from the environment, with the variable each came from (for messages). */
    private final Map<String, String> fromEnv = new HashMap<>();

    Section(Path file, String path, Object node) {
      this.file = file;
      this.path = path;
      if (!(node instanceof Map<?, ?> m)) {
        throw new InvalidInputException(file + ": " + (path.isEmpty() ? "the top level" : path)
            + " must be a mapping of keys to values");
      }
      Map<String, Object> copy = new LinkedHashMap<>();
      m.forEach((k, v) -> copy.put(String.valueOf(k), v));
      this.values = copy;
    }

    private Section(Section other, String path) {
      this.file = other.file;
      this.path = path;
      this.values = other.values;
      this.read.addAll(other.read);
    }

    /** An empty mapping at {@code k}, for a section the environment fills. */
    Section emptySection(String k) {
      return new Section(file, key(k), new LinkedHashMap<>());
    }

    /**
     * Fills the keys of {@link #ENV_KEYS} that this mapping leaves out from {@code env}, each
     * value read as a YAML scalar (so that {@code true} and {@code 8} have the types the file's would).
     */
    Section fallingBackTo(Map<String, String> env) {
      ENV_KEYS.forEach((fullKey, vars) -> {
        int dot = fullKey.lastIndexOf('.');
        String sectionPath = dot < 0 ? "" : fullKey.substring(0, dot);
        String k = fullKey.substring(dot + 1);
        if (!sectionPath.equals(path) || values.get(k) != null) {
          return;
        }
        for (String var : vars) {
          String v = env.get(var);
          if (v != null && !v.isEmpty()) {
            Object scalar;
            try {
              scalar = YAML.readValue(v, Object.class);
            } catch (JacksonException e) {
              scalar = v;
            }
            values.put(k, scalar == null || scalar instanceof Map || scalar instanceof List ? v : scalar);
            fromEnv.put(k, var);
            return;
          }
        }
      });
      return this;
    }

    /** The same mapping, its keys named under {@code jobs[<name>]} once the name is known. */
    Section named(String name) {
      return new Section(this, "jobs[" + name + "]");
    }

    String key(String k) {
      String name = path.isEmpty() ? k : path + "." + k;
      String var = fromEnv.get(k);
      return var == null ? name : name + " (from " + var + ")";
    }

    InvalidInputException error(String k, String problem) {
      return new InvalidInputException(file + ": " + key(k) + " " + problem);
    }

    InvalidInputException missing(String k) {
      String full = path.isEmpty() ? k : path + "." + k;
      List<String> vars = ENV_KEYS.getOrDefault(full, List.of());
      return new InvalidInputException(file + ": " + key(k) + " is missing"
          + (vars.isEmpty() ? "" : " (or set " + vars.get(0) + ")"));
    }

    boolean seen(String k) {
      return values.get(k) != null;
    }

    /** Runs a check of the core's, prefixing its message with the file and this key. */
    <T> T check(String k, java.util.function.Supplier<T> f) {
      try {
        return f.get();
      } catch (InvalidInputException e) {
        if (e.getMessage().startsWith(file + ": ")) {
          throw e; // one of this file's own, from a getter inside f
        }
        throw new InvalidInputException(file + ": " + key(k) + ": " + e.getMessage(), e);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(file + ": " + key(k) + ": " + e.getMessage(), e);
      }
    }

    Optional<Object> raw(String k) {
      read.add(k);
      return Optional.ofNullable(values.get(k));
    }

    Optional<String> string(String k) {
      return raw(k).map(v -> {
        if (v instanceof Map || v instanceof List) {
          throw error(k, "must be a single value");
        }
        return String.valueOf(v);
      });
    }

    List<String> strings(String k) {
      return raw(k).map(v -> v instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of(String.valueOf(v)))
          .orElse(List.of());
    }

    Optional<Integer> integer(String k) {
      return raw(k).map(v -> {
        if (v instanceof Integer i) {
          return i;
        }
        throw error(k, "(" + v + ") must be a whole number");
      });
    }

    Optional<Boolean> bool(String k) {
      return raw(k).map(v -> {
        if (v instanceof Boolean b) {
          return b;
        }
        throw error(k, "(" + v + ") must be true or false");
      });
    }

    Optional<Duration> duration(String k) {
      return string(k).map(v -> {
        Duration d = check(k, () -> Durations.parse(v));
        if (d.isNegative()) {
          throw error(k, "(" + v + ") must not be negative");
        }
        return d;
      });
    }

    Optional<Long> size(String k) {
      return raw(k).map(v -> v instanceof Number n ? n.longValue() : check(k, () -> Sizes.parse(String.valueOf(v))));
    }

    Optional<Path> path(String k) {
      return string(k).map(Path::of);
    }

    /** A file that must be readable now: a missing secret or certificate is a start-up error, not a 3 a.m. one. */
    Optional<Path> file(String k) {
      return path(k).map(p -> {
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
          throw error(k, "(" + p + ") is not a readable file");
        }
        return p;
      });
    }

    Optional<Section> section(String k) {
      return raw(k).map(v -> new Section(file, key(k), v));
    }

    List<Section> sections(String k) {
      Optional<Object> v = raw(k);
      if (v.isEmpty()) {
        return List.of();
      }
      if (!(v.get() instanceof List<?> l)) {
        throw error(k, "must be a list");
      }
      List<Section> out = new ArrayList<>();
      for (int i = 0; i < l.size(); i++) {
        out.add(new Section(file, key(k) + "[" + i + "]", l.get(i)));
      }
      return out;
    }

    /** Marks every key of {@code kind}'s spec read, so that {@link #done} names only the unknown ones. */
    void skipRest(Kind kind) {
      read.addAll(switch (kind) {
        case BACKUP -> BACKUP_KEYS;
        case VERIFY -> VERIFY_KEYS;
        case DRILL -> DRILL_KEYS;
      });
    }

    /** Fails on the first key nothing read. */
    void done() {
      for (String k : values.keySet()) {
        if (!read.contains(k)) {
          throw new InvalidInputException(file + ": unknown key " + key(k));
        }
      }
    }
  }
}
