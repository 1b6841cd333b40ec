package io.distillwatch.examples.report;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.ClusterAlert;
import io.distillwatch.core.detect.AccountExplanation;
import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.detect.Signal;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.examples.generate.Labels;
import io.distillwatch.examples.replay.Evaluation;
import io.distillwatch.examples.replay.Replay;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Watches one replay of a labelled trace and keeps what the HTML report draws: exchanges per hour
 * for each campaign and for benign traffic, the hours in which accounts were first flagged, every
 * labelled account's evidence, and the signals behind the strongest account alerts. It scores the
 * same pass with {@link Evaluation} (the detector and the per-account rate-limit baseline), so one
 * replay gives the whole report.
 *
 * <p>An account's <em>evidence</em> is {@code -log10} of the detector's combined tail probability,
 * {@code max(p_content, p_behaviour)^2}, the quantity its alert threshold applies to. The recorder
 * reads it through {@link ExtractionDetector#explain}: for the account an account alert names,
 * right after the exchange that raised it, and for every labelled account once the replay is over.
 * An account alert always names the account whose exchange was just observed, so this reads the
 * profile the detector has just used and leaves the replay's alerts unchanged. An account's score
 * in the report is the highest of its own evidence (at its alerts and at the end) and the evidence
 * of any alert naming it ({@code -log10(1 - score)}, at most {@value #MAX_ALERT_EVIDENCE}, the
 * resolution of a double near 1), so an account flagged through its cluster scores as flagged.
 *
 * <p>Memory is bounded by the labelled accounts, the trace's hours and the alerted accounts. Not
 * thread-safe, like the replay it observes.
 */
public final class ReportRecorder implements Replay.Observer {
  static final long HOUR_MILLIS = 3_600_000L;

  /** Evidence of an alert with score 1.0: a double cannot tell {@code 1 - score} below 1e-16. */
  static final double MAX_ALERT_EVIDENCE = 16.0;

  /** Account alerts kept for the signal breakdown, the strongest first. */
  static final int TOP_ALERTS = 10;

  private static final String BENIGN = "benign";
  private static final String UNLABELLED = "unlabelled";

  private final Labels labels;
  private final ExtractionDetector detector;
  private final Evaluation evaluation;
  private final Map<String, Account> accounts = new HashMap<>();
  private final List<String> series = new ArrayList<>();
  private final int benignSeries;
  private final int unlabelledSeries;
  private final Map<String, Account> unlabelled = new HashMap<>();
  private final Map<String, ReportData.TopAlert> bestAlertByAccount = new LinkedHashMap<>();
  private long[][] hourly;
  private long[][] flaggedHourly;
  private double lowestAlertEvidence = Double.POSITIVE_INFINITY;

  /**
   * @param labels the trace's labels (campaigns and benign archetypes)
   * @param detector the detector the replay feeds; read through {@code explain} only
   * @param rateLimitPerHour the baseline's per-account limit, exchanges in any sliding hour
   * @throws IllegalArgumentException if {@code rateLimitPerHour < 1}
   */
  public ReportRecorder(Labels labels, ExtractionDetector detector, int rateLimitPerHour) {
    this.labels = Objects.requireNonNull(labels, "labels");
    this.detector = Objects.requireNonNull(detector, "detector");
    this.evaluation = new Evaluation(labels, rateLimitPerHour);
    for (Labels.Campaign c : labels.campaigns()) {
      int s = series.size();
      series.add(c.name());
      for (String a : c.accounts()) {
        accounts.put(a, new Account(s, true, false, c.name()));
      }
    }
    benignSeries = series.size();
    series.add(BENIGN);
    unlabelledSeries = series.size();
    series.add(UNLABELLED);
    for (Labels.Benign b : labels.benign()) {
      for (String a : b.accounts()) {
        accounts.put(a, new Account(benignSeries, false, b.hardNegative(), b.archetype()));
      }
    }
    int hours = (int) Math.max(1, Math.min(1 << 20, ceilDiv(labels.end() - labels.start())));
    hourly = new long[series.size()][hours];
    flaggedHourly = new long[series.size()][hours];
  }

  private static long ceilDiv(long millis) {
    return Math.max(0, (millis + HOUR_MILLIS - 1) / HOUR_MILLIS);
  }

  @Override
  public void exchange(Exchange e) {
    evaluation.exchange(e);
    Account a = account(e.accountId());
    a.seen = true;
    int h = hour(e.timestamp()); // may widen the arrays: index after
    hourly[a.series][h]++;
  }

  @Override
  public void alert(Alert alert) {
    evaluation.alert(alert);
    double alertEvidence = alertEvidence(alert.score());
    if (alert instanceof AccountAlert aa) {
      Account a = account(aa.accountId());
      flag(a, aa.detectedAt());
      a.score = Math.max(a.score, alertEvidence);
      AccountExplanation why = detector.explain(aa.accountId());
      if (why != null) {
        double own = evidence(why);
        a.score = Math.max(a.score, own);
        boolean linked = aa.signals().containsKey("cluster_size");
        if (!linked) {
          lowestAlertEvidence = Math.min(lowestAlertEvidence, own);
          keepIfStrongest(aa, a, why, own);
        }
      }
    } else if (alert instanceof ClusterAlert ca) {
      for (String member : ca.accounts()) {
        Account a = account(member);
        flag(a, ca.detectedAt());
        a.score = Math.max(a.score, alertEvidence);
      }
    }
  }

  private void keepIfStrongest(AccountAlert aa, Account a, AccountExplanation why, double own) {
    ReportData.TopAlert previous = bestAlertByAccount.get(aa.accountId());
    if (previous != null && previous.evidence() >= own) {
      return;
    }
    Map<String, Double> surprise = new LinkedHashMap<>();
    for (Signal s : Signal.values()) {
      Double tail = why.tails().get(s.wireName());
      if (tail != null) {
        surprise.put(s.wireName(), -Math.log10(Math.max(tail, 1e-300)));
      }
    }
    bestAlertByAccount.put(
        aa.accountId(),
        new ReportData.TopAlert(
            aa.accountId(), a.group, aa.detectedAt(), own, surprise, aa.reasons()));
  }

  /**
   * Explains every labelled account that sent an exchange and freezes what the report draws. Call
   * once, after the replay.
   *
   * @param summary the replay's counts
   * @param input what was replayed, for the report's title
   */
  public ReportData finish(Replay.Summary summary, String input) {
    List<Double> campaign = new ArrayList<>();
    List<Double> benign = new ArrayList<>();
    List<Double> hard = new ArrayList<>();
    long withoutProfile = 0;
    for (Map.Entry<String, Account> entry : accounts.entrySet()) {
      Account a = entry.getValue();
      if (!a.seen) {
        continue;
      }
      AccountExplanation why = detector.explain(entry.getKey());
      if (why == null) {
        withoutProfile++;
      } else {
        a.score = Math.max(a.score, evidence(why));
      }
      (a.campaign ? campaign : a.hardNegative ? hard : benign).add(a.score);
    }
    List<ReportData.TopAlert> top = new ArrayList<>(bestAlertByAccount.values());
    top.sort(
        Comparator.comparingDouble(ReportData.TopAlert::evidence)
            .reversed()
            .thenComparingLong(ReportData.TopAlert::detectedAt));
    if (top.size() > TOP_ALERTS) {
      top = top.subList(0, TOP_ALERTS);
    }
    return new ReportData(
        input,
        labels.start(),
        series,
        hourly,
        flaggedHourly,
        toArray(campaign),
        toArray(benign),
        toArray(hard),
        -Math.log10(detector.config().targetFalsePositiveRate()),
        detector.config().targetFalsePositiveRate(),
        Double.isInfinite(lowestAlertEvidence) ? Double.NaN : lowestAlertEvidence,
        top,
        withoutProfile,
        evaluation.report(),
        summary);
  }

  private static double[] toArray(List<Double> xs) {
    double[] out = new double[xs.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = xs.get(i);
    }
    Arrays.sort(out);
    return out;
  }

  /** {@code -log10} of the combined tail probability the detector thresholds. */
  static double evidence(AccountExplanation why) {
    double p = Math.max(why.contentTail(), why.behaviourTail());
    return -Math.log10(Math.max(p * p, 1e-300));
  }

  /** The evidence an alert's score stands for: {@code -log10(1 - score)}, capped. */
  static double alertEvidence(double score) {
    return Math.max(0.0, Math.min(MAX_ALERT_EVIDENCE, -Math.log10(Math.max(1.0 - score, 1e-16))));
  }

  private void flag(Account a, long detectedAt) {
    if (!a.flagged) {
      a.flagged = true;
      int h = hour(detectedAt);
      flaggedHourly[a.series][h]++;
    }
  }

  private Account account(String id) {
    Account a = accounts.get(id);
    if (a == null) {
      a = unlabelled.computeIfAbsent(id, k -> new Account(unlabelledSeries, false, false, null));
    }
    return a;
  }

  private int hour(long ts) {
    long h = Math.floorDiv(ts - labels.start(), HOUR_MILLIS);
    if (h < 0) {
      return 0;
    }
    if (h >= hourly[0].length) {
      if (h >= 1 << 20) {
        return hourly[0].length - 1;
      }
      grow((int) h + 1);
    }
    return (int) h;
  }

  /** A trace may run past its labelled end (late records): widen the hourly series. */
  private void grow(int hours) {
    int n = Math.max(hours, hourly[0].length + hourly[0].length / 2);
    for (int s = 0; s < hourly.length; s++) {
      hourly[s] = Arrays.copyOf(hourly[s], n);
      flaggedHourly[s] = Arrays.copyOf(flaggedHourly[s], n);
    }
  }

  private static final class Account {
    final int series;
    final boolean campaign;
    final boolean hardNegative;
    final String group;
    boolean seen;
    boolean flagged;
    double score;

    Account(int series, boolean campaign, boolean hardNegative, String group) {
      this.series = series;
      this.campaign = campaign;
      this.hardNegative = hardNegative;
      this.group = group;
    }
  }
}
