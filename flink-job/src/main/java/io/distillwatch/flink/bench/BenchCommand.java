package io.distillwatch.flink.bench;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.ClusterAlert;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.examples.cli.DetectorOptions;
import io.distillwatch.examples.generate.ScenarioPresets;
import io.distillwatch.flink.DetectionJob;
import io.distillwatch.flink.DetectorSettings;
import io.distillwatch.flink.JobOptions;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code distillwatch bench}: the detection job against a trivial job over the same in-memory input
 * in one run, on each state backend: same source, same parsing and event time, same {@code
 * keyBy(account)}, then either the three detection stages or a per-key counter. Then event-to-alert
 * latency of the detection job at a steady input rate.
 *
 * <p>Throughput is records over the job's net runtime (deployment included, which a run of tens of
 * seconds amortises). The first job is a warm-up and is not reported.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Benchmarks the Flink detection job against a trivial keyed count over the same input,"
            + " on hashmap and RocksDB state, and measures event-to-alert latency.")
public final class BenchCommand implements Callable<Integer> {
  @Option(
      names = "--records",
      description = "Exchanges of the built-in scenario to run over (default: ${DEFAULT-VALUE}).")
  int records = 300_000;

  @Option(
      names = {"-p", "--parallelism"},
      description = "Parallelism of source and keyed stages (default: ${DEFAULT-VALUE}).")
  int parallelism = 2;

  @Option(
      names = "--backends",
      split = ",",
      description = "State backends to run (default: hashmap,rocksdb).")
  List<JobOptions.StateBackend> backends =
      List.of(JobOptions.StateBackend.hashmap, JobOptions.StateBackend.rocksdb);

  @Option(
      names = "--latency-rate",
      description =
          "Steady input rate of the latency run, exchanges/s; 0 skips it (default:"
              + " ${DEFAULT-VALUE}).")
  double latencyRate = 100_000;

  @Option(
      names = "--flink",
      paramLabel = "<key=value>",
      description = "Any Flink configuration option, e.g. execution.buffer-timeout.interval=10ms.")
  Map<String, String> flink = new LinkedHashMap<>();

  @Mixin DetectorOptions detector = new DetectorOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (records < 1 || parallelism < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--records and --parallelism must be >= 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    long t0 = System.nanoTime();
    BenchInput input =
        BenchInput.generate(ScenarioPresets.builtIn().iterator(), records, parallelism);
    BenchInput.current = input;
    out.printf(
        Locale.ROOT,
        "input: %d exchanges of the built-in scenario in %d partitions, generated in %.1f s%n",
        input.total,
        parallelism,
        (System.nanoTime() - t0) / 1e9);
    out.flush();
    try {
      run(JobOptions.StateBackend.hashmap, false, 0); // warm-up: JIT, class loading
      for (JobOptions.StateBackend backend : backends) {
        double trivial = throughput(run(backend, false, 0), input);
        double detect = throughput(run(backend, true, 0), input);
        out.printf(
            Locale.ROOT,
            "%s: detect=%.0f trivial=%.0f ratio=%.2f%n",
            backend,
            detect,
            trivial,
            detect / trivial);
        out.flush();
      }
      if (latencyRate > 0) {
        ProbeSink.ARRIVALS.clear();
        run(JobOptions.StateBackend.hashmap, true, latencyRate);
        out.println(latency(input, latencyRate));
      }
    } finally {
      BenchInput.current = null;
    }
    out.flush();
    return 0;
  }

  private JobExecutionResult run(JobOptions.StateBackend backend, boolean detect, double rate)
      throws Exception {
    var conf = DetectionJob.configuration(backend, flink);
    java.nio.file.Path checkpoints = java.nio.file.Files.createTempDirectory("distillwatch-bench-");
    DetectionJob.localCheckpointStorage(conf, checkpoints);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    DetectionJob.enableCheckpointing(env, DetectionJob.DEFAULT_CHECKPOINT_INTERVAL);
    BenchSource source = new BenchSource(parallelism, rate);
    if (detect) {
      DetectionJob.Streams streams =
          DetectionJob.detect(
              env,
              DetectionJob.Input.rawLines(source, parallelism),
              DetectionJob.stages(DetectorSettings.of(detector.config())),
              DetectionJob.DEFAULT_OUT_OF_ORDERNESS,
              DetectionJob.DEFAULT_IDLENESS);
      if (rate > 0) {
        streams.alerts().sinkTo(new ProbeSink()).setParallelism(1);
      } else {
        streams.alerts().sinkTo(new DiscardingSink<>()).setParallelism(1);
      }
      streams.deadLetters().sinkTo(new DiscardingSink<>());
    } else {
      DetectionJob.parse(
              env,
              DetectionJob.Input.rawLines(source, parallelism),
              DetectionJob.DEFAULT_OUT_OF_ORDERNESS,
              DetectionJob.DEFAULT_IDLENESS)
          .exchanges()
          .keyBy(DetectionJob.ACCOUNT_KEY, Types.STRING)
          .process(new CountPerKey(), Types.LONG)
          .name("count")
          .sinkTo(new DiscardingSink<>());
    }
    try {
      return env.execute(detect ? "bench-detect-" + backend : "bench-trivial-" + backend);
    } finally {
      io.distillwatch.flink.RunJobCommand.deleteTree(checkpoints);
    }
  }

  private static double throughput(JobExecutionResult r, BenchInput input) {
    return input.total / Math.max(1e-9, r.getNetRuntime() / 1000.0);
  }

  /** Event-to-alert latency: from the triggering exchange leaving the source to the alert sink. */
  static String latency(BenchInput input, double rate) {
    // An alert's trigger is the exchange at its detection time from the account (or a member).
    Map<Long, List<ProbeSink.Arrival>> byTime = new HashMap<>();
    for (ProbeSink.Arrival a : ProbeSink.ARRIVALS) {
      byTime.computeIfAbsent(a.alert().detectedAt(), k -> new ArrayList<>()).add(a);
    }
    List<Long> nanos = new ArrayList<>();
    for (int p = 0; p < input.lines.length; p++) {
      for (int i = 0; i < input.timestamps[p].length; i++) {
        List<ProbeSink.Arrival> at = byTime.get(input.timestamps[p][i]);
        if (at == null) {
          continue;
        }
        for (var it = at.iterator(); it.hasNext(); ) {
          ProbeSink.Arrival a = it.next();
          if (names(a.alert(), input.accounts[p][i])) {
            nanos.add(a.nanos() - input.emittedAt[p][i]);
            it.remove();
          }
        }
      }
    }
    if (nanos.isEmpty()) {
      return String.format(
          Locale.ROOT,
          "latency at %.0f exchanges/s: no alerts (%d arrived)",
          rate,
          ProbeSink.ARRIVALS.size());
    }
    long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    return String.format(
        Locale.ROOT,
        "latency at %.0f exchanges/s over %d alerts: p50=%.1f ms p99=%.1f ms max=%.1f ms",
        rate,
        sorted.length,
        percentile(sorted, 0.50) / 1e6,
        percentile(sorted, 0.99) / 1e6,
        sorted[sorted.length - 1] / 1e6);
  }

  private static boolean names(Alert a, String account) {
    return a instanceof AccountAlert x
        ? x.accountId().equals(account)
        : ((ClusterAlert) a).accounts().contains(account);
  }

  private static double percentile(long[] sorted, double q) {
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  }

  /** The trivial job's keyed stage: a per-account count in keyed state, nothing emitted. */
  static final class CountPerKey extends KeyedProcessFunction<String, Exchange, Long> {
    private static final long serialVersionUID = 1L;
    private transient ValueState<Long> count;

    @Override
    public void open(OpenContext openContext) {
      count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
    }

    @Override
    public void processElement(Exchange e, Context ctx, Collector<Long> out) throws Exception {
      Long n = count.value();
      count.update(n == null ? 1 : n + 1);
    }
  }

  /** Records when each alert reached the sink (the MiniCluster shares this JVM). */
  static final class ProbeSink implements Sink<Alert> {
    private static final long serialVersionUID = 1L;

    record Arrival(Alert alert, long nanos) {}

    static final ConcurrentLinkedQueue<Arrival> ARRIVALS = new ConcurrentLinkedQueue<>();

    @Override
    public SinkWriter<Alert> createWriter(WriterInitContext context) {
      return new SinkWriter<>() {
        @Override
        public void write(Alert a, Context ctx) {
          ARRIVALS.add(new Arrival(a, System.nanoTime()));
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
      };
    }
  }
}
