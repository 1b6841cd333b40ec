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
 * Per-event cost of the window and statistics primitives (goal: window update <= 20 ns).
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
}
