package io.etcdbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.run.DrillMode;
import io.etcdbackup.core.store.BackupSelector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A drill request is validated once; messages name the option, the value and the rule. */
class DrillRequestTest {
  @TempDir Path dir;

  @Test
  void defaultsToTheLatestBackupOfflineWithASixtySecondBoot() {
    DrillRequest r = new DrillRequest(Optional.empty(), null, Optional.empty(), dir, Optional.empty(), null);
    assertThat(r.selector()).isEqualTo(new BackupSelector.Latest());
    assertThat(r.mode()).isEqualTo(DrillMode.OFFLINE);
    assertThat(r.bootTimeout()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void anExecutableBinaryMakesABootDrill() throws Exception {
    Path etcd = Files.writeString(dir.resolve("etcd"), "#!/bin/sh\n");
    etcd.toFile().setExecutable(true);
    assertThat(new DrillRequest(Optional.of("prod"), null, Optional.empty(), dir, Optional.of(etcd), null).mode())
        .isEqualTo(DrillMode.BOOT);
  }

  @Test
  void refusesWhatCannotWork() throws Exception {
    Path notExecutable = Files.writeString(dir.resolve("etcd.txt"), "");
    assertThatThrownBy(() -> new DrillRequest(Optional.empty(), null, Optional.empty(), dir,
        Optional.of(notExecutable), null)).isInstanceOf(InvalidInputException.class)
        .hasMessage("--drill-etcd (" + notExecutable + ") must be an executable etcd binary");
    assertThatThrownBy(() -> new DrillRequest(Optional.empty(), null, Optional.empty(), dir.resolve("missing"),
        Optional.empty(), null)).hasMessageContaining("--scratch-dir").hasMessageContaining("existing directory");
    assertThatThrownBy(() -> new DrillRequest(Optional.empty(), null, Optional.empty(), dir, Optional.empty(),
        Duration.ZERO)).hasMessage("--drill-boot-timeout (PT0S) must be positive");
  }
}
