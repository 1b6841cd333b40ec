package io.distillwatch.examples.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.distillwatch.core.alert.AlertJson;
import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.examples.generate.LabelsJson;
import io.distillwatch.examples.replay.Evaluation;
import io.distillwatch.examples.replay.Replay;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code distillwatch replay}: runs the core detector over a trace file, writes the alerts as JSON
 * lines, rejected records with their reasons, and (given labels) the evaluation table; ends with
 * {@code records=.. accepted=.. rejected=.. alerts=..}.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description =
        "Replays a trace through the core detector; with --labels, scores it against the"
            + " campaigns and a plain per-account rate limit.")
public final class ReplayCommand implements Callable<Integer> {

  @Option(
      names = {"-i", "--input"},
      required = true,
      description = "Trace to replay (JSON lines).")
  Path input;

  @Option(names = "--alerts", required = true, description = "Alerts file to write (JSON lines).")
  Path alerts;

  @Option(names = "--labels", description = "Labels of a generated trace, to score the replay.")
  Path labels;

  @Option(
      names = "--rejected",
      description = "Where rejected records go (JSON lines with reason and raw line).")
  Path rejected;

  @Mixin DetectorOptions detectorOptions = new DetectorOptions();

  @Option(
      names = "--rate-limit-per-hour",
      description =
          "The baseline's per-account limit, exchanges in any sliding hour (default: 120).")
  int rateLimitPerHour = 120;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(input)) {
      throw new IllegalArgumentException("input file " + input + " does not exist");
    }
    PrintWriter out = spec.commandLine().getOut();
    ExtractionDetector detector = detectorOptions.detector();
    Evaluation evaluation =
        labels == null ? null : new Evaluation(LabelsJson.read(labels), rateLimitPerHour);
    JsonFactory json = new JsonFactory();
    try (OutputStream alertStream =
            new BufferedOutputStream(Files.newOutputStream(alerts), 1 << 16);
        JsonGenerator alertJson = json.createGenerator(alertStream);
        Writer rejectWriter =
            rejected == null
                ? Writer.nullWriter()
                : new BufferedWriter(Files.newBufferedWriter(rejected, StandardCharsets.UTF_8));
        Progress progress = Progress.start("replay", Files.size(input), spec);
        InputStream in = progress.track(Files.newInputStream(input))) {
      alertJson.setRootValueSeparator(null);
      Replay replay =
          new Replay(
              detector,
              a -> {
                try {
                  AlertJson.write(a, alertJson);
                  alertJson.writeRaw('\n');
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              },
              r -> {
                try {
                  rejectWriter.write(r.toJson());
                  rejectWriter.write('\n');
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              },
              evaluation,
              progress::records);
      Replay.Summary summary = replay.run(in, ExchangeParser.builder().build());
      alertJson.flush();
      progress.close();
      if (evaluation != null) {
        out.print(evaluation.report().table());
      }
      for (String w : summary.fieldWarnings()) {
        out.println(w);
      }
      out.printf(
          Locale.ROOT,
          "replayed in %.1f s (%.0f exchanges/s); account alerts %d, cluster alerts %d, live"
              + " accounts %d%n",
          summary.seconds(),
          summary.accepted() / Math.max(1e-9, summary.seconds()),
          summary.accountAlerts(),
          summary.clusterAlerts(),
          detector.liveAccounts());
      out.println(summary.line());
      out.flush();
    }
    return 0;
  }
}
