package io.distillwatch.flink;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.AlertJson;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.examples.generate.ScenarioPresets;
import io.distillwatch.examples.generate.TraceGenerator;
import io.distillwatch.examples.replay.Evaluation;
import io.distillwatch.examples.replay.Replay;
import io.distillwatch.flink.stage.ParseExchanges;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code distillwatch run}: the detection job in a local Flink MiniCluster. With no input it runs
 * the built-in scenario and ends with how each campaign and benign archetype fared; over a file it
 * writes {@code --alerts} and {@code --rejected} as single JSON-lines files and ends with the
 * replay's closing line {@code records=.. accepted=.. rejected=.. alerts=..} (rejected counts late
 * records too); over Kafka it runs until stopped (or, with {@code --kafka-bounded}, to the end).
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Runs the detection job in a local Flink MiniCluster: on the built-in scenario by"
            + " default, or on a trace file, or Kafka to Kafka.")
public final class RunJobCommand implements Callable<Integer> {
  @Mixin JobOptions options = new JobOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    options.validate(spec.commandLine());
    if (options.input != null && !Files.exists(options.input)) {
      throw new IllegalArgumentException("input " + options.input + " does not exist");
    }
    PrintWriter out = spec.commandLine().getOut();
    // Outside a Flink client this is a local MiniCluster with as many slots as the parallelism
    // (in tests, the test cluster).
    Configuration conf = DetectionJob.configuration(options.stateBackend, options.flink);
    conf.set(CoreOptions.DEFAULT_PARALLELISM, options.parallelism);
    Path checkpoints = Files.createTempDirectory("distillwatch-checkpoints-");
    DetectionJob.localCheckpointStorage(conf, checkpoints);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    Path alertParts = options.alerts == null ? null : partsFolder(options.alerts);
    Path rejectedParts = options.rejected == null ? null : partsFolder(options.rejected);
    boolean builtIn = options.input == null && options.inputTopic == null;
    DetectionJob.Streams streams = DetectionJob.build(env, options, alertParts, rejectedParts);

    // The evaluation of the built-in scenario needs the alerts in this JVM; they still go to the
    // chosen sink too. A second file sink, not collect(): the collect sink's fetcher polls the job
    // and, when the local cluster has shut down first, warns that data might be lost. Part files
    // are committed by the final checkpoint, so what is read back is exactly what was emitted.
    Path evaluationParts = null;
    if (builtIn) {
      evaluationParts = Files.createTempDirectory("distillwatch-evaluation-");
      DetectionJob.sinkAlerts(
          streams,
          DetectionJob.fileSink(evaluationParts.toString()),
          "evaluation-json",
          "evaluation");
    }
    long started = System.nanoTime();
    JobExecutionResult result = env.execute("distillwatch-detection");
    double seconds = (System.nanoTime() - started) / 1e9;
    deleteTree(checkpoints);
    List<Alert> alerts = new ArrayList<>();
    if (evaluationParts != null) {
      Path merged = Files.createTempFile("distillwatch-evaluation-", ".jsonl");
      mergeParts(evaluationParts, merged);
      for (String line : Files.readAllLines(merged, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          alerts.add(AlertJson.parse(line));
        }
      }
      Files.delete(merged);
    }
    if (alertParts != null) {
      mergeParts(alertParts, options.alerts);
    }
    if (rejectedParts != null) {
      mergeParts(rejectedParts, options.rejected);
    }

    long records = counter(result, "records");
    long rejected = counter(result, "rejected") + counter(result, "late");
    long alertCount = counter(result, "alerts");
    if (builtIn) {
      TraceGenerator trace = ScenarioPresets.builtIn();
      out.print(evaluate(trace, alerts).report().table());
      out.printf(
          Locale.ROOT,
          "built-in scenario (seed %d, scale %s) detected on Flink at parallelism %d in %.1f s"
              + " (%.0f exchanges/s); late %d%n",
          trace.seed(),
          trace.scale(),
          options.parallelism,
          seconds,
          records / Math.max(1e-9, seconds),
          counter(result, "late"));
    }
    for (String w :
        Replay.fieldWarnings(
            records - counter(result, "rejected"),
            counter(result, ParseExchanges.WITHOUT_PROMPT_HASH),
            counter(result, ParseExchanges.WITHOUT_TEMPLATE_HASH))) {
      out.println(w);
    }
    out.println(
        "records="
            + records
            + " accepted="
            + (records - rejected)
            + " rejected="
            + rejected
            + " alerts="
            + alertCount);
    out.flush();
    return 0;
  }

  /**
   * Scores the job's alerts as the replay would: each exchange in trace order, each alert after the
   * exchanges up to its detection time (an alert follows the exchange that raised it).
   */
  static Evaluation evaluate(TraceGenerator trace, List<Alert> alerts) {
    Evaluation evaluation = new Evaluation(trace.labels(), 120);
    List<Alert> sorted = new ArrayList<>(alerts);
    sorted.sort(Comparator.comparingLong(Alert::detectedAt));
    int next = 0;
    for (Exchange e : trace) {
      while (next < sorted.size() && sorted.get(next).detectedAt() < e.timestamp()) {
        evaluation.alert(sorted.get(next++));
      }
      evaluation.exchange(e);
    }
    while (next < sorted.size()) {
      evaluation.alert(sorted.get(next++));
    }
    return evaluation;
  }

  private static long counter(JobExecutionResult result, String name) {
    Object v = result.getAccumulatorResult(name);
    return v == null ? 0 : ((Number) v).longValue();
  }

  /** A fresh hidden folder beside {@code file} for the sink's part files. */
  static Path partsFolder(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    return Files.createTempDirectory(parent, "." + file.getFileName() + ".parts-");
  }

  private static final Pattern PART = Pattern.compile(".*-(\\d+)-(\\d+)$");

  /**
   * Concatenates the committed part files of {@code folder} into {@code file}, in order of subtask
   * then part counter (so one writer's order is kept), then deletes the folder.
   */
  static void mergeParts(Path folder, Path file) throws IOException {
    List<Path> parts;
    try (Stream<Path> files = Files.list(folder)) {
      parts =
          files
              .filter(p -> !p.getFileName().toString().startsWith("."))
              .sorted(Comparator.comparing(RunJobCommand::partOrder))
              .toList();
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      for (Path p : parts) {
        Files.copy(p, out);
      }
    }
    deleteTree(folder);
  }

  /** Deletes a folder and what it holds, best effort: Flink may still be discarding files. */
  public static void deleteTree(Path folder) {
    try (Stream<Path> all = Files.walk(folder)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      // a checkpoint file discarded concurrently; the temp folder is left for the OS to clean
    }
  }

  private static String partOrder(Path p) {
    Matcher m = PART.matcher(p.getFileName().toString());
    return m.matches()
        ? String.format(
            Locale.ROOT, "%010d-%019d", Long.parseLong(m.group(1)), Long.parseLong(m.group(2)))
        : p.getFileName().toString();
  }
}
