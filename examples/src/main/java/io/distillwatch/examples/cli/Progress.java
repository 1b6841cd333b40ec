package io.distillwatch.examples.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;

/**
 * Progress of long work: a progress bar with rate and ETA when standard error is a terminal, plain
 * periodic lines ({@code replay: 41% 3.2M records 812k/s}) every ten seconds otherwise, so logs of
 * scripted runs stay readable.
 */
final class Progress implements AutoCloseable {
  private static final long LINE_EVERY_NANOS = 10_000_000_000L;

  private final String task;
  private final long total;
  private final ProgressBar bar;
  private final PrintWriter err;
  private final long started = System.nanoTime();
  private long lastLine = started;
  private long done;
  private long records;
  private boolean closed;

  private Progress(String task, long total, ProgressBar bar, PrintWriter err) {
    this.task = task;
    this.total = total;
    this.bar = bar;
    this.err = err;
  }

  /**
   * Starts reporting progress of a task measured in units out of {@code total} (bytes of an input,
   * or records to write).
   */
  static Progress start(String task, long total, CommandLine.Model.CommandSpec spec) {
    PrintWriter err = spec.commandLine().getErr();
    ProgressBar bar = null;
    if (System.console() != null && System.getenv("CI") == null) {
      bar =
          new ProgressBarBuilder()
              .setTaskName(task)
              .setInitialMax(Math.max(1, total))
              .setStyle(ProgressBarStyle.ASCII)
              .setUnit(" MB", 1 << 20)
              .showSpeed()
              .continuousUpdate()
              .build();
    }
    return new Progress(task, total, bar, err);
  }

  /** Wraps an input so the bytes read drive the progress. */
  InputStream track(InputStream in) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          advance(1);
        }
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
          advance(n);
        }
        return n;
      }
    };
  }

  /** Sets the records processed so far (shown on plain lines). */
  void records(long n) {
    records = n;
    maybeLine();
  }

  /** Adds units done. */
  void advance(long n) {
    done += n;
    if (bar != null) {
      bar.stepTo(done);
    } else {
      maybeLine();
    }
  }

  private void maybeLine() {
    if (bar != null) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastLine >= LINE_EVERY_NANOS) {
      lastLine = now;
      double secs = (now - started) / 1e9;
      err.printf(
          Locale.ROOT,
          "%s: %.0f%% %d records %.0f records/s%n",
          task,
          total > 0 ? 100.0 * done / total : 0.0,
          records,
          records / Math.max(1e-9, secs));
      err.flush();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (bar != null) {
      bar.stepTo(total);
      bar.close();
    }
  }
}
