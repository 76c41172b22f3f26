package io.etcdbackup.core.backup;

import io.etcdbackup.core.run.Phase;
import io.etcdbackup.core.run.Run;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.store.StoredObject;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/** The one place a backup's manifest is put together, from what each stage established. */
final class ManifestAssembly {
  private ManifestAssembly() {}

  /** Who the backup belongs to and when it ran. */
  record Identity(String id, String cluster, String clusterIdHex, Instant started, Instant completed, String toolVersion) {}

  /** What the encode stage produced and the store holds. */
  record Stored(String objectName, StoredObject object, String sha256, Manifest.Retention retention) {}

  static Manifest assemble(Identity who, Verification.Result checks, byte[] rawSha, Stored stored,
      BackupRequest request, Run run) {
    MemberSelector.Candidate source = checks.source();
    var c = request.encoding().compression();
    var e = request.encoding().encryption();
    long raftTerm = checks.raftTerm() != null ? checks.raftTerm() : source.status().raftTerm();
    // The attempt that succeeded; stream and upload overlap, so they do not add up to the total.
    Manifest.Timings timings = new Manifest.Timings(run.millis(Phase.STREAM), run.millis(Phase.CHECK),
        run.millis(Phase.UPLOAD), run.elapsed().toMillis());
    return new Manifest(Manifest.FORMAT_VERSION, who.id(), who.cluster(), who.clusterIdHex(), who.started(),
        who.completed(),
        new Manifest.Source(source.member().idHex(), source.member().name(), source.endpoint().toString(),
            source.status().version(), source.status().isLeader()),
        checks.status().revision(), raftTerm, checks.raftIndex(), checks.status().totalKey(), checks.status().hash(),
        checks.status().totalSize(), HexFormat.of().formatHex(rawSha), stored.objectName(), stored.object().size(),
        stored.sha256(),
        new Manifest.Transforms(c.algorithm().label(), c.level(), e.isPresent() ? "age-x25519" : "none",
            e.map(a -> a.fingerprints()).orElse(List.of())),
        timings, who.toolVersion(), new Manifest.Verification("ok", "ok", "ok", checks.hashKv()), request.labels(),
        stored.retention(), null);
  }
}
