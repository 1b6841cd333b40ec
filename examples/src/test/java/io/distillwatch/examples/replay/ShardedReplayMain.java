package io.distillwatch.examples.replay;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.detect.DetectorConfig;
import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.core.io.JsonLinesReader;
import io.distillwatch.core.io.ParseResult;
import io.distillwatch.examples.generate.Labels;
import io.distillwatch.examples.generate.LabelsJson;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Measures the job's stage layout at several parallelisms on a labelled trace, without Flink:
 *
 * <pre>
 * java -cp ... io.distillwatch.examples.replay.ShardedReplayMain trace.jsonl labels.json 1,2,4,8 [ablations]
 * </pre>
 *
 * where {@code ablations} is a comma-separated list of {@link ShardedDetector.Shared} names, each
 * run on its own at every parallelism, {@code ALL} for all of them at once, or {@code ALL-X} for
 * all but {@code X}; {@code core} as the parallelism list runs {@code ExtractionDetector} itself.
 * One line per run: alerts, each campaign's recall and first alert, flagged benign accounts and
 * hard negatives.
 */
public final class ShardedReplayMain {
  private ShardedReplayMain() {}

  public static void main(String[] args) throws Exception {
    List<Exchange> trace = read(Path.of(args[0]));
    Labels labels = LabelsJson.read(Path.of(args[1]));
    DetectorConfig config = ExtractionDetector.builder().config();
    List<Set<ShardedDetector.Shared>> variants = new ArrayList<>();
    variants.add(EnumSet.noneOf(ShardedDetector.Shared.class));
    if (args.length > 3) {
      for (String a : args[3].split(",")) {
        if (a.equals("ALL")) {
          variants.add(EnumSet.allOf(ShardedDetector.Shared.class));
        } else if (a.startsWith("ALL-")) {
          Set<ShardedDetector.Shared> allBut = EnumSet.allOf(ShardedDetector.Shared.class);
          allBut.remove(ShardedDetector.Shared.valueOf(a.substring(4)));
          variants.add(allBut);
        } else {
          variants.add(EnumSet.of(ShardedDetector.Shared.valueOf(a)));
        }
      }
    }
    for (String ps : args[2].split(",")) {
      if (ps.equals("core")) {
        ExtractionDetector d = ExtractionDetector.builder().build();
        System.out.println(line("core", "-", trace, labels, d::observe));
        continue;
      }
      int p = Integer.parseInt(ps);
      for (Set<ShardedDetector.Shared> shared : variants) {
        ShardedDetector d = new ShardedDetector(config, p, shared);
        String name = shared.isEmpty() ? "none" : shared.toString();
        System.out.println(line("p=" + p, name, trace, labels, d::observe));
      }
    }
  }

  interface Detector {
    List<Alert> observe(Exchange e);
  }

  static String line(
      String run, String shared, List<Exchange> trace, Labels labels, Detector detector) {
    Evaluation evaluation = new Evaluation(labels, 120);
    long alerts = 0;
    for (Exchange e : trace) {
      evaluation.exchange(e);
      for (Alert a : detector.observe(e)) {
        alerts++;
        evaluation.alert(a);
      }
    }
    return summary(run, shared, alerts, evaluation.report());
  }

  static String summary(String run, String shared, long alerts, Evaluation.Report r) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-5s %-24s alerts=%4d |", run, shared, alerts));
    for (Evaluation.CampaignResult c : r.campaigns()) {
      sb.append(
          String.format(
              Locale.ROOT,
              " %s %.0f%% %s |",
              c.name(),
              100 * c.recall(),
              c.timeToFirstAlertMillis() < 0
                  ? "never"
                  : String.format(Locale.ROOT, "%.1fh", c.timeToFirstAlertMillis() / 3.6e6)));
    }
    long hard = 0;
    for (Evaluation.BenignResult b : r.benign()) {
      if (b.hardNegative()) {
        hard += b.flagged();
        if (b.flagged() > 0) {
          sb.append(" ").append(b.archetype()).append("=").append(b.flagged());
        }
      }
    }
    sb.append(
        String.format(
            Locale.ROOT,
            " | hard=%d benign=%d/%d (%.3f%%)",
            hard,
            r.benignFlagged(),
            r.benignAccounts(),
            100 * r.benignFalsePositiveRate()));
    return sb.toString();
  }

  static List<Exchange> read(Path path) throws Exception {
    List<Exchange> out = new ArrayList<>(2_000_000);
    try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        JsonLinesReader reader = new JsonLinesReader(in, ExchangeParser.builder().build())) {
      ParseResult r;
      while ((r = reader.next()) != null) {
        if (r.isAccepted()) {
          out.add(r.exchange());
        }
      }
    }
    return out;
  }
}
