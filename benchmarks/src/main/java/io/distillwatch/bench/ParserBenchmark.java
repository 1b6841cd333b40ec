package io.distillwatch.bench;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeJson;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.core.io.ParseResult;
import io.distillwatch.examples.generate.TraceGenerator;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Cost of {@link ExchangeParser#parse(byte[], int, int)} per line on realistic lines: 2^16
 * consecutive exchanges of the built-in trace (default scale, all campaigns) written with {@link
 * ExchangeJson#toJson} and encoded as UTF-8 once in setup. The parser's wall clock is fixed at the
 * trace's end so no line is a "future" timestamp whatever the date of the run.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ParserBenchmark -f 1 -wi 3 -i 5 -w 2 -r
 * 2} (add {@code -prof gc} for allocation per line).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@State(Scope.Thread)
public class ParserBenchmark {
  private static final int SIZE = 1 << 16;
  private static final int MASK = SIZE - 1;

  private final byte[][] lines = new byte[SIZE][];
  private ExchangeParser parser;
  private int index;

  @Setup
  public void setUp() {
    Iterator<Exchange> it = TraceGenerator.builder().build().iterator();
    long bytes = 0;
    for (int i = 0; i < SIZE; i++) {
      lines[i] = ExchangeJson.toJson(it.next()).getBytes(StandardCharsets.UTF_8);
      bytes += lines[i].length;
    }
    System.out.printf("%nmean line length %.1f bytes%n", bytes / (double) SIZE);
    parser =
        ExchangeParser.builder()
            .clock(Clock.fixed(TraceGenerator.DEFAULT_END, ZoneOffset.UTC))
            .build();
  }

  @Benchmark
  public ParseResult parse() {
    byte[] line = lines[index++ & MASK];
    return parser.parse(line, 0, line.length);
  }
}
