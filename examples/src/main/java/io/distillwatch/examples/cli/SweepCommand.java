package io.distillwatch.examples.cli;

import io.distillwatch.examples.generate.OptionalField;
import io.distillwatch.examples.generate.TraceGenerator;
import io.distillwatch.examples.replay.Evaluation;
import io.distillwatch.examples.replay.Goals;
import io.distillwatch.examples.replay.Replay;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code distillwatch sweep}: generates and replays, in memory, one trace per combination of trace
 * start, left-out fields and seed, and prints one row per replay with each campaign's recall and
 * first alert, the benign accounts flagged, and the goals it misses; it ends with how many replays
 * met every goal, and the benign accounts flagged and campaigns never alerted over all of them.
 * Nothing is written to disk.
 *
 * <p>Why: a detector tuned on one trace can pass on it by luck. The same population and campaigns
 * seen through a gateway that reports fewer fields, or by a detector that starts while the
 * campaigns are already running, or drawn with other seeds, are where it shows whether it holds.
 */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    description =
        "Replays generated traces over seeds, left-out fields and trace starts in memory, and"
            + " prints each replay's results against the detector's goals.")
public final class SweepCommand implements Callable<Integer> {
  /** The start value meaning the generator's default. */
  static final String DEFAULT_START = StartOption.DEFAULT;

  @Option(
      names = "--seeds",
      split = ",",
      paramLabel = "<n>",
      description = "Seeds, comma-separated (default: 42,7,3,11,5).")
  List<Long> seeds = new ArrayList<>(List.of(42L, 7L, 3L, 11L, 5L));

  @Mixin TraceOptions trace = new TraceOptions();

  @Option(
      names = "--without",
      split = ",",
      paramLabel = "<fields>",
      description =
          "Variants of left-out optional fields, comma-separated; a variant joins fields with +,"
              + " e.g. none,prompt_hash,ip+asn (default: none). Fields: org_id, ip, asn,"
              + " user_agent, payment_fingerprint, model, template_hash, prompt_hash.")
  List<String> without = new ArrayList<>(List.of("none"));

  @Option(
      names = "--start",
      split = ",",
      paramLabel = "<instant>",
      description =
          "Trace starts, comma-separated: default (the generator's, a week before the largest"
              + " campaign) or an ISO instant, e.g. 2026-04-22T00:00:00Z to start the stream as"
              + " campaigns start (default: default).")
  List<String> starts = new ArrayList<>(List.of(DEFAULT_START));

  @Option(
      names = "--threads",
      description =
          "Replays run at once, each on one thread with its own detector; rows print in order"
              + " (default: 1). Each needs the memory of one replay: about 4 GB at scale 1.")
  int threads = 1;

  @Mixin DetectorOptions detectorOptions = new DetectorOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private record Variant(String start, Instant startAt, Set<OptionalField> without) {}

  private record Result(long seed, Variant variant, Evaluation.Report report, double seconds) {}

  @Override
  public Integer call() throws InterruptedException {
    if (threads < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--threads must be at least 1, was " + threads);
    }
    List<Variant> variants = variants();
    PrintWriter out = spec.commandLine().getOut();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Result>> results = new ArrayList<>();
      for (Variant v : variants) {
        for (long seed : seeds) {
          results.add(pool.submit(() -> replay(v, seed)));
        }
      }
      int met = 0;
      long benign = 0;
      long hard = 0;
      int missed = 0;
      for (int i = 0; i < results.size(); i++) {
        Result r = await(results.get(i));
        if (i == 0) {
          out.println(header(r.report()));
        }
        List<String> unmet = Goals.unmet(r.report());
        if (unmet.isEmpty()) {
          met++;
        }
        benign += r.report().benignFlagged();
        for (Evaluation.BenignResult b : r.report().benign()) {
          hard += b.hardNegative() ? b.flagged() : 0;
        }
        for (Evaluation.CampaignResult c : r.report().campaigns()) {
          missed += c.timeToFirstAlertMillis() < 0 ? 1 : 0;
        }
        out.println(row(r.seed(), r.variant(), r.report(), unmet, r.seconds()));
        out.flush();
      }
      // The totals compare two builds at a glance: what one gains on a goal, the other may lose.
      out.printf(
          Locale.ROOT,
          "sweep: %d replays, %d met every goal; benign accounts flagged %d (%d hard negatives);"
              + " campaigns never alerted %d%n",
          results.size(),
          met,
          benign,
          hard,
          missed);
      out.flush();
    } finally {
      pool.shutdownNow();
    }
    return 0;
  }

  private Result replay(Variant v, long seed) {
    long t0 = System.nanoTime();
    TraceGenerator trace = generator(v, seed);
    Evaluation evaluation = new Evaluation(trace.labels(), 120);
    new Replay(detectorOptions.detector(), a -> {}, r -> {}, evaluation, null).run(trace);
    return new Result(seed, v, evaluation.report(), (System.nanoTime() - t0) / 1e9);
  }

  private static Result await(Future<Result> f) throws InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private List<Variant> variants() {
    List<Variant> variants = new ArrayList<>();
    try {
      for (String s : starts) {
        String start = s.trim();
        Instant at = StartOption.parse(start);
        for (String w : without) {
          variants.add(
              new Variant(start, at, OptionalField.parse(Arrays.asList(w.trim().split("\\+")))));
        }
      }
      // Fail on a bad setting before the first replay, not after minutes of them.
      for (Variant v : variants) {
        generator(v, seeds.isEmpty() ? TraceGenerator.DEFAULT_SEED : seeds.get(0));
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    return variants;
  }

  private TraceGenerator generator(Variant v, long seed) {
    return trace.builder().seed(seed).start(v.startAt()).withoutFields(v.without()).build();
  }

  private static String header(Evaluation.Report report) {
    StringBuilder sb =
        new StringBuilder(
            String.format(Locale.ROOT, "%-6s %-20s %-24s", "seed", "start", "without"));
    for (Evaluation.CampaignResult c : report.campaigns()) {
      sb.append(String.format(Locale.ROOT, " %-14s", c.name()));
    }
    sb.append(String.format(Locale.ROOT, " %-16s %6s  %s", "benign flagged", "secs", "goals"));
    return sb.toString();
  }

  private static String row(
      long seed, Variant v, Evaluation.Report report, List<String> unmet, double seconds) {
    StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%-6d %-20s %-24s",
                seed,
                v.start(),
                OptionalField.describe(v.without())));
    for (Evaluation.CampaignResult c : report.campaigns()) {
      String cell =
          c.timeToFirstAlertMillis() < 0
              ? String.format(Locale.ROOT, "%.0f%% never", 100 * c.recall())
              : String.format(
                  Locale.ROOT,
                  "%.0f%% %+.1fh",
                  100 * c.recall(),
                  c.timeToFirstAlertMillis() / 3.6e6);
      sb.append(String.format(Locale.ROOT, " %-14s", cell));
    }
    StringJoiner flagged = new StringJoiner(", ", " (", ")").setEmptyValue("");
    for (Evaluation.BenignResult b : report.benign()) {
      if (b.flagged() > 0) {
        flagged.add(b.archetype() + " " + b.flagged());
      }
    }
    sb.append(
        String.format(
            Locale.ROOT,
            " %-16s %6.1f  %s",
            report.benignFlagged() + " of " + report.benignAccounts(),
            seconds,
            unmet.isEmpty() ? "met" : String.join("; ", unmet)));
    sb.append(flagged);
    return sb.toString();
  }
}
