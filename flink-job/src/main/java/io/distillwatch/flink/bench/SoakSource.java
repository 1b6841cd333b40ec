package io.distillwatch.flink.bench;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeJson;
import io.distillwatch.flink.source.LineIteratorSource;
import io.distillwatch.flink.source.ScenarioSpec;
import io.distillwatch.flink.stage.RawLine;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The soak's input: the built-in scenario as JSON lines, generated as it is read (a soak runs far
 * longer than the trace, so each pass is shifted in time past the previous one and event time keeps
 * moving forward; the first pass starts in 2001, so that the parser's "not after the wall clock"
 * check leaves room for hundreds of passes), offered on a fixed schedule of {@code rate} lines per
 * second from when the soak started. A source that keeps up emits line {@code i} at {@code i /
 * rate} s from {@code startEpochNanos}; one that does not falls behind, and its progress shows by
 * how much: the backlog.
 *
 * <p>One split. Its progress (lines emitted so far) goes to a file of one {@code long}, rewritten
 * in place at most every {@link #PROGRESS_EVERY_NANOS}, which the soak command reads while the job
 * runs ({@link #readProgress}); the schedule's start is wall-clock time, so the command and the
 * source agree on it without sharing a JVM.
 */
final class SoakSource extends LineIteratorSource<SoakSource.Split, SoakSource.Lines> {
  private static final long serialVersionUID = 1L;

  /** How often the progress file is rewritten: its lag behind the source, at most. */
  static final long PROGRESS_EVERY_NANOS = 10_000_000L;

  /** Event time of the first pass: 2001-01-01T00:00Z, just after the parser's earliest. */
  static final long FIRST_PASS_MILLIS = 978_307_200_000L;

  private final Schedule schedule;

  /**
   * @param startEpochNanos wall-clock time, in nanoseconds since the epoch, of line 0's slot
   * @param progress the file the source keeps its count of emitted lines in
   */
  SoakSource(ScenarioSpec spec, double rate, long startEpochNanos, Path progress) {
    super(Boundedness.CONTINUOUS_UNBOUNDED);
    this.schedule = new Schedule(spec, rate, startEpochNanos, progress.toString());
  }

  /** What the split needs besides its position: what to generate, when, and where to report. */
  record Schedule(ScenarioSpec spec, double rate, long startEpochNanos, String progress)
      implements Serializable {}

  /** Lines the source has emitted, as of its last progress write; 0 before the first. */
  static long readProgress(Path progress) throws IOException {
    try (FileChannel ch = FileChannel.open(progress, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(8);
      while (b.hasRemaining() && ch.read(b, b.position()) > 0) {}
      return b.hasRemaining() ? 0 : b.getLong(0);
    } catch (java.nio.file.NoSuchFileException e) {
      return 0;
    }
  }

  @Override
  protected List<Split> initialSplits() {
    return List.of(new Split(schedule, 0));
  }

  @Override
  public SimpleVersionedSerializer<Split> getSplitSerializer() {
    return new PositionOnly(schedule);
  }

  @Override
  public SimpleVersionedSerializer<Collection<Split>> getEnumeratorCheckpointSerializer() {
    return new SimpleVersionedSerializer<>() {
      @Override
      public int getVersion() {
        return 1;
      }

      @Override
      public byte[] serialize(Collection<Split> splits) throws IOException {
        // The one split is assigned at once; the enumerator has nothing left to remember.
        return new byte[0];
      }

      @Override
      public Collection<Split> deserialize(int version, byte[] bytes) {
        return List.of();
      }
    };
  }

  /** The split's state is its position; the soak never restores, so no more is kept. */
  private record PositionOnly(Schedule schedule) implements SimpleVersionedSerializer<Split> {
    @Override
    public int getVersion() {
      return 1;
    }

    @Override
    public byte[] serialize(Split split) {
      return java.nio.ByteBuffer.allocate(8).putLong(split.position).array();
    }

    @Override
    public Split deserialize(int version, byte[] bytes) {
      return new Split(schedule, java.nio.ByteBuffer.wrap(bytes).getLong());
    }
  }

  static final class Split implements IteratorSourceSplit<RawLine, Lines> {
    final Schedule schedule;
    final long position;

    Split(Schedule schedule, long position) {
      this.schedule = schedule;
      this.position = position;
    }

    @Override
    public String splitId() {
      return "soak";
    }

    @Override
    public Lines getIterator() {
      try {
        return new Lines(schedule, position);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open the soak's progress file", e);
      }
    }

    @Override
    public Split getUpdatedSplitForIterator(Lines it) {
      return new Split(schedule, it.next);
    }
  }

  static final class Lines implements Iterator<RawLine> {
    private final ScenarioSpec spec;
    private final double nanosPerLine;
    private final long passMillis;
    private final long startNanos;
    private final FileChannel progress;
    private final ByteBuffer progressBytes = ByteBuffer.allocate(8);
    private long progressDue;
    private Iterator<Exchange> pass;
    private long shift;
    long next;

    Lines(Schedule schedule, long position) throws IOException {
      ScenarioSpec spec = schedule.spec();
      this.spec = spec;
      this.nanosPerLine = 1e9 / schedule.rate();
      // The schedule's wall-clock start on this JVM's nanoTime scale.
      Instant now = Instant.now();
      long nowNanos = System.nanoTime();
      long nowEpoch = now.getEpochSecond() * 1_000_000_000L + now.getNano();
      this.startNanos = nowNanos - (nowEpoch - schedule.startEpochNanos());
      this.progress =
          FileChannel.open(
              Path.of(schedule.progress()), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      this.passMillis = spec.endMillis() - spec.startMillis();
      this.pass = spec.generator().iterator();
      this.shift = FIRST_PASS_MILLIS - spec.startMillis();
      this.next = position;
      this.progressDue = nowNanos;
      for (long i = 0; i < position; i++) {
        nextExchange();
      }
    }

    @Override
    public boolean hasNext() {
      return true;
    }

    @Override
    public RawLine next() {
      long due = startNanos + (long) (next * nanosPerLine);
      long now = System.nanoTime();
      long wait = due - now;
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      Exchange e = nextExchange();
      next++;
      if (now - progressDue >= 0) {
        progressDue = now + PROGRESS_EVERY_NANOS;
        writeProgress();
      }
      return RawLine.of(
          ExchangeJson.toJsonBytes(e.toBuilder().timestamp(e.timestamp() + shift).build()));
    }

    /** One positioned write of the count: the reader sees the old or the new eight bytes. */
    private void writeProgress() {
      try {
        progressBytes.clear();
        progressBytes.putLong(0, next);
        while (progressBytes.hasRemaining()) {
          progress.write(progressBytes, progressBytes.position());
        }
      } catch (IOException ex) {
        throw new UncheckedIOException("cannot write the soak's progress", ex);
      }
    }

    private Exchange nextExchange() {
      if (!pass.hasNext()) {
        pass = spec.generator().iterator();
        shift += passMillis;
      }
      return pass.next();
    }
  }
}
