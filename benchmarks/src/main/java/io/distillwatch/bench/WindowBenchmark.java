package io.distillwatch.bench;

import io.distillwatch.core.stats.Ewma;
import io.distillwatch.core.stats.HourOfDayHistogram;
import io.distillwatch.core.stats.InterArrivalStats;
import io.distillwatch.core.stats.QuantileSketch;
import io.distillwatch.core.stats.RateAnomalyDetector;
import io.distillwatch.core.window.SlidingWindow;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-event cost of the window and statistics primitives (goal: window update <= 20 ns), and the
 * cost of a calibrator's quantile table.
 *
 * <p>Inputs are pre-generated (2^16 timestamps, mostly in order with about 5% up to two hours late,
 * and values) and read through a mask index, so the measured time is the primitive's, not the
 * random generator's. Each pass over the array shifts timestamps by the array's time span so event
 * time keeps advancing. DataSketches' KLL runs beside ours at the same k for comparison.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar WindowBenchmark -f 1 -wi 3 -i 5 -w 1 -r
 * 1}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class WindowBenchmark {
  private static final int SIZE = 1 << 16;
  private static final int MASK = SIZE - 1;

  private final long[] timestamps = new long[SIZE];
  private final double[] values = new double[SIZE];
  private long passSpan;
  private int index;

  private SlidingWindow window;
  private Ewma ewma;
  private InterArrivalStats interArrival;
  private HourOfDayHistogram hourOfDay;
  private QuantileSketch sketch;
  private KllDoublesSketch dataSketchesKll;
  private RateAnomalyDetector detector;

  // A calibrator's refresh: 35 quantiles of a sketch that has seen 300,000 values.
  private final double[] tableRanks = new double[35];
  private final double[] table = new double[35];
  private QuantileSketch tableSketch;
  private KllDoublesSketch tableKll;

  @Setup
  public void setUp() {
    SplittableRandom rnd = new SplittableRandom(2024);
    long t = 1_700_000_000_000L;
    for (int i = 0; i < SIZE; i++) {
      t += rnd.nextInt(2_000);
      timestamps[i] = rnd.nextInt(100) < 5 ? t - rnd.nextLong(7_200_000) : t;
      values[i] = 100 + 10 * rnd.nextGaussian();
    }
    passSpan = t - timestamps[0] + 2_000;
    window = SlidingWindow.builder().buckets(24).bucketMillis(3_600_000L).build();
    ewma = new Ewma(600_000L);
    interArrival = new InterArrivalStats();
    hourOfDay = new HourOfDayHistogram();
    sketch = new QuantileSketch(200, 1);
    dataSketchesKll = KllDoublesSketch.newHeapInstance(200);
    detector = RateAnomalyDetector.builder().build();
    for (int i = 0; i < 33; i++) {
      tableRanks[i] = Math.min(0.999, Math.max(0.001, i / 32.0));
    }
    tableRanks[33] = 0.5;
    tableRanks[34] = 0.9;
    tableSketch = new QuantileSketch(200, 1);
    tableKll = KllDoublesSketch.newHeapInstance(200);
    for (int i = 0; i < 300_000; i++) {
      double v = Math.exp(rnd.nextGaussian());
      tableSketch.update(v);
      tableKll.update(v);
    }
  }

  private long nextTimestamp() {
    int i = index++;
    return timestamps[i & MASK] + (i >>> 16) * passSpan;
  }

  @Benchmark
  public boolean slidingWindowAdd() {
    return window.add(nextTimestamp());
  }

  @Benchmark
  public double ewmaUpdate() {
    int i = index;
    ewma.update(nextTimestamp(), values[i & MASK]);
    return ewma.mean();
  }

  @Benchmark
  public long interArrivalUpdate() {
    interArrival.add(nextTimestamp());
    return interArrival.gapCount();
  }

  @Benchmark
  public long hourOfDayAdd() {
    hourOfDay.add(nextTimestamp());
    return hourOfDay.total();
  }

  @Benchmark
  public long quantileSketchUpdate() {
    sketch.update(values[index++ & MASK]);
    return sketch.n();
  }

  @Benchmark
  public long dataSketchesKllUpdate() {
    dataSketchesKll.update(values[index++ & MASK]);
    return dataSketchesKll.getN();
  }

  @Benchmark
  public double rateAnomalyScore() {
    int i = index;
    return detector.score(nextTimestamp(), values[i & MASK]);
  }

  /**
   * A calibrator's refresh: 35 quantiles from one sorted view, after one update (a calibrator
   * refreshes after updates, so no sorted view is left from the last refresh).
   */
  @Benchmark
  public double[] quantileTable() {
    tableSketch.update(values[index++ & MASK]);
    tableSketch.quantiles(tableRanks, table);
    return table;
  }

  /**
   * DataSketches' KLL at the same k: one update, then the same 35 quantiles (the update drops the
   * sorted view it caches between reads).
   */
  @Benchmark
  public double[] dataSketchesKllQuantileTable() {
    tableKll.update(values[index++ & MASK]);
    return tableKll.getQuantiles(tableRanks);
  }
}
