package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.ProjectPaths;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The alerting rules that ship in the chart ({@code charts/etcd-backup/files/alerts.yaml}) pass
 * {@code promtool check rules} and their unit tests ({@code alerts.test.yaml}, {@code promtool test
 * rules}), every alert is tested firing and silent, and every runbook link has its section in
 * docs/runbook.md. promtool comes from Debian's {@code prometheus} package (scripts/test.sh
 * installs it); without it these tests fail, never skip.
 */
class AlertRulesIT {
  private static final Path FILES = ProjectPaths.root().resolve("charts/etcd-backup/files");
  private static final Path RULES = FILES.resolve("alerts.yaml");
  private static final Path TESTS = FILES.resolve("alerts.test.yaml");
  private static final Path RUNBOOK = ProjectPaths.root().resolve("docs/runbook.md");
  private static final String RUNBOOK_URL = "https://github.com/etcd-backup/etcd-backup/blob/main/docs/runbook.md#";

  @Test
  void promtoolChecksTheRules() {
    assertPromtool("check", "rules", RULES.toString());
  }

  @Test
  void promtoolUnitTestsPass() {
    assertPromtool("test", "rules", TESTS.toString());
  }

  @Test
  void everyAlertIsTestedFiringAndSilent() throws IOException {
    Set<String> alerts = matches(RULES, "^\\s*- alert:\\s*(\\S+)");
    assertThat(alerts).contains("EtcdBackupTooOld", "EtcdBackupPushTooOld", "EtcdBackupFailing",
        "EtcdBackupMissing", "EtcdBackupVerifyFailed", "EtcdBackupStoreUnreadable", "EtcdRestoreDrillStale",
        "EtcdRestoreDrillFailed");

    // An alert_rule_test is "alertname: X" followed by "exp_alerts: []" (silent) or "exp_alerts:" (fires).
    Set<String> firing = new TreeSet<>();
    Set<String> silent = new TreeSet<>();
    String alertname = null;
    for (String line : Files.readAllLines(TESTS)) {
      String t = line.strip();
      if (t.startsWith("alertname:")) {
        alertname = t.substring("alertname:".length()).strip();
      } else if (alertname != null && t.startsWith("exp_alerts:")) {
        (t.endsWith("[]") ? silent : firing).add(alertname);
        alertname = null;
      }
    }
    assertThat(firing).as("alerts with a test case that fires").containsAll(alerts);
    assertThat(silent).as("alerts with a test case that stays silent").containsAll(alerts);
  }

  @Test
  void everyRunbookUrlHasItsSectionInTheRunbook() throws IOException {
    Set<String> anchors = matches(RULES, "runbook_url:\\s*\"" + Pattern.quote(RUNBOOK_URL) + "([^\"]+)\"");
    assertThat(anchors).hasSize(8);
    // GitHub's anchor of a heading: lower case, spaces to hyphens, other punctuation dropped.
    Set<String> headings = new TreeSet<>();
    for (String h : matches(RUNBOOK, "^#{1,6}\\s+(.+?)\\s*$")) {
      headings.add(h.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
    }
    assertThat(headings).containsAll(anchors);
  }

  /** Runs promtool; its exit code must be 0, and what it printed is the failure message otherwise. */
  private static void assertPromtool(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(promtool().toString());
    cmd.addAll(List.of(args));
    Exec.Result r = Exec.run(cmd, FILES, Duration.ofMinutes(5));
    assertThat(r.exitCode()).as("%s exited %d:%n%s%s", String.join(" ", cmd), r.exitCode(), r.stdout(), r.stderr())
        .isZero();
  }

  /** promtool on PATH, else Debian's /usr/bin/promtool; a missing one fails the test with how to install it. */
  static Path promtool() {
    Stream<Path> onPath = Stream.of(Optional.ofNullable(System.getenv("PATH")).orElse("").split(File.pathSeparator))
        .filter(d -> !d.isBlank()).map(d -> Path.of(d, "promtool"));
    return Stream.concat(onPath, Stream.of(Path.of("/usr/bin/promtool")))
        .filter(Files::isExecutable).findFirst()
        .orElseThrow(() -> new IllegalStateException("promtool not found on PATH or at /usr/bin/promtool: install "
            + "Debian's prometheus package (apt-get install prometheus; scripts/test.sh does it)"));
  }

  /** The first group of {@code regex} on every line of {@code file} where it is found. */
  private static Set<String> matches(Path file, String regex) throws IOException {
    Pattern p = Pattern.compile(regex);
    Set<String> found = new LinkedHashSet<>();
    for (String line : Files.readAllLines(file)) {
      Matcher m = p.matcher(line);
      if (m.find()) {
        found.add(m.group(1));
      }
    }
    return found;
  }
}
