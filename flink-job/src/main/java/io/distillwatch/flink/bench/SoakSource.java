package io.distillwatch.flink.bench;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeJson;
import io.distillwatch.flink.source.LineIteratorSource;
import io.distillwatch.flink.source.ScenarioSpec;
import io.distillwatch.flink.stage.RawLine;
import java.io.IOException;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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
 * rate} s; one that does not falls behind, and {@link #EMITTED} shows by how much: the backlog.
 *
 * <p>One split, local runs only: {@link #EMITTED} and the start time are in this JVM.
 */
final class SoakSource extends LineIteratorSource<SoakSource.Split, SoakSource.Lines> {
  private static final long serialVersionUID = 1L;

  /** Lines emitted so far in this JVM's soak. */
  static final AtomicLong EMITTED = new AtomicLong();

  /** Event time of the first pass: 2001-01-01T00:00Z, just after the parser's earliest. */
  static final long FIRST_PASS_MILLIS = 978_307_200_000L;

  /** System.nanoTime() at which the schedule starts. */
  static volatile long startNanos;

  private final ScenarioSpec spec;
  private final double rate;

  SoakSource(ScenarioSpec spec, double rate) {
    super(Boundedness.CONTINUOUS_UNBOUNDED);
    this.spec = spec;
    this.rate = rate;
  }

  @Override
  protected List<Split> initialSplits() {
    return List.of(new Split(spec, rate, 0));
  }

  @Override
  public SimpleVersionedSerializer<Split> getSplitSerializer() {
    return new PositionOnly(spec, rate);
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
  private record PositionOnly(ScenarioSpec spec, double rate)
      implements SimpleVersionedSerializer<Split> {
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
      return new Split(spec, rate, java.nio.ByteBuffer.wrap(bytes).getLong());
    }
  }

  static final class Split implements IteratorSourceSplit<RawLine, Lines> {
    final ScenarioSpec spec;
    final double rate;
    final long position;

    Split(ScenarioSpec spec, double rate, long position) {
      this.spec = spec;
      this.rate = rate;
      this.position = position;
    }

    @Override
    public String splitId() {
      return "soak";
    }

    @Override
    public Lines getIterator() {
      return new Lines(spec, rate, position);
    }

    @Override
    public Split getUpdatedSplitForIterator(Lines it) {
      return new Split(spec, rate, it.next);
    }
  }

  static final class Lines implements Iterator<RawLine> {
    private final ScenarioSpec spec;
    private final double nanosPerLine;
    private final long passMillis;
    private Iterator<Exchange> pass;
    private long shift;
    long next;

    Lines(ScenarioSpec spec, double rate, long position) {
      this.spec = spec;
      this.nanosPerLine = 1e9 / rate;
      this.passMillis = spec.endMillis() - spec.startMillis();
      this.pass = spec.generator().iterator();
      this.shift = FIRST_PASS_MILLIS - spec.startMillis();
      this.next = position;
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
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      Exchange e = nextExchange();
      next++;
      EMITTED.incrementAndGet();
      return RawLine.of(
          ExchangeJson.toJsonBytes(e.toBuilder().timestamp(e.timestamp() + shift).build()));
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
