package io.distillwatch.flink.bench;

import io.distillwatch.flink.source.LineIteratorSource;
import io.distillwatch.flink.stage.RawLine;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Reads the files of a {@link BenchInput} as undecoded lines, like the Kafka source: one split per
 * partition, each in trace order; optionally at a steady total rate, then writing when each line
 * left the source (for event-to-alert latency) to {@link BenchInput#emittedFile} once the partition
 * is done.
 *
 * <p>A split's position is a line number and its byte offset in the file. The files are read a
 * megabyte at a time, one array copy per line, and were just written, so the page cache holds them:
 * reading costs little next to parsing, and the same in every job the bench compares.
 */
final class BenchSource extends LineIteratorSource<BenchSource.Split, BenchSource.Lines> {
  private static final long serialVersionUID = 1L;

  private final String dir;
  private final int partitions;
  private final double ratePerSecond;

  /**
   * @param dir the folder {@link BenchInput#generate} wrote
   * @param ratePerSecond total lines per second over all partitions, or 0 for as fast as possible
   */
  BenchSource(Path dir, int partitions, double ratePerSecond) {
    super(Boundedness.BOUNDED);
    this.dir = dir.toString();
    this.partitions = partitions;
    this.ratePerSecond = ratePerSecond;
  }

  @Override
  protected List<Split> initialSplits() {
    List<Split> splits = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      splits.add(new Split(dir, p, 0, 0, ratePerSecond / partitions));
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
        return 2;
      }

      @Override
      public byte[] serialize(Collection<Split> splits) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeInt(splits.size());
        for (Split s : splits) {
          SplitSerializer.write(s, out);
        }
        return out.getCopyOfBuffer();
      }

      @Override
      public Collection<Split> deserialize(int version, byte[] bytes) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        int n = in.readInt();
        List<Split> splits = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          splits.add(SplitSerializer.read(in));
        }
        return splits;
      }
    };
  }

  static final class SplitSerializer implements SimpleVersionedSerializer<Split> {
    @Override
    public int getVersion() {
      return 2;
    }

    @Override
    public byte[] serialize(Split s) throws IOException {
      DataOutputSerializer out = new DataOutputSerializer(64);
      write(s, out);
      return out.getCopyOfBuffer();
    }

    @Override
    public Split deserialize(int version, byte[] bytes) throws IOException {
      if (version != 2) {
        throw new IOException("bench split version " + version + " unknown");
      }
      return read(new DataInputDeserializer(bytes));
    }

    static void write(Split s, DataOutputSerializer out) throws IOException {
      out.writeUTF(s.dir);
      out.writeInt(s.partition);
      out.writeInt(s.position);
      out.writeLong(s.offset);
      out.writeDouble(s.rate);
    }

    static Split read(DataInputDeserializer in) throws IOException {
      return new Split(in.readUTF(), in.readInt(), in.readInt(), in.readLong(), in.readDouble());
    }
  }

  /** One partition of the input from a position. */
  static final class Split implements IteratorSourceSplit<RawLine, Lines> {
    final String dir;
    final int partition;
    final int position;
    final long offset;
    final double rate;

    Split(String dir, int partition, int position, long offset, double rate) {
      this.dir = dir;
      this.partition = partition;
      this.position = position;
      this.offset = offset;
      this.rate = rate;
    }

    @Override
    public String splitId() {
      return "bench-" + partition;
    }

    @Override
    public Lines getIterator() {
      try {
        return new Lines(Path.of(dir), partition, position, offset, rate);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the bench input in " + dir, e);
      }
    }

    @Override
    public Split getUpdatedSplitForIterator(Lines it) {
      return new Split(dir, partition, it.next, it.offset, rate);
    }
  }

  static final class Lines implements Iterator<RawLine> {
    /** Bytes before the first line: the line count. */
    private static final long HEADER = 4;

    private final Path dir;
    private final int partition;
    private final FileChannel in;
    private final ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    private final int count;
    private final double nanosPerLine;
    private final EpochClock clock = EpochClock.start();
    private final long start = System.nanoTime();
    private final int first;
    private final long[] emittedAt;
    private boolean closed;
    int next;
    long offset;

    Lines(Path dir, int partition, int position, long offset, double rate) throws IOException {
      this.dir = dir;
      this.partition = partition;
      this.in = FileChannel.open(BenchInput.linesFile(dir, partition), StandardOpenOption.READ);
      buffer.flip(); // empty, in read mode
      fill(HEADER);
      this.count = buffer.getInt();
      this.offset = Math.max(HEADER, offset);
      in.position(this.offset);
      buffer.clear().flip();
      this.nanosPerLine = rate > 0 ? 1e9 / rate : 0;
      this.emittedAt = rate > 0 ? new long[count] : null;
      this.first = position;
      this.next = position;
    }

    @Override
    public boolean hasNext() {
      if (next < count) {
        return true;
      }
      finish();
      return false;
    }

    @Override
    public RawLine next() {
      if (next >= count) {
        throw new NoSuchElementException();
      }
      byte[] line;
      try {
        fill(4);
        line = new byte[buffer.getInt()];
        int have = Math.min(line.length, buffer.remaining());
        buffer.get(line, 0, have);
        if (have < line.length) {
          // Longer than what is buffered: the rest straight from the file.
          ByteBuffer rest = ByteBuffer.wrap(line, have, line.length - have);
          while (rest.hasRemaining()) {
            if (in.read(rest) < 0) {
              throw new EOFException("partition " + partition + " ends inside line " + next);
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot read line " + next + " of partition " + partition, e);
      }
      offset += 4 + line.length;
      if (nanosPerLine > 0) {
        // A steady rate: never ahead of schedule by more than a few lines.
        long due = start + (long) ((next - first) * nanosPerLine);
        long wait = due - System.nanoTime();
        if (wait > 200_000) {
          LockSupport.parkNanos(wait);
        }
        emittedAt[next] = clock.nanos();
      }
      next++;
      return RawLine.of(line);
    }

    /**
     * Makes at least {@code n} bytes readable in the buffer, reading the file a megabyte at a time:
     * one bulk copy per line rather than a synchronized call per byte, which {@code
     * DataInputStream} over {@code BufferedInputStream} cost (9% of the source thread in a
     * profile).
     */
    private void fill(long n) throws IOException {
      if (buffer.remaining() >= n) {
        return;
      }
      buffer.compact();
      while (buffer.position() < n) {
        if (in.read(buffer) < 0) {
          throw new EOFException("partition " + partition + " ends inside line " + next);
        }
      }
      buffer.flip();
    }

    /** Closes the file and, at a steady rate, writes when each line left. */
    private void finish() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        in.close();
        if (emittedAt != null) {
          try (OutputStream file = Files.newOutputStream(BenchInput.emittedFile(dir, partition));
              DataOutputStream out = new DataOutputStream(new BufferedOutputStream(file))) {
            out.writeInt(emittedAt.length);
            for (long t : emittedAt) {
              out.writeLong(t);
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot finish partition " + partition, e);
      }
    }
  }
}
