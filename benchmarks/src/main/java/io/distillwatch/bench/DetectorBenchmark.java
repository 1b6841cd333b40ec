package io.distillwatch.bench;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.examples.generate.TraceGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Core throughput of {@link ExtractionDetector#observe} with every signal on and more than 100,000
 * live accounts (goal: 1,000 ns/op or less, i.e. at least 1M exchanges/s on one thread).
 *
 * <p>The trial setup generates one day of the built-in trace at scale 2.5 (about 2.3M exchanges
 * over about 125,000 distinct accounts, all campaigns included, with the generator's 2% of late
 * records) into memory, then feeds it once to a fresh detector so every account has a live,
 * calibrated profile before measuring. The measured loop keeps cycling through the same exchanges;
 * each lap is shifted one day later so event time keeps moving forward (accounts stay live: the
 * idle eviction is 7 days). The shift needs a copy of the exchange (a record) per operation, so
 * {@link #copyOnly} measures that harness cost alone (time and the bytes it allocates); subtract it
 * from {@link #observe} for the detector's own cost. exchanges/s = 1e9 / ns per op.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar DetectorBenchmark -f 1 -wi 3 -i 5 -w 2
 * -r 2} (add {@code -prof gc} for allocation per op).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class DetectorBenchmark {
  static final Instant TRACE_START = TraceGenerator.DEFAULT_START.plus(Duration.ofDays(30));
  static final long LAP_MILLIS = Duration.ofDays(1).toMillis();

  /** The in-memory trace, shared by both benchmarks' states. */
  @State(Scope.Benchmark)
  public static class Trace {
    Exchange[] exchanges;

    @Setup(Level.Trial)
    public void generate() {
      TraceGenerator g =
          TraceGenerator.builder()
              .scale(2.5)
              .start(TRACE_START)
              .end(TRACE_START.plusMillis(LAP_MILLIS))
              .build();
      List<Exchange> list = new ArrayList<>(2_500_000);
      for (Exchange e : g) {
        list.add(e);
      }
      exchanges = list.toArray(new Exchange[0]);
    }
  }

  /** Cursor over the trace: the next exchange, shifted by its lap's offset. */
  static final class Cursor {
    Exchange[] exchanges;
    int index;
    long offset;

    void start(Trace trace, long firstLap) {
      exchanges = trace.exchanges;
      index = 0;
      offset = firstLap * LAP_MILLIS;
    }

    Exchange next() {
      Exchange[] xs = exchanges;
      int i = index;
      if (i == xs.length) {
        i = 0;
        offset += LAP_MILLIS;
      }
      index = i + 1;
      Exchange e = xs[i];
      return new Exchange(
          e.timestamp() + offset,
          e.accountId(),
          e.orgId(),
          e.ip(),
          e.asn(),
          e.userAgent(),
          e.paymentFingerprint(),
          e.model(),
          e.inputTokens(),
          e.outputTokens(),
          e.templateHash(),
          e.promptHash(),
          e.category(),
          e.reasoningRequested(),
          e.toolCalls(),
          e.status());
    }
  }

  /** A detector that has seen the whole trace once (lap 0). */
  @State(Scope.Thread)
  public static class Warm {
    final Cursor cursor = new Cursor();
    ExtractionDetector detector;
    int lap;

    @Setup(Level.Trial)
    public void warm(Trace trace) {
      detector = ExtractionDetector.builder().build();
      for (Exchange e : trace.exchanges) {
        detector.observe(e);
      }
      lap = trace.exchanges.length;
      if (detector.liveAccounts() < 100_000) {
        throw new IllegalStateException(
            "expected >= 100k live accounts, got " + detector.liveAccounts());
      }
      cursor.start(trace, 1);
    }

    @TearDown(Level.Trial)
    public void report() {
      System.out.printf(
          "%n%,d exchanges in trace lap, %,d live accounts, %,d exchanges observed,"
              + " %,d account alerts, %,d cluster alerts%n",
          lap,
          detector.liveAccounts(),
          detector.exchanges(),
          detector.accountAlerts(),
          detector.clusterAlerts());
    }
  }

  /** Copy-only state: the cursor without a detector. */
  @State(Scope.Thread)
  public static class CopyOnly {
    final Cursor cursor = new Cursor();

    @Setup(Level.Trial)
    public void start(Trace trace) {
      cursor.start(trace, 1);
    }
  }

  @Benchmark
  public List<Alert> observe(Warm warm) {
    return warm.detector.observe(warm.cursor.next());
  }

  /** The harness alone: the per-operation copy that shifts the timestamp. */
  @Benchmark
  public Exchange copyOnly(CopyOnly state) {
    return state.cursor.next();
  }
}
