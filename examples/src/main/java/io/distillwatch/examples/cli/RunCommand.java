package io.distillwatch.examples.cli;

import io.distillwatch.core.alert.AlertJson;
import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.examples.generate.ScenarioPresets;
import io.distillwatch.examples.generate.TraceGenerator;
import io.distillwatch.examples.replay.Evaluation;
import io.distillwatch.examples.replay.Replay;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code distillwatch run} on the core detector: replays the built-in synthetic scenario (every
 * campaign preset and the benign population, generated in memory) with alerts to the log and the
 * evaluation at the end. The Flink job module replaces this command with the same behaviour on a
 * local Flink MiniCluster.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Runs detection on the built-in synthetic scenario, alerts to the log, and prints how"
            + " each campaign and benign archetype fared.")
public final class RunCommand implements Callable<Integer> {
  private static final Logger ALERTS = LoggerFactory.getLogger("io.distillwatch.alerts");

  @Mixin DetectorOptions detectorOptions = new DetectorOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    TraceGenerator trace = ScenarioPresets.builtIn();
    ExtractionDetector detector = detectorOptions.detector();
    Evaluation evaluation = new Evaluation(trace.labels(), 120);
    Replay.Summary summary;
    try (Progress progress = Progress.start("run", 0, spec)) {
      Replay replay =
          new Replay(
              detector,
              a -> ALERTS.info("{}", AlertJson.toJson(a)),
              r -> {},
              evaluation,
              progress::records);
      summary = replay.run(trace);
    }
    out.print(evaluation.report().table());
    out.printf(
        Locale.ROOT,
        "built-in scenario (seed %d, scale %s) replayed in %.1f s (%.0f exchanges/s)%n",
        trace.seed(),
        trace.scale(),
        summary.seconds(),
        summary.accepted() / Math.max(1e-9, summary.seconds()));
    out.println(summary.line());
    out.flush();
    return 0;
  }
}
