package io.distillwatch.flink.bench;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeJson;
import java.util.Iterator;

/**
 * The benchmark's input, generated once and held in memory so that every run reads the same lines
 * and no run pays for generation: the first {@code n} exchanges of a trace as JSON lines in UTF-8
 * bytes (as Kafka delivers them), partitioned by account (as Kafka partitions by key), each
 * partition in trace order.
 *
 * <p>The MiniCluster runs in this JVM, so the source reads this static holder directly; the bench
 * is a local command and this class is nothing a cluster job uses.
 */
final class BenchInput {
  static volatile BenchInput current;

  final byte[][][] lines;
  final long[][] timestamps;
  final String[][] accounts;

  /** Wall-clock nanos at which each line was emitted, per partition, when latency is measured. */
  final long[][] emittedAt;

  final long total;

  private BenchInput(byte[][][] lines, long[][] timestamps, String[][] accounts, long total) {
    this.lines = lines;
    this.timestamps = timestamps;
    this.accounts = accounts;
    this.total = total;
    this.emittedAt = new long[lines.length][];
    for (int p = 0; p < lines.length; p++) {
      emittedAt[p] = new long[lines[p].length];
    }
  }

  static BenchInput generate(Iterator<Exchange> trace, int n, int partitions) {
    int[] sizes = new int[partitions];
    Exchange[] all = new Exchange[n];
    int count = 0;
    while (trace.hasNext() && count < n) {
      Exchange e = trace.next();
      all[count++] = e;
      sizes[partition(e, partitions)]++;
    }
    byte[][][] lines = new byte[partitions][][];
    long[][] ts = new long[partitions][];
    String[][] acc = new String[partitions][];
    for (int p = 0; p < partitions; p++) {
      lines[p] = new byte[sizes[p]][];
      ts[p] = new long[sizes[p]];
      acc[p] = new String[sizes[p]];
    }
    int[] fill = new int[partitions];
    for (int i = 0; i < count; i++) {
      Exchange e = all[i];
      all[i] = null;
      int p = partition(e, partitions);
      int j = fill[p]++;
      lines[p][j] = ExchangeJson.toJsonBytes(e);
      ts[p][j] = e.timestamp();
      acc[p][j] = e.accountId();
    }
    return new BenchInput(lines, ts, acc, count);
  }

  private static int partition(Exchange e, int partitions) {
    return Math.floorMod(e.accountId().hashCode(), partitions);
  }
}
