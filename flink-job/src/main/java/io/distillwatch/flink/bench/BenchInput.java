package io.distillwatch.flink.bench;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeJson;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * The benchmark's input, generated once by the command so that every run reads the same lines and
 * no run pays for generation: the first {@code n} exchanges of a trace as JSON lines in UTF-8 bytes
 * (as Kafka delivers them), partitioned by account (as Kafka partitions by key), each partition in
 * trace order.
 *
 * <p>The lines go to one file per partition in a folder, which {@link BenchSource} reads; the
 * command keeps only each line's event time and account, to match alerts to the exchanges that
 * raised them. A file is {@code int count}, then per line {@code int length, bytes}.
 *
 * <p>When latency is measured, the source writes, per partition, when each line left it ({@link
 * #emittedFile}: {@code int count}, then per line {@code long} epoch nanoseconds), and the command
 * reads that back after the run.
 */
final class BenchInput {
  final Path dir;
  final long[][] timestamps;
  final String[][] accounts;
  final long total;

  private BenchInput(Path dir, long[][] timestamps, String[][] accounts, long total) {
    this.dir = dir;
    this.timestamps = timestamps;
    this.accounts = accounts;
    this.total = total;
  }

  int partitions() {
    return timestamps.length;
  }

  static Path linesFile(Path dir, int partition) {
    return dir.resolve("part-" + partition + ".lines");
  }

  static Path emittedFile(Path dir, int partition) {
    return dir.resolve("emitted-" + partition + ".nanos");
  }

  /**
   * Writes the first {@code n} exchanges of {@code trace} into {@code dir}, one file a partition.
   */
  static BenchInput generate(Iterator<Exchange> trace, int n, int partitions, Path dir)
      throws IOException {
    int[] sizes = new int[partitions];
    Exchange[] all = new Exchange[n];
    int count = 0;
    while (trace.hasNext() && count < n) {
      Exchange e = trace.next();
      all[count++] = e;
      sizes[partition(e, partitions)]++;
    }
    long[][] ts = new long[partitions][];
    String[][] acc = new String[partitions][];
    DataOutputStream[] files = new DataOutputStream[partitions];
    try {
      for (int p = 0; p < partitions; p++) {
        ts[p] = new long[sizes[p]];
        acc[p] = new String[sizes[p]];
        OutputStream file = Files.newOutputStream(linesFile(dir, p));
        files[p] = new DataOutputStream(new BufferedOutputStream(file, 1 << 16));
        files[p].writeInt(sizes[p]);
      }
      int[] fill = new int[partitions];
      for (int i = 0; i < count; i++) {
        Exchange e = all[i];
        all[i] = null;
        int p = partition(e, partitions);
        int j = fill[p]++;
        byte[] line = ExchangeJson.toJsonBytes(e);
        files[p].writeInt(line.length);
        files[p].write(line);
        ts[p][j] = e.timestamp();
        acc[p][j] = e.accountId();
      }
    } finally {
      for (DataOutputStream f : files) {
        if (f != null) {
          f.close();
        }
      }
    }
    return new BenchInput(dir, ts, acc, count);
  }

  /** When each line of each partition left the source, as the source wrote it. */
  long[][] readEmitted() throws IOException {
    long[][] emitted = new long[partitions()][];
    for (int p = 0; p < emitted.length; p++) {
      try (InputStream file = Files.newInputStream(emittedFile(dir, p));
          DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(file))) {
        emitted[p] = new long[in.readInt()];
        for (int i = 0; i < emitted[p].length; i++) {
          emitted[p][i] = in.readLong();
        }
      }
    }
    return emitted;
  }

  private static int partition(Exchange e, int partitions) {
    return Math.floorMod(e.accountId().hashCode(), partitions);
  }
}
