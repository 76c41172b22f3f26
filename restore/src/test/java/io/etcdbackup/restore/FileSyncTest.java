package io.etcdbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSyncTest {
  @TempDir Path dir;

  @Test
  void aCopyOfSeveralStepsHasEveryByteAndThePrivateMode() throws Exception {
    Path source = dir.resolve("source");
    // 150 MiB and a bit: three 64 MiB steps, the last one short
    long size = (150L << 20) + 4096 + 17;
    MessageDigest expected = MessageDigest.getInstance("SHA-256");
    try (FileChannel ch = FileChannel.open(source, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      byte[] chunk = new byte[1 << 20];
      for (long pos = 0; pos < size; pos += chunk.length) {
        int n = (int) Math.min(chunk.length, size - pos);
        for (int i = 0; i < n; i += 4096) {
          chunk[i] = (byte) (pos >>> 20);
          chunk[i + 1] = (byte) (i >>> 12);
        }
        expected.update(chunk, 0, n);
        ByteBuffer b = ByteBuffer.wrap(chunk, 0, n);
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
    }
    Path target = dir.resolve("target");
    FileSync.copyNewFile(source, target);
    assertThat(Files.size(target)).isEqualTo(size);
    assertThat(Files.getPosixFilePermissions(target)).isEqualTo(FileSync.FILE_MODE);
    MessageDigest actual = MessageDigest.getInstance("SHA-256");
    try (FileChannel ch = FileChannel.open(target, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(1 << 20);
      while (ch.read(b) >= 0) {
        b.flip();
        actual.update(b);
        b.clear();
      }
    }
    assertThat(HexFormat.of().formatHex(actual.digest())).isEqualTo(HexFormat.of().formatHex(expected.digest()));
  }

  @Test
  void anEmptyFileIsCopiedAndAnExistingTargetRefused() throws Exception {
    Path source = Files.createFile(dir.resolve("empty"));
    Path target = dir.resolve("copy");
    FileSync.copyNewFile(source, target);
    assertThat(Files.size(target)).isZero();
    assertThatThrownBy(() -> FileSync.copyNewFile(source, target)).isInstanceOf(FileAlreadyExistsException.class);
  }
}
