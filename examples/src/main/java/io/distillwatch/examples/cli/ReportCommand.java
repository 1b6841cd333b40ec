package io.distillwatch.examples.cli;

import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.examples.generate.Labels;
import io.distillwatch.examples.generate.LabelsJson;
import io.distillwatch.examples.replay.Replay;
import io.distillwatch.examples.report.HtmlReport;
import io.distillwatch.examples.report.ReportData;
import io.distillwatch.examples.report.ReportRecorder;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code distillwatch report}: replays a labelled trace through the core detector, exactly as
 * {@code replay} does, and writes one self-contained HTML file with the summary tables and the
 * charts (see {@link HtmlReport}); prints where it wrote it and the replay's closing line.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description =
        "Replays a labelled trace and writes one self-contained HTML report with charts: traffic"
            + " and alerts over time, evidence of benign and campaign accounts, precision and"
            + " recall over the threshold, the signals behind the top alerts, and the rate-limit"
            + " baseline.")
public final class ReportCommand implements Callable<Integer> {

  @Option(
      names = {"-i", "--input"},
      required = true,
      description = "Trace to replay (JSON lines).")
  Path input;

  @Option(names = "--labels", required = true, description = "Labels of the trace (JSON).")
  Path labels;

  @Option(
      names = {"-o", "--output"},
      required = true,
      description = "HTML file to write.")
  Path output;

  @Mixin DetectorOptions detectorOptions = new DetectorOptions();

  @Option(
      names = "--rate-limit-per-hour",
      description =
          "The baseline's per-account limit, exchanges in any sliding hour (default: 120).")
  int rateLimitPerHour = 120;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    // Charts are drawn with Java2D; no display is needed or wanted.
    System.setProperty("java.awt.headless", "true");
    if (!Files.isRegularFile(input)) {
      throw new IllegalArgumentException("input file " + input + " does not exist");
    }
    if (!Files.isRegularFile(labels)) {
      throw new IllegalArgumentException("labels file " + labels + " does not exist");
    }
    if (rateLimitPerHour < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--rate-limit-per-hour must be at least 1, was " + rateLimitPerHour);
    }
    Labels truth = LabelsJson.read(labels);
    ExtractionDetector detector = detectorOptions.detector();
    ReportRecorder recorder = new ReportRecorder(truth, detector, rateLimitPerHour);
    Replay.Summary summary;
    try (Progress progress = Progress.start("report", Files.size(input), spec);
        InputStream in = progress.track(Files.newInputStream(input))) {
      Replay replay = new Replay(detector, a -> {}, r -> {}, recorder, progress::records);
      summary = replay.run(in, ExchangeParser.builder().build());
    }
    ReportData data = recorder.finish(summary, input.getFileName().toString());
    HtmlReport.write(data, output);
    PrintWriter out = spec.commandLine().getOut();
    out.println("report: wrote " + output);
    out.println(summary.line());
    out.flush();
    return 0;
  }
}
