package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.snapshot.SnapshotInspector;
import io.etcdbackup.core.snapshot.SnapshotStatus;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.stream.AgeDecryption;
import io.etcdbackup.core.stream.Compression;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.ProjectPaths;
import io.etcdbackup.testing.RestoredEtcd;
import io.etcdbackup.testing.SampleData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Faults during restore (issue 13), against backups of a real etcd 3.5: the stored object damaged
 * bit by bit, cut at the boundaries of its own formats (zstd frames and blocks, RFC 8878; age
 * STREAM chunks, age v1 spec), and the restore process itself killed with SIGKILL. Whatever
 * happens, a restore either writes a complete data dir or none, says why with exit 5 (integrity)
 * or 8 (refused for safety), and leaves no spool of its own behind once the next run is over.
 *
 * <p>Random choices (offsets, bits, kill delays) come from one seed, printed in every assertion
 * message and settable with {@code -Dfaults.seed=N} to replay a failure. {@code -Dsoak=true} kills
 * the restore 20 times instead of 5 (the default keeps the class within about 90 s).
 */
@ExtendWith(RestoredEtcd.Logs.class)
class RestoreFaultsIT {
  private static final boolean SOAK = Boolean.getBoolean("soak");
  private static final long SEED = Long.getLong("faults.seed", System.nanoTime());
  private static final int FLIPS = 50;
  /** Of the flips, every fifth also runs a restore: 10 of 50. */
  private static final int RESTORE_EVERY = 5;
  private static final int KILLS = SOAK ? 20 : 5;
  private static final long MIB = 1L << 20;
  /** age STREAM: 64 KiB of plaintext a chunk, sealed with a 16-byte Poly1305 tag (age v1 spec, "Payload"). */
  private static final int AGE_CHUNK = 64 * 1024 + 16;
  private static final int AGE_NONCE = 16;
  private static final String OURS = "etcd-backup-";

  @RegisterExtension
  static final EtcdClusterExtension ETCD = new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1));

  @TempDir
  static Path shared;

  static AgeKeys keys;
  /** Small backups (history and ~1.5 MiB of values): zstd, and zstd then age. */
  static Backup zstd;
  static Backup age;
  /** A large one (~50 MiB db) that takes the restore process a second or more. */
  static Backup big;
  /** The restored member's peer URL in the SIGKILL test, on a free port so that it can boot. */
  static String peerUrl;

  /** One backup in a local store of its own. */
  record Backup(Path store, String id, String object, long dbSize, long revision, boolean encrypted) {
    Path objectIn(Path storeCopy) {
      return storeCopy.resolve(Layout.objectKey("f", id, object));
    }

    Path manifestIn(Path storeCopy) {
      return storeCopy.resolve(Layout.manifestKey("f", id));
    }
  }

  @BeforeAll
  static void backups() throws Exception {
    EtcdCluster c = ETCD.cluster();
    SampleData.history(c.client());
    // enough that the object spans several zstd blocks and several age chunks
    SampleData.bulk(c.client(), "/registry/configmaps/small/", 3 * MIB / 2, 4096, 11);
    keys = AgeKeys.generate(shared, "faults");
    zstd = backup(c, "zstd");
    age = backup(c, "age", "--encrypt-to", keys.recipient());
    assertThat(zstd.object()).endsWith(".zst");
    assertThat(age.object()).endsWith(".zst.age");
    SampleData.bulk(c.client(), "/registry/configmaps/big/", 40 * MIB, 16 * 1024, 12);
    big = backup(c, "big");
    System.out.printf("RestoreFaultsIT seed=%d soak=%s small db=%d big db=%d stored=%d%n", SEED, SOAK, zstd.dbSize(),
        big.dbSize(), Files.size(big.objectIn(big.store())));
  }

  private static Backup backup(EtcdCluster c, String name, String... more) {
    Path store = shared.resolve("store-" + name);
    List<String> args = new ArrayList<>(List.of("--to", store.toString(), "--cluster-name", "f", "-o", "json"));
    args.addAll(List.of(more));
    Cli.Result r = new Cli().run(c.tlsFlags(), "snapshot", args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode m = Formats.JSON.readTree(r.out()).get("manifest");
    return new Backup(store, m.get("id").asString(), m.get("object").asString(), m.get("dbSize").asLong(),
        m.get("revision").asLong(), more.length > 0);
  }

  // ---------------------------------------------------------------------------------------------
  // 1. bit flips

  /**
   * One bit flipped at 50 offsets of the stored object, each on its own (the original written back
   * between flips): 5 in the first 16 bytes (zstd magic, frame header descriptor and window; age
   * version line), 5 in the first KiB (age recipient stanza and header MAC), 5 in the last 64
   * bytes (zstd content checksum, the final age chunk's tag), 35 anywhere. Verify fails every time with
   * exit 5 and one line naming the backup; every fifth flip restore does too, and writes nothing.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"zstd", "age"})
  void everyFlippedBitIsRefusedByVerifyAndRestore(String kind, @TempDir Path tmp) throws Exception {
    Backup b = kind.equals("age") ? age : zstd;
    Path copy = Stores.copyLocal(b.store(), tmp.resolve("store"));
    Path spool = Files.createDirectories(tmp.resolve("spool"));
    Path object = b.objectIn(copy);
    byte[] original = Files.readAllBytes(object);
    Cli.Result clean = verify(b, copy, spool);
    assertThat(clean.exitCode()).as("the untouched copy verifies: %s", clean).isZero();

    Random rnd = new Random(SEED ^ kind.hashCode());
    for (int i = 0; i < FLIPS; i++) {
      int offset = i < 5 ? rnd.nextInt(16) : i < 10 ? rnd.nextInt(1024)
          : i < 15 ? original.length - 1 - rnd.nextInt(64) : rnd.nextInt(original.length);
      int bit = rnd.nextInt(8);
      byte[] flipped = original.clone();
      flipped[offset] ^= (byte) (1 << bit);
      Files.write(object, flipped);
      String at = "seed " + SEED + ", " + kind + " object of " + original.length + " bytes, flip " + i + ": bit " + bit
          + " of byte " + offset;

      Cli.Result v = verify(b, copy, spool);
      assertThat(v.exitCode()).as("%s: verify %s", at, v).isEqualTo(ExitCodes.INTEGRITY);
      assertThat(v.err().strip().lines()).as("%s: verify %s", at, v).hasSize(1)
          .allSatisfy(line -> assertThat(line).contains("backup " + b.id()));
      assertThat(spool).as("%s: the spool after verify", at).isEmptyDirectory();

      if (i % RESTORE_EVERY == 0) {
        Path target = tmp.resolve("t.etcd");
        Cli.Result r = restore(b, copy, target, spool);
        assertThat(r.exitCode()).as("%s: restore %s", at, r).isEqualTo(ExitCodes.INTEGRITY);
        assertThat(r.err().strip().lines()).as("%s: restore %s", at, r).hasSize(1)
            .allSatisfy(line -> assertThat(line).contains("backup " + b.id()));
        assertNothingWritten(target, spool, at);
      }
      Files.write(object, original);
    }
    Cli.Result after = verify(b, copy, spool);
    assertThat(after.exitCode()).as("the original written back verifies again: %s", after).isZero();
  }

  // ---------------------------------------------------------------------------------------------
  // 2. cuts at the formats' own boundaries

  /**
   * The zstd object cut where its format has a seam, found by parsing it (RFC 8878 section 3.1.1):
   * after the frame header, at block boundaries, after a block header, inside a block, before the
   * content checksum, one byte short; and at the end of every frame but the last. The manifest is
   * rewritten to vouch for the cut object (size and stored SHA-256), so the store's own checks
   * cannot catch it: the decoder, or the raw SHA-256 behind it, must. Restore exits 5 and writes
   * nothing; and the decoder alone fails on every cut inside a frame, never ending cleanly.
   */
  @Test
  void aZstdObjectCutAtAFrameOrBlockBoundaryIsRefused(@TempDir Path tmp) throws Exception {
    byte[] whole = Files.readAllBytes(zstd.objectIn(zstd.store()));
    List<ZstdFrame> frames = ZstdFrame.parseAll(whole);
    ZstdFrame first = frames.get(0);
    ZstdFrame last = frames.get(frames.size() - 1);
    assertThat(first.blockStarts()).as("blocks of the first frame").hasSizeGreaterThan(2);
    System.out.printf("RestoreFaultsIT zstd object %d bytes: %d frame(s), %d blocks in the first%n", whole.length,
        frames.size(), first.blockStarts().size());

    Map<String, Integer> cuts = new LinkedHashMap<>();
    cuts.put("after the frame header", first.headerEnd());
    cuts.put("after the first block", first.blockStarts().get(1));
    cuts.put("after the header of the second block", first.blockStarts().get(1) + 3);
    cuts.put("inside the second block", first.blockStarts().get(1) + 3 + (first.blockStarts().get(2)
        - first.blockStarts().get(1) - 3) / 2);
    cuts.put("at the last block boundary", last.blockStarts().get(last.blockStarts().size() - 1));
    cuts.put("before the content checksum", last.blocksEnd());
    cuts.put("one byte short", whole.length - 1);
    Map<String, Integer> frameEnds = new LinkedHashMap<>();
    for (int f = 0; f < frames.size() - 1; f++) {
      frameEnds.put("at the end of frame " + f + " (a valid, shorter zstd stream)", frames.get(f).end());
    }
    Compression zst = Compression.forReading(Compression.Algorithm.ZSTD);
    for (Map.Entry<String, Integer> cut : cuts.entrySet()) {
      byte[] prefix = Arrays.copyOf(whole, cut.getValue());
      assertThatThrownBy(() -> readAll(zst.decompress(new ByteArrayInputStream(prefix))))
          .as("zstd decoder, cut %s at %d of %d", cut.getKey(), cut.getValue(), whole.length)
          .isInstanceOf(IOException.class);
    }
    cuts.putAll(frameEnds);
    for (Map.Entry<String, Integer> cut : cuts.entrySet()) {
      restoreOfCutObjectIsRefused(zstd, tmp.resolve("cut-" + cut.getValue()), cut.getKey(), cut.getValue());
    }
  }

  /**
   * The age object (zstd then age) cut after its header, after the payload nonce, and exactly after
   * a full 64 KiB chunk: every chunk left authenticates, but none carries the final-chunk flag (the
   * last nonce byte, age v1 spec "Payload"), so only that missing flag tells the cut from the end.
   * As above, the manifest vouches for the cut object; restore exits 5 and writes nothing, and the
   * age decoder alone refuses each cut rather than ending cleanly.
   */
  @Test
  void anAgeObjectCutAtAChunkBoundaryIsRefused(@TempDir Path tmp) throws Exception {
    byte[] whole = Files.readAllBytes(age.objectIn(age.store()));
    int headerEnd = ageHeaderEnd(whole);
    int payload = headerEnd + AGE_NONCE;
    int chunks = (whole.length - payload + AGE_CHUNK - 1) / AGE_CHUNK;
    assertThat(chunks).as("age chunks in an object of %d bytes", whole.length).isGreaterThan(2);
    System.out.printf("RestoreFaultsIT age object %d bytes: header %d bytes, %d chunks%n", whole.length, headerEnd,
        chunks);

    Map<String, Integer> cuts = new LinkedHashMap<>();
    cuts.put("after the header", headerEnd);
    cuts.put("after the payload nonce (no chunk at all)", payload);
    cuts.put("after the first full chunk", payload + AGE_CHUNK);
    cuts.put("after the second full chunk", payload + 2 * AGE_CHUNK);
    cuts.put("after the last full chunk, before the final one", payload + (chunks - 1) * AGE_CHUNK);
    AgeDecryption decryption = AgeDecryption.withIdentities(AgeDecryption.readIdentityFile(keys.identityFile()));
    for (Map.Entry<String, Integer> cut : cuts.entrySet()) {
      byte[] prefix = Arrays.copyOf(whole, cut.getValue());
      assertThatThrownBy(() -> readAll(decryption.decrypt(new ByteArrayInputStream(prefix), "cut")))
          .as("age decoder, cut %s at %d of %d", cut.getKey(), cut.getValue(), whole.length)
          .isInstanceOf(IntegrityException.class);
    }
    for (Map.Entry<String, Integer> cut : cuts.entrySet()) {
      restoreOfCutObjectIsRefused(age, tmp.resolve("cut-" + cut.getValue()), cut.getKey(), cut.getValue());
    }
  }

  /** Restore of {@code b} cut to {@code length} bytes, under a manifest that vouches for the cut. */
  private static void restoreOfCutObjectIsRefused(Backup b, Path dir, String where, int length) throws Exception {
    Path copy = Stores.copyLocal(b.store(), dir.resolve("store"));
    Path spool = Files.createDirectories(dir.resolve("spool"));
    byte[] cut = Arrays.copyOf(Files.readAllBytes(b.objectIn(copy)), length);
    Files.write(b.objectIn(copy), cut);
    ObjectNode manifest = (ObjectNode) Formats.JSON.readTree(Files.readAllBytes(b.manifestIn(copy)));
    manifest.put("storedSize", cut.length);
    manifest.put("sha256Stored", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cut)));
    Files.write(b.manifestIn(copy), Formats.JSON.writeValueAsBytes(manifest));

    Path target = dir.resolve("t.etcd");
    Cli.Result r = restore(b, copy, target, spool);
    String at = b.object() + " cut " + where + " (" + length + " bytes)";
    assertThat(r.exitCode()).as("%s: %s", at, r).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(r.err().strip().lines()).as("%s: %s", at, r).hasSize(1)
        .allSatisfy(line -> assertThat(line).contains("backup " + b.id()));
    assertNothingWritten(target, spool, at);
  }

  /** Where the age header ends: after the line {@code --- <base64 MAC>} (age v1 spec, "Header"). */
  private static int ageHeaderEnd(byte[] b) {
    byte[] intro = "age-encryption.org/v1\n".getBytes(StandardCharsets.US_ASCII);
    assertThat(Arrays.copyOf(b, intro.length)).as("age version line").isEqualTo(intro);
    for (int i = intro.length; i + 4 < b.length; i++) {
      if (b[i - 1] == '\n' && b[i] == '-' && b[i + 1] == '-' && b[i + 2] == '-' && b[i + 3] == ' ') {
        for (int j = i + 4; j < b.length; j++) {
          if (b[j] == '\n') {
            return j + 1;
          }
        }
      }
    }
    throw new AssertionError("no age MAC line");
  }

  /**
   * One zstd frame's seams (RFC 8878 section 3.1.1): where its header ends, where each block
   * header starts, where the last block ends (the content checksum follows, if the frame has one)
   * and where the frame ends.
   */
  record ZstdFrame(int headerEnd, List<Integer> blockStarts, int blocksEnd, int end) {
    private static final int MAGIC = 0xFD2FB528;

    static List<ZstdFrame> parseAll(byte[] b) {
      List<ZstdFrame> frames = new ArrayList<>();
      int at = 0;
      while (at < b.length) {
        ZstdFrame f = parse(b, at);
        frames.add(f);
        at = f.end();
      }
      assertThat(at).as("the frames cover the object exactly").isEqualTo(b.length);
      return frames;
    }

    static ZstdFrame parse(byte[] b, int start) {
      assertThat(le(b, start, 4)).as("zstd magic at %d", start).isEqualTo(MAGIC & 0xFFFFFFFFL);
      int descriptor = b[start + 4] & 0xFF;
      int fcsFlag = descriptor >>> 6;
      boolean singleSegment = (descriptor & 0x20) != 0;
      boolean checksum = (descriptor & 0x04) != 0;
      int dictFlag = descriptor & 0x03;
      int at = start + 5;
      at += singleSegment ? 0 : 1; // Window_Descriptor
      at += new int[] {0, 1, 2, 4}[dictFlag]; // Dictionary_ID
      at += new int[] {singleSegment ? 1 : 0, 2, 4, 8}[fcsFlag]; // Frame_Content_Size
      int headerEnd = at;
      List<Integer> blocks = new ArrayList<>();
      boolean lastBlock = false;
      while (!lastBlock) {
        blocks.add(at);
        int header = (int) le(b, at, 3);
        lastBlock = (header & 1) != 0;
        int type = (header >>> 1) & 3;
        int size = header >>> 3;
        assertThat(type).as("block type at %d (3 is reserved)", at).isNotEqualTo(3);
        at += 3 + (type == 1 ? 1 : size); // an RLE block holds one byte, repeated size times
      }
      int blocksEnd = at;
      return new ZstdFrame(headerEnd, List.copyOf(blocks), blocksEnd, at + (checksum ? 4 : 0));
    }

    private static long le(byte[] b, int at, int n) {
      long v = 0;
      for (int i = n - 1; i >= 0; i--) {
        v = (v << 8) | (b[at + i] & 0xFF);
      }
      return v;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 3. SIGKILL

  /**
   * {@code bin/etcd-backup restore} of the large backup, as a real process, killed with SIGKILL at
   * {@link #KILLS} seeded points: half of them (rounded down) spread over the time before the write
   * begins (start-up, download, checks), timed from the start of the process; the others spread
   * over the write itself, timed from the moment its {@code .part} dir (or the data dir) appears,
   * so that they land there whatever the machine's speed. The phases' lengths come from an
   * uninterrupted run first.
   *
   * <p>After each kill the data dir is absent or complete (its db passes the bbolt check with the
   * figures of the uninterrupted restore, and it has a WAL segment), never half written. A second
   * run without {@code --force} then succeeds, or refuses with exit 8 naming what is in the way
   * (the leftover {@code .part} dir, or the complete data dir); {@code --force} then succeeds. Once
   * a run succeeded, no spool of ours is left in --spool-dir: the killed run's were swept. The
   * last data dir boots a real etcd 3.5 that serves the backup's revision.
   */
  @Test
  void aRestoreKilledAtAnyPointLeavesAWholeDataDirOrNoneAndTheNextRunRecovers(@TempDir Path tmp) throws Exception {
    peerUrl = "http://127.0.0.1:" + EtcdCluster.freePorts(1)[0];
    long t0 = System.nanoTime();
    Exec.Result version = Exec.run(List.of(script(), "--version"), tmp, Duration.ofMinutes(1));
    long startup = System.nanoTime() - t0;
    assertThat(version.exitCode()).as(version.toString()).isZero();

    // The uninterrupted run, watched: when its download spool appears, when the write begins, when
    // it ends. The kills are spread over these phases.
    Path baselineDir = Files.createDirectories(tmp.resolve("baseline"));
    Path baseline = baselineDir.resolve("k.etcd");
    Watched whole = Watched.run(restoreCommand(baseline, baselineDir.resolve("spool")), baselineDir, 0);
    assertThat(whole.exitCode()).as("the uninterrupted restore; stderr: %s", whole.stderr()).isZero();
    assertThat(whole.writeSeen()).as("the write was seen while the uninterrupted restore ran").isPositive();
    SnapshotStatus expected = SnapshotInspector.status(baseline.resolve("member/snap/db"));
    System.out.printf("RestoreFaultsIT uninterrupted restore: spool at %d ms, write at %d ms, done at %d ms "
        + "(JVM start alone %d ms)%n", ms(whole.spoolSeen()), ms(whole.writeSeen()), ms(whole.ended()), ms(startup));

    Random rnd = new Random(SEED);
    int writeKills = (KILLS + 1) / 2;
    int earlyKills = KILLS - writeKills;
    List<String> outcomes = new ArrayList<>();
    Exec.Result lastOk = null;
    for (int i = 0; i < KILLS; i++) {
      Path dir = Files.createDirectories(tmp.resolve("kill-" + i));
      Path target = dir.resolve("k.etcd");
      Path part = dir.resolve("k.etcd.part");
      Path spool = dir.resolve("spool");
      Watched killed;
      String when;
      if (i < earlyKills) {
        // one stratum each of [half the JVM's start-up, the write], a seeded point in it
        long from = startup / 2;
        long span = Math.max(1, whole.writeSeen() - from);
        long delay = from + (long) (span * (i + rnd.nextDouble()) / earlyKills);
        when = ms(delay) + " ms after the start";
        killed = Watched.run(restoreCommand(target, spool), dir, delay);
      } else {
        // one stratum each of the write (from its first sign to the end of the run)
        int k = i - earlyKills;
        long span = Math.max(1, whole.ended() - whole.writeSeen());
        long delay = (long) (span * (k + rnd.nextDouble()) / writeKills);
        when = ms(delay) + " ms into the write";
        killed = Watched.killIntoWrite(restoreCommand(target, spool), dir, delay);
      }
      String at = "seed " + SEED + ", kill " + i + " " + when + " (an uninterrupted run: " + ms(whole.ended()) + " ms)";
      assertThat(killed.exitCode()).as("%s: finished before the kill, or killed; stderr: %s", at, killed.stderr())
          .isIn(0, 137);
      boolean finished = killed.exitCode() == 0;
      boolean complete = Files.exists(target);
      if (complete) {
        assertComplete(target, expected, at + ": the data dir the killed run left");
      }
      boolean partLeft = Files.exists(part);
      int spoolsLeft = ours(spool).size();

      Exec.Result again = Exec.run(restoreCommand(target, spool), dir, Duration.ofMinutes(5));
      String next;
      if (again.exitCode() == 0) {
        assertThat(complete || partLeft).as("%s: nothing was in the way of the second run: %s", at, again).isFalse();
        next = "second run ok";
        lastOk = again;
      } else {
        assertThat(again.exitCode()).as("%s: the second run %s", at, again).isEqualTo(ExitCodes.REFUSED);
        assertThat(complete || partLeft).as("%s: refused, so something was in the way: %s", at, again).isTrue();
        // the one error line names what is in the way (the log lines before it do not count)
        assertThat(again.stderr().lines().filter(l -> l.startsWith("etcd-backup: ")))
            .as("%s: %s", at, again).singleElement(as(STRING)).contains(partLeft ? part.toString() : target.toString());
        Exec.Result forced = Exec.run(restoreCommand(target, spool, "--force"), dir, Duration.ofMinutes(5));
        assertThat(forced.exitCode()).as("%s: --force %s", at, forced).isZero();
        next = "second run refused (exit 8), --force ok";
        lastOk = forced;
      }
      assertComplete(target, expected, at + ": after the next run");
      assertThat(part).as(at).doesNotExist();
      assertThat(ours(spool)).as("%s: spools of ours once a run succeeded", at).isEmpty();
      String outcome = "kill " + i + " " + when + ": " + (finished ? "finished first" : "killed")
          + ", data dir " + (complete ? "complete" : "absent") + (partLeft ? ", .part left" : "") + ", " + spoolsLeft
          + " spool file(s) left; " + next;
      outcomes.add(outcome);
      System.out.println("RestoreFaultsIT " + outcome);
    }
    assertThat(outcomes).hasSize(KILLS);

    // The last data dir, written by the run after a kill, is one etcd starts from, at the backup's revision.
    JsonNode member = Formats.JSON.readTree(lastOk.stdout()).get("members").get(0);
    List<String> flags = new ArrayList<>();
    member.get("etcdFlags").forEach(f -> flags.add(f.asString()));
    try (RestoredEtcd etcd = RestoredEtcd.start(EtcdVersion.V3_5, List.of(new RestoredEtcd.MemberFlags("k", flags)), tmp,
        null, null)) {
      assertThat(etcd.client().getKVClient().get(SampleData.bytes("/registry/configmaps/big/00000000")).get()
          .getHeader().getRevision()).as("seed %d: the revision etcd serves", SEED).isEqualTo(big.revision());
    }
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  /**
   * A restore process run and watched: when a spool of ours was first seen, and the write (its
   * {@code .part} dir, or the data dir itself: the test does not take the staging for granted), in
   * nanoseconds from its start, 0 if never; when it ended, and how.
   */
  record Watched(int exitCode, long spoolSeen, long writeSeen, long ended, String stderr) {
    /** Runs {@code cmd} in {@code dir}; kills it with SIGKILL after {@code killAfter} ns unless 0. */
    static Watched run(List<String> cmd, Path dir, long killAfter) throws Exception {
      return watch(cmd, dir, false, killAfter);
    }

    /** Runs {@code cmd}; kills it with SIGKILL {@code delay} ns after its write was first seen. */
    static Watched killIntoWrite(List<String> cmd, Path dir, long delay) throws Exception {
      return watch(cmd, dir, true, delay);
    }

    private static Watched watch(List<String> cmd, Path dir, boolean afterPart, long delay) throws Exception {
      Path err = dir.resolve("restore-" + System.nanoTime() + ".err");
      Path spool = Path.of(cmd.get(cmd.indexOf("--spool-dir") + 1));
      Path target = Path.of(cmd.get(cmd.indexOf("--data-dir") + 1));
      Path part = Path.of(target + ".part");
      long t0 = System.nanoTime();
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(err.toFile()).start();
      long spoolSeen = 0;
      long writeSeen = 0;
      long deadline = t0 + TimeUnit.MINUTES.toNanos(5);
      while (!p.waitFor(2, TimeUnit.MILLISECONDS)) {
        long now = System.nanoTime();
        if (now > deadline) {
          p.destroyForcibly();
          throw new AssertionError("the restore did not end within 5 minutes: " + cmd);
        }
        if (spoolSeen == 0 && !ours(spool).isEmpty()) {
          spoolSeen = now - t0;
        }
        if (writeSeen == 0 && (Files.exists(part) || Files.exists(target))) {
          writeSeen = now - t0;
        }
        long killAt = !afterPart ? (delay > 0 ? delay : Long.MAX_VALUE)
            : (writeSeen > 0 ? writeSeen + delay : Long.MAX_VALUE);
        if (now - t0 >= killAt) {
          p.destroyForcibly(); // SIGKILL: no finally, no shutdown hook runs
          assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("gone after SIGKILL").isTrue();
          break;
        }
      }
      return new Watched(p.exitValue(), spoolSeen, writeSeen, System.nanoTime() - t0, Files.readString(err));
    }
  }

  /** The restored data dir is whole: a WAL segment, and a db with the figures of an uninterrupted restore. */
  private static void assertComplete(Path dataDir, SnapshotStatus expected, String at) throws IOException {
    Path db = dataDir.resolve("member/snap/db");
    assertThat(db).as(at).isRegularFile();
    assertThat(SnapshotInspector.status(db)).as("%s: bbolt check and figures of %s", at, db).isEqualTo(expected);
    try (Stream<Path> wal = Files.list(dataDir.resolve("member/wal"))) {
      assertThat(wal.map(f -> f.getFileName().toString())).as(at).anyMatch(n -> n.endsWith(".wal"));
    }
  }

  private static String script() {
    return ProjectPaths.root().resolve("bin/etcd-backup").toString();
  }

  /** The restore of the large backup, as member {@code k} with its peer on {@code peerUrl}. */
  private static List<String> restoreCommand(Path target, Path spool, String... more) {
    List<String> cmd = new ArrayList<>(List.of(script(), "restore", "--from", big.store().toString(), big.id(),
        "--data-dir", target.toString(), "--spool-dir", spool.toString(), "--name", "k", "--initial-cluster",
        "k=" + peerUrl, "--initial-advertise-peer-urls", peerUrl, "-o", "json"));
    cmd.addAll(List.of(more));
    return cmd;
  }

  // ---------------------------------------------------------------------------------------------

  private static Cli.Result verify(Backup b, Path store, Path spool) {
    List<String> args = new ArrayList<>(List.of("verify", "--from", store.toString(), b.id(), "--spool-dir",
        spool.toString()));
    if (b.encrypted()) {
      args.addAll(List.of("--identity-file", keys.identityFile().toString()));
    }
    return new Cli().run(args.toArray(String[]::new));
  }

  private static Cli.Result restore(Backup b, Path store, Path target, Path spool) {
    List<String> args = new ArrayList<>(List.of("restore", "--from", store.toString(), b.id(), "--data-dir",
        target.toString(), "--spool-dir", spool.toString()));
    if (b.encrypted()) {
      args.addAll(List.of("--identity-file", keys.identityFile().toString()));
    }
    return new Cli().run(args.toArray(String[]::new));
  }

  private static void assertNothingWritten(Path target, Path spool, String at) throws IOException {
    assertThat(target).as("%s: the data dir", at).doesNotExist();
    assertThat(target.resolveSibling(target.getFileName() + ".part")).as("%s: the .part dir", at).doesNotExist();
    assertThat(spool).as("%s: the spool after restore", at).isEmptyDirectory();
  }

  /** Files of ours in a spool dir (none if it does not exist). */
  private static List<String> ours(Path spool) throws IOException {
    if (!Files.isDirectory(spool)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(spool)) {
      return s.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(OURS)).sorted().toList();
    }
  }

  private static void readAll(InputStream in) throws IOException {
    try (in) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
  }
}
