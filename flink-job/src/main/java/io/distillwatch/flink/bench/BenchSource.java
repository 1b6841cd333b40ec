package io.distillwatch.flink.bench;

import io.distillwatch.flink.source.LineIteratorSource;
import io.distillwatch.flink.stage.RawLine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Reads {@link BenchInput#current} as undecoded lines, like the Kafka source: one split per
 * partition, each in trace order; optionally at a steady total rate, recording when each line left
 * the source (for event-to-alert latency).
 */
final class BenchSource extends LineIteratorSource<BenchSource.Split, BenchSource.Lines> {
  private static final long serialVersionUID = 1L;

  private final int partitions;
  private final double ratePerSecond;

  /**
   * @param ratePerSecond total lines per second over all partitions, or 0 for as fast as possible
   */
  BenchSource(int partitions, double ratePerSecond) {
    super(Boundedness.BOUNDED);
    this.partitions = partitions;
    this.ratePerSecond = ratePerSecond;
  }

  @Override
  protected List<Split> initialSplits() {
    List<Split> splits = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      splits.add(new Split(p, 0, ratePerSecond / partitions));
    }
    return splits;
  }

  @Override
  public SimpleVersionedSerializer<Split> getSplitSerializer() {
    return new SplitSerializer();
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
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeInt(splits.size());
        for (Split s : splits) {
          out.write(new SplitSerializer().serialize(s));
        }
        return out.getCopyOfBuffer();
      }

      @Override
      public Collection<Split> deserialize(int version, byte[] bytes) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        int n = in.readInt();
        List<Split> splits = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          splits.add(new Split(in.readInt(), in.readInt(), in.readDouble()));
        }
        return splits;
      }
    };
  }

  static final class SplitSerializer implements SimpleVersionedSerializer<Split> {
    @Override
    public int getVersion() {
      return 1;
    }

    @Override
    public byte[] serialize(Split s) throws IOException {
      DataOutputSerializer out = new DataOutputSerializer(16);
      out.writeInt(s.partition);
      out.writeInt(s.position);
      out.writeDouble(s.rate);
      return out.getCopyOfBuffer();
    }

    @Override
    public Split deserialize(int version, byte[] bytes) throws IOException {
      DataInputDeserializer in = new DataInputDeserializer(bytes);
      return new Split(in.readInt(), in.readInt(), in.readDouble());
    }
  }

  /** One partition of the input from a position. */
  static final class Split implements IteratorSourceSplit<RawLine, Lines> {
    final int partition;
    final int position;
    final double rate;

    Split(int partition, int position, double rate) {
      this.partition = partition;
      this.position = position;
      this.rate = rate;
    }

    @Override
    public String splitId() {
      return "bench-" + partition;
    }

    @Override
    public Lines getIterator() {
      return new Lines(BenchInput.current, partition, position, rate);
    }

    @Override
    public Split getUpdatedSplitForIterator(Lines it) {
      return new Split(partition, it.next, rate);
    }
  }

  static final class Lines implements Iterator<RawLine> {
    private final byte[][] lines;
    private final long[] emittedAt;
    private final double nanosPerLine;
    private final long start = System.nanoTime();
    private final int first;
    int next;

    Lines(BenchInput input, int partition, int position, double rate) {
      this.lines = input.lines[partition];
      this.emittedAt = input.emittedAt[partition];
      this.nanosPerLine = rate > 0 ? 1e9 / rate : 0;
      this.first = position;
      this.next = position;
    }

    @Override
    public boolean hasNext() {
      return next < lines.length;
    }

    @Override
    public RawLine next() {
      if (nanosPerLine > 0) {
        // A steady rate: never ahead of schedule by more than a few lines.
        long due = start + (long) ((next - first) * nanosPerLine);
        long wait = due - System.nanoTime();
        if (wait > 200_000) {
          LockSupport.parkNanos(wait);
        }
        emittedAt[next] = System.nanoTime();
      }
      return RawLine.of(lines[next++]);
    }
  }
}
