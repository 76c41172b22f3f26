package io.etcdbackup.cli;

import io.etcdbackup.core.run.Phase;
import io.etcdbackup.core.run.RunEvent;
import io.etcdbackup.core.run.RunListener;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One line on a terminal's stderr, redrawn four times a second: the running phases with their
 * bytes and rate, and the time since the start.
 * <pre>
 * stream 812 MB 208 MB/s | encode 790 MB 203 MB/s | upload 640 MB 180 MB/s | 0:04
 * </pre>
 * Log lines still print as they are: {@code System.err} is wrapped so that a log line first
 * erases the progress line, which the next redraw puts back under it. The line is erased when
 * the run ends, before the command prints its result.
 */
final class ProgressLine implements RunListener {
  private static final long REDRAW_MILLIS = 250;
  private static final String ERASE = "\r\033[K";

  private final PrintStream terminal;
  private final long start = System.nanoTime();
  private final Map<Phase, long[]> running = new EnumMap<>(Phase.class); // bytes, start nanos
  private final ScheduledExecutorService ticker;
  private boolean shown;
  private boolean finished;

  private ProgressLine(PrintStream terminal) {
    this.terminal = terminal;
    this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "progress-line");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts drawing on {@code terminal}; log lines written to {@code System.err} meanwhile erase the line first. */
  static ProgressLine start(PrintStream terminal) {
    ProgressLine p = new ProgressLine(terminal);
    System.setErr(new PrintStream(p.new Erasing(terminal), true, StandardCharsets.UTF_8));
    p.ticker.scheduleAtFixedRate(p::draw, REDRAW_MILLIS, REDRAW_MILLIS, TimeUnit.MILLISECONDS);
    return p;
  }

  @Override
  public synchronized void on(RunEvent e) {
    if (e instanceof RunEvent.PhaseStarted s) {
      running.put(s.phase(), new long[] {0, System.nanoTime()});
    } else if (e instanceof RunEvent.Progress p) {
      long[] r = running.get(p.phase());
      if (r != null) {
        r[0] = p.bytes();
      }
    } else if (e instanceof RunEvent.PhaseEnded end) {
      running.remove(end.phase());
    } else if (e instanceof RunEvent.Finished) {
      finished = true;
      ticker.shutdownNow();
      erase();
      terminal.flush();
    }
  }

  private synchronized void draw() {
    if (finished) {
      return;
    }
    StringBuilder b = new StringBuilder();
    for (Map.Entry<Phase, long[]> r : running.entrySet()) {
      if (b.length() > 0) {
        b.append(" | ");
      }
      b.append(r.getKey().label());
      long bytes = r.getValue()[0];
      if (bytes > 0) {
        double secs = (System.nanoTime() - r.getValue()[1]) / 1e9;
        b.append(' ').append(Formats.bytes(bytes));
        if (secs >= 1) {
          b.append(' ').append(Formats.bytes((long) (bytes / secs))).append("/s");
        }
      }
    }
    long s = (System.nanoTime() - start) / 1_000_000_000L;
    b.append(b.length() > 0 ? " | " : "").append(s / 60).append(':').append(String.format("%02d", s % 60));
    terminal.print(ERASE + b);
    terminal.flush();
    shown = true;
  }

  private void erase() {
    if (shown) {
      terminal.print(ERASE);
      shown = false;
    }
  }

  /** stderr for everybody else: erases the progress line before their text. */
  private final class Erasing extends OutputStream {
    private final PrintStream out;

    Erasing(PrintStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      synchronized (ProgressLine.this) {
        erase();
        out.write(b, off, len);
      }
    }

    @Override
    public void flush() {
      out.flush();
    }
  }
}
