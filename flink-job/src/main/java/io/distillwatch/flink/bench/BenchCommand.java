package io.distillwatch.flink.bench;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.ClusterAlert;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.stats.RobustStats;
import io.distillwatch.examples.cli.DetectorOptions;
import io.distillwatch.examples.generate.ScenarioPresets;
import io.distillwatch.flink.DetectionJob;
import io.distillwatch.flink.DetectorSettings;
import io.distillwatch.flink.JobOptions;
import io.distillwatch.flink.RunJobCommand;
import io.distillwatch.flink.types.JobTypes;
import java.io.PrintWriter;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code distillwatch bench}: the detection job against a trivial job over the same input in one
 * run, on each state backend: same source, same parsing and event time, same {@code
 * keyBy(account)}, then either the three detection stages or a per-key counter. Then event-to-alert
 * latency of the detection job at a steady input rate.
 *
 * <p>Throughput is records over the job's net runtime (deployment included, which a run of tens of
 * seconds amortises). On each backend, {@code --warmups} pairs of jobs (trivial, then detection)
 * run first and are not reported, then {@code --rounds} measured pairs; the line printed for the
 * backend gives the median throughputs and their ratio.
 *
 * <p>Implementation notes: one warm-up pair is not enough for the detection job, which has far more
 * code than the trivial one. Per-thread CPU read from {@code /proc} during a run of 1.88M exchanges
 * showed the C2 compiler busy for 1.9 s of the first measured detection run's 12.1 s of CPU after
 * one warm-up pair, 1.1 s after two and 0.2 s after three, while the trivial job's compiler time
 * was 0.4 s after one. So the default is three, and a measured pair compares two compiled jobs, not
 * the JIT.
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
      names = "--warmups",
      description =
          "Trivial and detection job pairs run first on each backend, not reported, so the JIT has"
              + " compiled both before measuring (default: ${DEFAULT-VALUE}).")
  int warmups = 3;

  @Option(
      names = "--rounds",
      description =
          "Measured trivial and detection job pairs on each backend; the backend's line gives"
              + " their medians (default: ${DEFAULT-VALUE}).")
  int rounds = 3;

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
    if (records < 1 || parallelism < 1 || rounds < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--records, --parallelism and --rounds must be >= 1");
    }
    if (warmups < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--warmups must be >= 0");
    }
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("distillwatch-bench-input-");
    try {
      bench(dir, out);
    } finally {
      RunJobCommand.deleteTree(dir);
    }
    out.flush();
    return 0;
  }

  private void bench(Path dir, PrintWriter out) throws Exception {
    long t0 = System.nanoTime();
    BenchInput input =
        BenchInput.generate(ScenarioPresets.builtIn().iterator(), records, parallelism, dir);
    out.printf(
        Locale.ROOT,
        "input: %d exchanges of the built-in scenario in %d partitions, generated in %.1f s%n",
        input.total,
        parallelism,
        (System.nanoTime() - t0) / 1e9);
    out.flush();
    for (JobOptions.StateBackend backend : backends) {
      for (int i = 0; i < warmups; i++) {
        run(input, backend, false, 0);
        run(input, backend, true, 0);
      }
      double[] trivial = new double[rounds];
      double[] detect = new double[rounds];
      StringBuilder each = new StringBuilder();
      for (int i = 0; i < rounds; i++) {
        trivial[i] = throughput(run(input, backend, false, 0), input);
        detect[i] = throughput(run(input, backend, true, 0), input);
        each.append(String.format(Locale.ROOT, " %.2f", detect[i] / trivial[i]));
      }
      if (rounds > 1) {
        out.printf(Locale.ROOT, "%s: %d rounds, each round's ratio:%s%n", backend, rounds, each);
      }
      double d = RobustStats.median(detect, 0, rounds, null);
      double t = RobustStats.median(trivial, 0, rounds, null);
      out.printf(Locale.ROOT, "%s: detect=%.0f trivial=%.0f ratio=%.2f%n", backend, d, t, d / t);
      out.flush();
    }
    if (latencyRate > 0) {
      JobExecutionResult r = run(input, JobOptions.StateBackend.hashmap, true, latencyRate);
      List<Probe.Arrival> arrivals = r.getAccumulatorResult(Probe.ARRIVALS);
      out.println(latency(input, input.readEmitted(), arrivals, latencyRate));
    }
  }

  private JobExecutionResult run(
      BenchInput input, JobOptions.StateBackend backend, boolean detect, double rate)
      throws Exception {
    var conf = DetectionJob.configuration(backend, flink);
    java.nio.file.Path checkpoints = java.nio.file.Files.createTempDirectory("distillwatch-bench-");
    DetectionJob.localCheckpointStorage(conf, checkpoints);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    DetectionJob.enableCheckpointing(env, DetectionJob.DEFAULT_CHECKPOINT_INTERVAL);
    BenchSource source = new BenchSource(input.dir, parallelism, rate);
    if (detect) {
      DetectionJob.Streams streams =
          DetectionJob.detect(
              env,
              DetectionJob.Input.rawLines(source, parallelism),
              DetectionJob.stages(DetectorSettings.of(detector.config())),
              DetectionJob.DEFAULT_OUT_OF_ORDERNESS,
              DetectionJob.DEFAULT_IDLENESS);
      if (rate > 0) {
        streams
            .alerts()
            .process(new Probe(), JobTypes.ALERT)
            .name("probe")
            .setParallelism(1)
            .sinkTo(new DiscardingSink<>())
            .setParallelism(1);
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
      RunJobCommand.deleteTree(checkpoints);
    }
  }

  private static double throughput(JobExecutionResult r, BenchInput input) {
    return input.total / Math.max(1e-9, r.getNetRuntime() / 1000.0);
  }

  /** Event-to-alert latency: from the triggering exchange leaving the source to the alert sink. */
  static String latency(
      BenchInput input, long[][] emittedAt, List<Probe.Arrival> arrivals, double rate) {
    // An alert's trigger is the exchange at its detection time from the account (or a member).
    Map<Long, List<Probe.Arrival>> byTime = new HashMap<>();
    for (Probe.Arrival a : arrivals) {
      byTime.computeIfAbsent(a.detectedAt(), k -> new ArrayList<>()).add(a);
    }
    List<Long> nanos = new ArrayList<>();
    for (int p = 0; p < input.partitions(); p++) {
      for (int i = 0; i < input.timestamps[p].length; i++) {
        List<Probe.Arrival> at = byTime.get(input.timestamps[p][i]);
        if (at == null) {
          continue;
        }
        for (var it = at.iterator(); it.hasNext(); ) {
          Probe.Arrival a = it.next();
          if (a.accounts().contains(input.accounts[p][i])) {
            nanos.add(a.nanos() - emittedAt[p][i]);
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
          arrivals.size());
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

  /**
   * Records when each alert reached the end of the job, in epoch nanoseconds, into an accumulator
   * that the job's result returns; alerts pass through to the sink.
   */
  static final class Probe extends ProcessFunction<Alert, Alert> {
    private static final long serialVersionUID = 1L;

    static final String ARRIVALS = "bench-arrivals";

    /** An alert's detection time, the accounts it names, and when it arrived. */
    record Arrival(long detectedAt, List<String> accounts, long nanos) implements Serializable {}

    private transient ListAccumulator<Arrival> arrivals;
    private transient EpochClock clock;

    @Override
    public void open(OpenContext openContext) {
      arrivals = new ListAccumulator<>();
      getRuntimeContext().addAccumulator(ARRIVALS, arrivals);
      clock = EpochClock.start();
    }

    @Override
    public void processElement(Alert a, Context ctx, Collector<Alert> out) {
      long now = clock.nanos();
      List<String> accounts =
          a instanceof AccountAlert x
              ? List.of(x.accountId())
              : List.copyOf(((ClusterAlert) a).accounts());
      arrivals.add(new Arrival(a.detectedAt(), accounts, now));
      out.collect(a);
    }
  }
}
