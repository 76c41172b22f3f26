package io.etcdbackup.scheduler;

import io.etcdbackup.core.CancelledException;
import io.etcdbackup.core.metrics.MetricNames;
import io.etcdbackup.core.metrics.RunMetrics;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Durations;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.scheduler.http.HealthCheck;
import io.etcdbackup.scheduler.http.ListenAddress;
import io.etcdbackup.scheduler.http.MetricsServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.quartz.CronScheduleBuilder;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code etcd-backup schedule}: the jobs of a {@link ScheduleConfig} on Quartz (RAMJobStore, one
 * thread per job, no job concurrent with itself), with {@code /metrics /healthz /readyz /status},
 * until cancelled (docs/scheduler.md).
 *
 * <p>Misfires: Quartz fires a trigger it missed while running once ({@code FireAndProceed}); a
 * fire missed while the daemon was down is found through {@link FireLog} under {@code --state-dir}
 * and runs once at start, however many were missed.
 *
 * <p>Stop: when {@code stop} fires, no new fire starts; a job under way has {@code shutdownGrace}
 * to finish, then its {@link Cancellation} fires (the engine aborts its upload and writes no
 * manifest) and the daemon waits for it to end.
 */
public final class ScheduleDaemon {
  private static final Logger LOG = LoggerFactory.getLogger(ScheduleDaemon.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  /** How often /readyz's store figures are refreshed. */
  static final Duration READY_REFRESH = Duration.ofSeconds(5);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /**
   * @param shutdownGrace how long a running job may go on after the stop (default 30s)
   * @param maxBackupAge /readyz fails on the leader while the newest backup is older
   * @param stateDir where {@link FireLog} keeps the last fires; empty: no catch-up at start
   */
  public record Options(ListenAddress listen, Duration shutdownGrace, Optional<Duration> maxBackupAge,
      Optional<Path> stateDir) {
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);

    public Options {
      Objects.requireNonNull(listen, "listen");
      shutdownGrace = Objects.requireNonNullElse(shutdownGrace, DEFAULT_SHUTDOWN_GRACE);
      if (shutdownGrace.isNegative()) {
        throw new io.etcdbackup.core.InvalidInputException("--shutdown-grace (" + shutdownGrace + ") must not be negative");
      }
      maxBackupAge.filter(d -> d.isZero() || d.isNegative()).ifPresent(d -> {
        throw new io.etcdbackup.core.InvalidInputException("--max-backup-age (" + Durations.format(d) + ") must be positive");
      });
    }
  }

  private final ScheduleConfig config;
  private final Options options;
  private final JobRunner runner;
  private final BackupRepository repository;
  private final Leadership leadership;
  private final Clock clock;
  private final FireLog fires;
  private final String cluster;
  private final Map<String, JobState> states = new LinkedHashMap<>();
  private final Map<String, Cancellation> running = new ConcurrentHashMap<>();
  private final AtomicReference<Optional<String>> storeProblem = new AtomicReference<>(Optional.of("not read yet"));
  private final AtomicReference<Optional<Instant>> newestBackup = new AtomicReference<>(Optional.empty());
  private volatile boolean stopping;
  private volatile Scheduler quartz;
  private volatile RunMetrics metrics;
  private volatile InetSocketAddress bound;

  public ScheduleDaemon(ScheduleConfig config, Options options, JobRunner runner, BackupRepository repository,
      Leadership leadership, Clock clock) {
    this.config = config;
    this.options = options;
    this.runner = runner;
    this.repository = repository;
    this.leadership = leadership;
    this.clock = clock;
    this.fires = options.stateDir().map(FireLog::in).orElse(FireLog.none());
    this.cluster = config.clusterName().orElse(RunMetrics.UNKNOWN_CLUSTER);
    config.jobs().forEach(j -> states.put(j.name(), new JobState(j)));
  }

  /** What a job did last, for /status; guarded by itself. */
  private static final class JobState {
    final ScheduleConfig.Job job;
    Instant lastStart;
    Instant lastEnd;
    String lastOutcome;
    String lastReason;
    Duration lastDuration;
    boolean runningNow;

    JobState(ScheduleConfig.Job job) {
      this.job = job;
    }
  }

  /** The address /metrics listens on, once {@link #run} has bound it (for tests on port 0). */
  public Optional<InetSocketAddress> address() {
    return Optional.ofNullable(bound);
  }

  /**
   * Checks that the store answers (a store that does not is a start-up error: {@link
   * io.etcdbackup.core.StoreException}), binds the listener, schedules every job and serves until
   * {@code stop} fires; then stops as the class says and returns.
   */
  public void run(Cancellation stop) {
    repository.series();
    storeProblem.set(Optional.empty());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Instant now = clock.instant();
    // One RunMetrics for the store (two on one registry would clash on its gauges); the expected
    // interval is that of the most frequent backup job, so that one alert rule fits the schedule.
    Optional<Duration> expected = config.jobs().stream().filter(j -> j.kind() == ScheduleConfig.Kind.BACKUP)
        .map(j -> j.intervalAfter(now)).flatMap(Optional::stream).min(Comparator.naturalOrder());
    metrics = new RunMetrics(registry, MetricNames.storeKind(repository.store().location()), expected, clock);
    ScheduledExecutorService readiness = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ready-refresh");
      t.setDaemon(true);
      return t;
    });
    try (MetricsServer server = MetricsServer.start(options.listen(), registry, Map.of(), readyChecks(), this::statusJson)) {
      bound = server.address();
      quartz = startQuartz();
      leadership.start(this::leadershipLost);
      readiness.scheduleWithFixedDelay(this::refreshReadiness, 0, READY_REFRESH.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("scheduling cluster={} jobs={} store={} listen={} role={}", cluster, config.jobs().size(),
          repository.store().location(), server.address(), leadership.role());
      stop.awaitCancelled();
      LOG.info("stopping cluster={}: {}", cluster, stop.why());
      shutDown();
    } finally {
      readiness.shutdownNow();
      registry.close();
    }
  }

  private Scheduler startQuartz() {
    Properties p = new Properties();
    // a name of its own: Quartz keeps schedulers by name in a JVM-wide repository
    p.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME, "etcd-backup-" + INSTANCES.incrementAndGet());
    p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
    p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
    // one thread per job: a long backup never holds back the verify job's fire
    p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(config.jobs().size()));
    p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
    p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
    p.setProperty("org.quartz.jobStore.misfireThreshold", "1000");
    try {
      Scheduler s = new StdSchedulerFactory(p).getScheduler();
      s.setJobFactory((bundle, sched) -> new Fire(this));
      Instant now = clock.instant();
      for (ScheduleConfig.Job j : config.jobs()) {
        JobDetail detail = JobBuilder.newJob(Fire.class).withIdentity(j.name()).storeDurably().build();
        Trigger cron = TriggerBuilder.newTrigger().withIdentity(j.name()).forJob(detail)
            .withSchedule(CronScheduleBuilder.cronSchedule(j.cronExpression()).inTimeZone(java.util.TimeZone.getTimeZone(j.timeZone()))
                .withMisfireHandlingInstructionFireAndProceed()).build();
        s.scheduleJob(detail, cron);
        fires.last(j.name()).ifPresent(last -> {
          Optional<Instant> missed = j.nextFireAfter(last).filter(n -> n.isBefore(now));
          missed.ifPresent(m -> {
            LOG.info("catching up cluster={} job={} last-fire={} missed-since={}: one run now", cluster, j.name(), last, m);
            try {
              s.scheduleJob(TriggerBuilder.newTrigger().withIdentity(j.name() + "-catch-up").forJob(detail).startNow().build());
            } catch (SchedulerException e) {
              throw new IllegalStateException(e);
            }
          });
        });
      }
      s.start();
      return s;
    } catch (SchedulerException e) {
      throw new IllegalStateException("cannot start the scheduler: " + e.getMessage(), e);
    }
  }

  /** The Quartz job: one fire of the job its key names. */
  @DisallowConcurrentExecution
  public static final class Fire implements Job {
    private final ScheduleDaemon daemon;

    Fire(ScheduleDaemon daemon) {
      this.daemon = daemon;
    }

    @Override
    public void execute(JobExecutionContext context) {
      daemon.fire(context.getJobDetail().getKey().getName(), context.getScheduledFireTime().toInstant());
    }
  }

  private void fire(String name, Instant scheduled) {
    JobState state = states.get(name);
    ScheduleConfig.Job job = state.job;
    if (stopping) {
      return;
    }
    if (!leadership.isLeader()) {
      LOG.debug("skipped cluster={} job={}: role={}", cluster, name, leadership.role());
      return;
    }
    Cancellation cancel = Cancellation.create().deadline(job.timeout(), "the timeout of job " + name);
    running.put(name, cancel);
    if (!leadership.isLeader()) { // lost between the check and the put: leadershipLost may have missed it
      running.remove(name);
      cancel.close();
      return;
    }
    long t0 = System.nanoTime();
    synchronized (state) {
      state.lastStart = clock.instant();
      state.runningNow = true;
    }
    LOG.info("job start cluster={} job={} kind={} fire={}", cluster, name, job.kind().label(), scheduled);
    JobRunner.Result result;
    try {
      if (!job.jitter().isZero()) {
        cancel.sleep(Duration.ofMillis(ThreadLocalRandom.current().nextLong(job.jitter().toMillis() + 1)));
      }
      result = runner.run(job, metrics.listener(config.clusterName()), cancel);
    } catch (CancelledException e) {
      result = new JobRunner.Result(Reason.CANCELLED, cancel.why());
    } catch (RuntimeException e) {
      LOG.error("job failed cluster={} job={}", cluster, name, e);
      result = JobRunner.Result.failed(e);
    } finally {
      running.remove(name);
      cancel.close();
    }
    Duration took = Duration.ofNanos(System.nanoTime() - t0).truncatedTo(ChronoUnit.MILLIS);
    String outcome = result.ok() ? MetricNames.SUCCESS : MetricNames.FAILURE;
    synchronized (state) {
      state.lastEnd = clock.instant();
      state.lastOutcome = outcome;
      state.lastReason = result.reason().label();
      state.lastDuration = took;
      state.runningNow = false;
    }
    String line = "job end cluster={} job={} outcome={} reason={} duration={}: {}";
    if (result.ok()) {
      LOG.info(line, cluster, name, outcome, result.reason().label(), Durations.format(took), result.message());
    } else {
      LOG.warn(line, cluster, name, outcome, result.reason().label(), Durations.format(took), result.message());
    }
    if (result.ok() && job.kind() == ScheduleConfig.Kind.BACKUP) {
      refreshReadiness(); // so that /readyz sees the new backup now, not at its next refresh
    }
    if (result.reason() != Reason.CANCELLED) {
      try {
        fires.record(name, scheduled);
      } catch (RuntimeException e) {
        LOG.warn("cluster={} job={}: {}", cluster, name, e.getMessage());
      }
    }
  }

  /** A replica that is no longer the leader runs nothing: its running jobs are cancelled at once. */
  private void leadershipLost(String why) {
    running.forEach((name, c) -> {
      LOG.warn("cancelling cluster={} job={}: {}", cluster, name, why);
      c.cancel(why);
    });
  }

  private void shutDown() {
    stopping = true;
    Scheduler s = quartz;
    try {
      s.standby();
      long end = System.nanoTime() + options.shutdownGrace().toNanos();
      while (!running.isEmpty() && System.nanoTime() < end) {
        Thread.sleep(50);
      }
      running.forEach((name, c) -> {
        LOG.info("cancelling cluster={} job={}: still running after --shutdown-grace {}", cluster, name,
            Durations.format(options.shutdownGrace()));
        c.cancel("the daemon is stopping and --shutdown-grace " + Durations.format(options.shutdownGrace()) + " has passed");
      });
      s.shutdown(true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.values().forEach(c -> c.cancel("interrupted while stopping"));
    } catch (SchedulerException e) {
      LOG.warn("cluster={}: the scheduler did not stop cleanly: {}", cluster, e.getMessage());
    }
  }

  private Map<String, HealthCheck> readyChecks() {
    Map<String, HealthCheck> m = new LinkedHashMap<>();
    m.put("config", () -> Optional.empty()); // loaded and checked before the daemon exists
    m.put("store", storeProblem::get);
    options.maxBackupAge().ifPresent(max -> m.put("backup-age", () -> {
      if (!leadership.isLeader()) {
        return Optional.empty(); // a standby is ready as a standby
      }
      Optional<Instant> newest = newestBackup.get();
      if (newest.isEmpty()) {
        return Optional.of("no backup in the store yet");
      }
      Duration age = Duration.between(newest.get(), clock.instant());
      return age.compareTo(max) > 0 ? Optional.of("the newest backup is " + Durations.format(age.truncatedTo(ChronoUnit.SECONDS))
          + " old, more than --max-backup-age " + Durations.format(max)) : Optional.empty();
    }));
    return m;
  }

  /** Reads the store for /readyz: cheap enough every few seconds (one listing; the manifests of one series). */
  private void refreshReadiness() {
    try {
      repository.series();
      storeProblem.set(Optional.empty());
      if (options.maxBackupAge().isPresent()) {
        try {
          String series = repository.resolveSeries(config.clusterName());
          newestBackup.set(repository.list(series).stream().map(Manifest::startedAt).max(Comparator.naturalOrder()));
        } catch (io.etcdbackup.core.NotFoundException e) {
          newestBackup.set(Optional.empty());
        }
      }
    } catch (RuntimeException e) {
      storeProblem.set(Optional.of("the store " + repository.store().location() + " does not answer: " + e.getMessage()));
    }
  }

  String statusJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("role", leadership.role());
    leadership.leader().ifPresent(l -> root.put("leader", l));
    root.put("cluster", cluster);
    root.put("stopping", stopping);
    ArrayNode jobs = root.putArray("jobs");
    for (JobState s : states.values()) {
      ObjectNode j = jobs.addObject();
      j.put("name", s.job.name());
      j.put("kind", s.job.kind().label());
      j.put("cron", s.job.cron());
      j.put("timeZone", s.job.timeZone().getId());
      nextFire(s.job.name()).ifPresent(t -> j.put("nextFire", t.toString()));
      synchronized (s) {
        j.put("running", s.runningNow);
        if (s.lastStart != null) {
          j.put("lastStart", s.lastStart.toString());
        }
        if (s.lastOutcome != null) {
          j.put("lastEnd", s.lastEnd.toString());
          j.put("lastOutcome", s.lastOutcome);
          j.put("lastReason", s.lastReason);
          j.put("lastDuration", Durations.format(s.lastDuration));
        }
      }
    }
    return JSON.writeValueAsString(root);
  }

  private Optional<Instant> nextFire(String job) {
    Scheduler s = quartz;
    if (s == null || stopping) {
      return Optional.empty();
    }
    try {
      Trigger t = s.getTrigger(TriggerKey.triggerKey(job));
      return Optional.ofNullable(t).map(Trigger::getNextFireTime).map(java.util.Date::toInstant);
    } catch (SchedulerException e) {
      return Optional.empty();
    }
  }

}
