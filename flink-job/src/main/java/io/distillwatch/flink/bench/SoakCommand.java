package io.distillwatch.flink.bench;

import io.distillwatch.examples.cli.DetectorOptions;
import io.distillwatch.flink.DetectionJob;
import io.distillwatch.flink.DetectorSettings;
import io.distillwatch.flink.JobOptions;
import io.distillwatch.flink.RunJobCommand;
import io.distillwatch.flink.source.ScenarioSpec;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code distillwatch soak}: the detection job in a local MiniCluster for a long run at a steady
 * share of its maximum rate, with checkpoints, printing over time the backlog (lines the schedule
 * has offered that the source could not yet emit: the job's lag), the last checkpoint's duration
 * and size, and the heap; at the end, whether the backlog grew.
 *
 * <p>The maximum rate is measured first, unless given: the same job unthrottled, its rate over the
 * measuring window after a warm-up.
 */
@Command(
    name = "soak",
    mixinStandardHelpOptions = true,
    description =
        "Runs the detection job for minutes at a share of its maximum rate with checkpoints,"
            + " printing backlog, checkpoint duration and size, and heap over time.")
public final class SoakCommand implements Callable<Integer> {
  @Option(names = "--minutes", description = "Length of the soak (default: ${DEFAULT-VALUE}).")
  double minutes = 10;

  @Option(
      names = "--fraction",
      description = "Share of the maximum rate to run at (default: ${DEFAULT-VALUE}).")
  double fraction = 0.8;

  @Option(
      names = "--max-rate",
      description = "Maximum rate in exchanges/s; 0 measures it first (default: ${DEFAULT-VALUE}).")
  double maxRate = 0;

  @Option(
      names = "--measure-seconds",
      description = "Length of the maximum-rate measurement (default: ${DEFAULT-VALUE}).")
  int measureSeconds = 60;

  @Option(
      names = {"-p", "--parallelism"},
      description = "Parallelism of the keyed stages (default: ${DEFAULT-VALUE}).")
  int parallelism = 2;

  @Option(
      names = "--checkpoint-interval",
      converter = JobOptions.DurationConverter.class,
      description = "Checkpoint interval (default: 10s).")
  Duration checkpointInterval = Duration.ofSeconds(10);

  @Option(
      names = "--report-every",
      converter = JobOptions.DurationConverter.class,
      description = "How often to print a line (default: 15s).")
  Duration reportEvery = Duration.ofSeconds(15);

  @Option(
      names = "--state-backend",
      description = "Keyed state backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  JobOptions.StateBackend stateBackend = JobOptions.StateBackend.hashmap;

  @Option(names = "--flink", paramLabel = "<key=value>", description = "Any Flink option.")
  Map<String, String> flink = new LinkedHashMap<>();

  @Mixin DetectorOptions detector = new DetectorOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** One printed sample. */
  record Sample(double seconds, long backlog) {}

  @Override
  public Integer call() throws Exception {
    if (minutes <= 0 || fraction <= 0 || parallelism < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--minutes, --fraction and --parallelism must be positive");
    }
    PrintWriter out = spec.commandLine().getOut();
    Path checkpoints = Files.createTempDirectory("distillwatch-soak-");
    Configuration conf = DetectionJob.configuration(stateBackend, flink);
    DetectionJob.localCheckpointStorage(conf, checkpoints);
    MiniClusterConfiguration cluster =
        new MiniClusterConfiguration.Builder()
            .setConfiguration(conf)
            .setNumTaskManagers(1)
            .setNumSlotsPerTaskManager(parallelism)
            .build();
    try (MiniCluster mini = new MiniCluster(cluster)) {
      mini.start();
      double max = maxRate;
      if (max <= 0) {
        max = measure(mini, conf, checkpoints, out);
      }
      double rate = fraction * max;
      out.printf(
          Locale.ROOT,
          "soak: %.1f min at %.0f exchanges/s (%.0f%% of %.0f/s), parallelism %d, %s state,"
              + " checkpoints every %d s%n",
          minutes,
          rate,
          100 * fraction,
          max,
          parallelism,
          stateBackend,
          checkpointInterval.toSeconds());
      out.flush();
      List<Sample> samples = soak(mini, conf, rate, checkpoints, out);
      out.println(verdict(samples, rate));
    } finally {
      RunJobCommand.deleteTree(checkpoints);
    }
    out.flush();
    return 0;
  }

  /** The job unthrottled: its rate over the window after a 15 s warm-up. */
  private double measure(MiniCluster mini, Configuration conf, Path dir, PrintWriter out)
      throws Exception {
    Path progress = dir.resolve("measure.progress");
    JobID job = submit(mini, conf, 1e12, progress);
    Thread.sleep(15_000);
    long from = SoakSource.readProgress(progress);
    long t0 = System.nanoTime();
    Thread.sleep(measureSeconds * 1000L);
    double rate = (SoakSource.readProgress(progress) - from) / ((System.nanoTime() - t0) / 1e9);
    mini.cancelJob(job).get();
    mini.requestJobResult(job).get();
    out.printf(
        Locale.ROOT,
        "maximum rate: %.0f exchanges/s (unthrottled, over %d s)%n",
        rate,
        measureSeconds);
    out.flush();
    return rate;
  }

  private List<Sample> soak(
      MiniCluster mini, Configuration conf, double rate, Path dir, PrintWriter out)
      throws Exception {
    Path progress = dir.resolve("soak.progress");
    long startNanos = System.nanoTime();
    JobID job = submit(mini, conf, rate, progress);
    List<Sample> samples = new ArrayList<>();
    long end = startNanos + (long) (minutes * 60e9);
    long next = startNanos;
    var memory = ManagementFactory.getMemoryMXBean();
    while (System.nanoTime() < end) {
      next += reportEvery.toNanos();
      long sleep = (next - System.nanoTime()) / 1_000_000;
      if (sleep > 0) {
        Thread.sleep(sleep);
      }
      double t = (System.nanoTime() - startNanos) / 1e9;
      long emitted = SoakSource.readProgress(progress);
      long backlog = Math.max(0, (long) (rate * t) - emitted);
      samples.add(new Sample(t, backlog));
      CompletedCheckpointStats cp =
          mini.getExecutionGraph(job)
              .get()
              .getCheckpointStatsSnapshot()
              .getHistory()
              .getLatestCompletedCheckpoint();
      var graph = mini.getExecutionGraph(job).get();
      String checkpoint =
          cp == null
              ? "no checkpoint yet"
              : String.format(
                  Locale.ROOT,
                  "checkpoint #%d %d ms %.1f MiB (account stage sync %s ms)",
                  cp.getCheckpointId(),
                  cp.getEndToEndDuration(),
                  cp.getStateSize() / 1048576.0,
                  accountStageSyncMillis(graph, cp));
      Map<String, String> counts = new LinkedHashMap<>();
      for (var a : graph.getAccumulatorResultsStringified()) {
        counts.put(a.getName(), a.getValue());
      }
      out.printf(
          Locale.ROOT,
          "t=%4.0fs parsed=%s rejected=%s late=%s alerts=%s (accumulators, a heartbeat behind)%n",
          t,
          counts.getOrDefault("records", "?"),
          counts.getOrDefault("rejected", "?"),
          counts.getOrDefault("late", "?"),
          counts.getOrDefault("alerts", "?"));
      out.printf(
          Locale.ROOT,
          "t=%4.0fs emitted=%d backlog=%d (%.1f s of input) %s heap=%.0f MiB"
              + " (%.0f MiB live after the last GC)%n",
          t,
          emitted,
          backlog,
          backlog / rate,
          checkpoint,
          memory.getHeapMemoryUsage().getUsed() / 1048576.0,
          heapAfterGc() / 1048576.0);
      out.flush();
    }
    mini.cancelJob(job).get();
    mini.requestJobResult(job).get();
    return samples;
  }

  /**
   * The longest synchronous part of the checkpoint among the account stage's subtasks: on RocksDB
   * it includes writing back the profiles the stage caches, the pause that the job's input sees at
   * the barrier. "?" if the stage is not found.
   */
  static String accountStageSyncMillis(
      org.apache.flink.runtime.executiongraph.AccessExecutionGraph graph,
      CompletedCheckpointStats cp) {
    for (var v : graph.getAllVertices().values()) {
      if (v.getName().contains("accounts")) {
        var stats = cp.getTaskStateStats(v.getJobVertexId());
        if (stats != null) {
          return Long.toString(
              stats.getSummaryStats().getSyncCheckpointDurationStats().getMaximum());
        }
      }
    }
    return "?";
  }

  /** Heap in use right after each heap pool's last collection: the live set, without garbage. */
  private static long heapAfterGc() {
    long used = 0;
    for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == java.lang.management.MemoryType.HEAP
          && pool.getCollectionUsage() != null) {
        used += pool.getCollectionUsage().getUsed();
      }
    }
    return used;
  }

  /**
   * The backlog grew if, over the second half of the soak, its least-squares trend adds more than 5
   * s of input (at the soak's rate): a job that keeps up holds it near zero, with bumps at
   * checkpoints and pauses that it works off.
   */
  static String verdict(List<Sample> samples, double rate) {
    List<Sample> late = samples.subList(samples.size() / 2, samples.size());
    if (late.size() < 2) {
      return "backlog: too few samples to judge";
    }
    double mt = 0;
    double mb = 0;
    for (Sample s : late) {
      mt += s.seconds();
      mb += s.backlog();
    }
    mt /= late.size();
    mb /= late.size();
    double cov = 0;
    double var = 0;
    long maxBacklog = 0;
    for (Sample s : samples) {
      maxBacklog = Math.max(maxBacklog, s.backlog());
    }
    for (Sample s : late) {
      cov += (s.seconds() - mt) * (s.backlog() - mb);
      var += (s.seconds() - mt) * (s.seconds() - mt);
    }
    double slope = var == 0 ? 0 : cov / var;
    double span = late.get(late.size() - 1).seconds() - late.get(0).seconds();
    double addedSeconds = slope * span / rate;
    boolean grew = addedSeconds > 5;
    return String.format(
        Locale.ROOT,
        "backlog %s: trend over the second half %+.1f exchanges/s (%+.1f s of input over %.0f s);"
            + " last %d, max %d",
        grew ? "GREW" : "did not grow",
        slope,
        addedSeconds,
        span,
        samples.get(samples.size() - 1).backlog(),
        maxBacklog);
  }

  /**
   * Submits the job with its source's schedule starting now; the source keeps its count of emitted
   * lines in {@code progress}.
   */
  private JobID submit(MiniCluster mini, Configuration conf, double rate, Path progress)
      throws Exception {
    Instant now = Instant.now();
    long startEpochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
    env.setParallelism(parallelism);
    DetectionJob.enableCheckpointing(env, checkpointInterval);
    DetectionJob.Streams streams =
        DetectionJob.detect(
            env,
            DetectionJob.Input.rawLines(
                new SoakSource(ScenarioSpec.builtIn(), rate, startEpochNanos, progress), 1),
            DetectionJob.stages(DetectorSettings.of(detector.config())),
            DetectionJob.DEFAULT_OUT_OF_ORDERNESS,
            DetectionJob.DEFAULT_IDLENESS);
    streams.alerts().sinkTo(new DiscardingSink<>()).setParallelism(1);
    streams.deadLetters().sinkTo(new DiscardingSink<>());
    return mini.submitJob(env.getStreamGraph()).get().getJobID();
  }
}
