package io.distillwatch.examples.evasion;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.ClusterAlert;
import io.distillwatch.core.detect.AccountExplanation;
import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.detect.Signal;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.LinkKey;
import io.distillwatch.examples.generate.Labels;
import io.distillwatch.examples.generate.ScenarioPresets;
import io.distillwatch.examples.generate.TraceGenerator;
import io.distillwatch.examples.replay.Evaluation;
import io.distillwatch.examples.replay.Replay;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The evasion study: how detection degrades as an adaptive attacker pays more to hide. Each {@link
 * ScenarioPresets#EVASION evasion preset} is generated alone with the same benign population (same
 * seed) and replayed through a fresh core detector with default settings, scored by the replay
 * {@link Evaluation}; on top of it this records, for every campaign account when it is first
 * flagged, how (its own account alert, a cluster alert, or joining an already flagged cluster) and
 * which signals were strong then (population tail at most 1%), and at the end of the trace the
 * median tail of every signal over all the campaign's accounts, flagged or not: what still
 * separates it from the population.
 *
 * <p>Nothing here knows what an evasion preset does: the detector runs with its defaults, and the
 * study reads only labels, alerts and {@link ExtractionDetector#explain}.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar
 * io.distillwatch.examples.evasion.EvasionStudy [--seed N] [--scale S] [preset ...]} (the shaded
 * benchmarks jar holds the examples and their dependencies).
 */
public final class EvasionStudy {
  /** The study's trace period: four weeks around the evasion presets' three-week window. */
  public static final Instant START = Instant.parse("2026-04-15T00:00:00Z");

  public static final Instant END = Instant.parse("2026-05-13T00:00:00Z");

  /** A signal counts as firing on a flagged account when its population tail is at most this. */
  static final double STRONG_TAIL = 0.01;

  /** A signal still separates a campaign when its median tail over the accounts is at most this. */
  static final double SEPARATING_TAIL = 0.05;

  /** The per-account rate limit of the baseline, as in {@code replay}. */
  static final int RATE_LIMIT_PER_HOUR = 120;

  /** Wire names of the link kinds that join accounts into clusters. */
  static final Set<String> JOINING =
      Arrays.stream(LinkKey.values())
          .filter(LinkKey::joins)
          .map(LinkKey::wireName)
          .collect(Collectors.toUnmodifiableSet());

  private EvasionStudy() {}

  /** How a campaign account was first flagged. */
  public enum Route {
    /** Its own account alert on its signals. */
    OWN,
    /** A cluster alert listing it. */
    CLUSTER,
    /** It linked to a cluster already flagged. */
    JOINED
  }

  /**
   * One variant's outcome.
   *
   * @param campaign the evaluator's row for the variant's campaign
   * @param report the evaluator's whole report (benign archetypes, false-positive rate)
   * @param outputTokensPerExchange the campaign's mean output tokens: what it still harvests
   * @param reasoningShare the campaign's share of exchanges that ask for reasoning
   * @param routes flagged accounts by how they were first flagged
   * @param firingAtFlag per signal, flagged accounts on which it was strong when flagged
   * @param clusterKeys per joining key kind (payment, template set), accounts first flagged by a
   *     cluster alert that names that kind among its shared indicators
   * @param medianTail per signal, the median tail over the campaign's accounts at the end
   * @param medianContentTail median combined content tail at the end
   * @param medianBehaviourTail median combined behaviour tail at the end
   */
  public record Result(
      String variant,
      Evaluation.CampaignResult campaign,
      Evaluation.Report report,
      double outputTokensPerExchange,
      double reasoningShare,
      Map<Route, Integer> routes,
      Map<String, Integer> firingAtFlag,
      Map<String, Integer> clusterKeys,
      Map<String, Double> medianTail,
      double medianContentTail,
      double medianBehaviourTail) {

    /** Campaign accounts per million campaign exchanges: what the attacker pays in accounts. */
    public double accountsPerMillion() {
      return campaign.exchanges() == 0 ? 0 : 1e6 * campaign.accounts() / campaign.exchanges();
    }

    /** Flagged campaign accounts. */
    public int flagged() {
      return routes.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Signals whose median tail over the campaign's accounts is at most 5%, strongest first. */
    public List<String> separating() {
      List<String> out = new ArrayList<>();
      medianTail.entrySet().stream()
          .filter(e -> e.getValue() <= SEPARATING_TAIL)
          .sorted(
              Map.Entry.<String, Double>comparingByValue()
                  .thenComparing(Map.Entry.comparingByKey()))
          .forEach(e -> out.add(e.getKey()));
      return out;
    }
  }

  /** Generates the variant with the benign population, replays it and scores it. */
  public static Result run(String variant, long seed, double scale) {
    TraceGenerator trace =
        TraceGenerator.builder()
            .scenarios(Set.of(variant))
            .seed(seed)
            .scale(scale)
            .start(START)
            .end(END)
            .build();
    ExtractionDetector detector = ExtractionDetector.builder().build();
    Evaluation evaluation = new Evaluation(trace.labels(), RATE_LIMIT_PER_HOUR);
    Labels.Campaign labelled = trace.labels().campaigns().get(0);
    Study study = new Study(detector, evaluation, Set.copyOf(labelled.accounts()));
    new Replay(detector, a -> {}, r -> {}, study, null).run(trace);
    Evaluation.Report report = evaluation.report();
    Evaluation.CampaignResult campaign = report.campaigns().get(0);
    return study.result(variant, campaign, report);
  }

  /** Sees every exchange and alert next to the evaluator. */
  private static final class Study implements Replay.Observer {
    private final ExtractionDetector detector;
    private final Evaluation evaluation;
    private final Set<String> accounts;
    private final Set<String> attributed = new HashSet<>();
    private final Map<Route, Integer> routes = new LinkedHashMap<>();
    private final Map<String, Integer> firing = new TreeMap<>();
    private final Map<String, Integer> clusterKeys = new TreeMap<>();
    private long exchanges;
    private long outputTokens;
    private long reasoning;

    Study(ExtractionDetector detector, Evaluation evaluation, Set<String> accounts) {
      this.detector = detector;
      this.evaluation = evaluation;
      this.accounts = accounts;
      for (Route r : Route.values()) {
        routes.put(r, 0);
      }
    }

    @Override
    public void exchange(Exchange e) {
      evaluation.exchange(e);
      if (accounts.contains(e.accountId())) {
        exchanges++;
        outputTokens += e.outputTokens();
        reasoning += e.reasoningRequested() ? 1 : 0;
      }
    }

    @Override
    public void alert(Alert a) {
      evaluation.alert(a);
      if (a instanceof AccountAlert aa) {
        // A fresh account that joins a flagged cluster is alerted with its cluster's size only.
        attribute(
            aa.accountId(), aa.signals().containsKey("cluster_size") ? Route.JOINED : Route.OWN);
      } else if (a instanceof ClusterAlert ca) {
        for (String member : ca.accounts()) {
          if (attribute(member, Route.CLUSTER)) {
            for (String kind : ca.sharedIndicators().keySet()) {
              if (JOINING.contains(kind)) {
                clusterKeys.merge(kind, 1, Integer::sum);
              }
            }
          }
        }
      }
    }

    /** Records how a campaign account was first flagged; false if not one or already flagged. */
    private boolean attribute(String account, Route route) {
      if (!accounts.contains(account) || !attributed.add(account)) {
        return false;
      }
      routes.merge(route, 1, Integer::sum);
      AccountExplanation why = detector.explain(account);
      if (why != null) {
        why.tails()
            .forEach(
                (signal, tail) -> {
                  if (tail <= STRONG_TAIL) {
                    firing.merge(signal, 1, Integer::sum);
                  }
                });
      }
      return true;
    }

    Result result(String variant, Evaluation.CampaignResult campaign, Evaluation.Report report) {
      Map<String, List<Double>> tails = new HashMap<>();
      List<Double> content = new ArrayList<>();
      List<Double> behaviour = new ArrayList<>();
      for (String account : accounts) {
        AccountExplanation why = detector.explain(account);
        if (why == null) {
          continue;
        }
        why.tails().forEach((s, t) -> tails.computeIfAbsent(s, k -> new ArrayList<>()).add(t));
        content.add(why.contentTail());
        behaviour.add(why.behaviourTail());
      }
      Map<String, Double> medians = new LinkedHashMap<>();
      for (Signal s : Signal.values()) {
        List<Double> ts = tails.get(s.wireName());
        if (ts != null) {
          medians.put(s.wireName(), median(ts));
        }
      }
      return new Result(
          variant,
          campaign,
          report,
          exchanges == 0 ? 0 : outputTokens / (double) exchanges,
          exchanges == 0 ? 0 : reasoning / (double) exchanges,
          Map.copyOf(routes),
          Collections.unmodifiableMap(new TreeMap<>(firing)),
          Collections.unmodifiableMap(new TreeMap<>(clusterKeys)),
          medians,
          median(content),
          median(behaviour));
    }
  }

  static double median(List<Double> xs) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    int n = a.length;
    return (n & 1) == 1 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
  }

  /** The results as two plain-text tables: detection, then what still fires. */
  public static String table(List<Result> results) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%-26s %8s %9s %9s | %7s %11s %11s | %8s %6s | %9s | %s%n",
            "variant",
            "accounts",
            "exchanges",
            "accts/M",
            "recall",
            "first alert",
            "after flag",
            "out tok",
            "reas.",
            "benign FP",
            "rate limit " + RATE_LIMIT_PER_HOUR + "/h recall"));
    for (Result r : results) {
      Evaluation.CampaignResult c = r.campaign();
      sb.append(
          String.format(
              Locale.ROOT,
              "%-26s %8d %9d %9.0f | %6.1f%% %11s %10.1f%% | %8.0f %5.0f%% | %5d/%-4d | %5.1f%%%n",
              r.variant(),
              c.accounts(),
              c.exchanges(),
              r.accountsPerMillion(),
              100 * c.recall(),
              hours(c.timeToFirstAlertMillis()),
              100 * c.afterOwnFlag(),
              r.outputTokensPerExchange(),
              100 * r.reasoningShare(),
              r.report().benignFlagged(),
              r.report().benignAccounts(),
              100 * c.rateLimitRecall()));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "%n%-26s %-22s %-44s %-15s %s%n",
            "variant",
            "flagged: own/clus/join",
            "strong at flag (tail<=1%, share of flagged)",
            "median p c/b",
            "still separating at end (median tail<=5%)"));
    for (Result r : results) {
      int flagged = r.flagged();
      StringBuilder strong = new StringBuilder();
      r.firingAtFlag().entrySet().stream()
          .sorted(
              Map.Entry.<String, Integer>comparingByValue()
                  .reversed()
                  .thenComparing(Map.Entry.comparingByKey()))
          .limit(4)
          .forEach(
              e ->
                  strong
                      .append(strong.length() == 0 ? "" : ", ")
                      .append(e.getKey())
                      .append(' ')
                      .append(Math.round(100.0 * e.getValue() / Math.max(1, flagged)))
                      .append('%'));
      if (!r.clusterKeys().isEmpty()) {
        strong.append(strong.length() == 0 ? "" : "; ").append("cluster keys ");
        strong.append(String.join("+", r.clusterKeys().keySet()));
      }
      StringBuilder separating = new StringBuilder();
      for (String s : r.separating()) {
        separating
            .append(separating.length() == 0 ? "" : ", ")
            .append(s)
            .append(String.format(Locale.ROOT, " %.0e", r.medianTail().get(s)));
      }
      sb.append(
          String.format(
              Locale.ROOT,
              "%-26s %-22s %-44s %-15s %s%n",
              r.variant(),
              r.routes().get(Route.OWN)
                  + "/"
                  + r.routes().get(Route.CLUSTER)
                  + "/"
                  + r.routes().get(Route.JOINED),
              strong.length() == 0 ? "-" : strong,
              String.format(
                  Locale.ROOT, "%.0e/%.0e", r.medianContentTail(), r.medianBehaviourTail()),
              separating.length() == 0 ? "none" : separating));
    }
    return sb.toString();
  }

  private static String hours(long millis) {
    return millis < 0 ? "never" : String.format(Locale.ROOT, "%+.1fh", millis / 3.6e6);
  }

  /** Prints the study's tables for the given presets (default: every evasion preset). */
  public static void main(String[] args) {
    long seed = ScenarioPresets.BUILT_IN_SEED;
    double scale = ScenarioPresets.BUILT_IN_SCALE;
    List<String> variants = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "--scale" -> scale = Double.parseDouble(args[++i]);
        default -> variants.add(args[i]);
      }
    }
    if (variants.isEmpty()) {
      variants.addAll(ScenarioPresets.EVASION);
    }
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    out.printf(
        Locale.ROOT,
        "evasion study: seed %d, scale %s, %s to %s, default detector%n%n",
        seed,
        scale,
        START,
        END);
    List<Result> results = new ArrayList<>();
    for (String v : variants) {
      results.add(run(v, seed, scale));
    }
    out.print(table(results));
    out.flush();
  }
}
