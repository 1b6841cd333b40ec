package io.distillwatch.bench;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeCodec;
import io.distillwatch.examples.generate.TraceGenerator;
import java.io.IOException;
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
 * Cost of {@link ExchangeCodec#encode} and {@link ExchangeCodec#decode} per exchange, on 2^16
 * consecutive exchanges of the built-in trace: the Flink job encodes every exchange once after
 * parsing and decodes it once in the account stage.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar CodecBenchmark -f 1 -wi 3 -i 5 -w 2 -r
 * 2}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@State(Scope.Thread)
public class CodecBenchmark {
  private static final int SIZE = 1 << 16;
  private static final int MASK = SIZE - 1;

  private final Exchange[] exchanges = new Exchange[SIZE];
  private final byte[][] bodies = new byte[SIZE][];
  private int index;

  @Setup
  public void setUp() {
    Iterator<Exchange> it = TraceGenerator.builder().build().iterator();
    for (int i = 0; i < SIZE; i++) {
      exchanges[i] = it.next();
      bodies[i] = ExchangeCodec.encode(exchanges[i]);
    }
  }

  @Benchmark
  public byte[] encode() {
    return ExchangeCodec.encode(exchanges[index++ & MASK]);
  }

  @Benchmark
  public Exchange decode() throws IOException {
    return ExchangeCodec.decode(bodies[index++ & MASK]);
  }
}
