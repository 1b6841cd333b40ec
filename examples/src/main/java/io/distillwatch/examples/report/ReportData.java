package io.distillwatch.examples.report;

import io.distillwatch.examples.replay.Evaluation;
import io.distillwatch.examples.replay.Replay;
import java.util.List;
import java.util.Map;

/**
 * Everything one report draws, frozen at the end of a replay by {@link ReportRecorder#finish}.
 * Arrays are owned by this object and never changed after it is built.
 */
public final class ReportData {
  final String input;
  final long start;
  final List<String> series;
  final long[][] hourly;
  final long[][] flaggedHourly;
  final double[] campaignScores;
  final double[] benignScores;
  final double[] hardNegativeScores;
  final double nominalThreshold;
  final double targetFalsePositiveRate;
  final double lowestAlertEvidence;
  final List<TopAlert> topAlerts;
  final long accountsWithoutProfile;
  private final Evaluation.Report evaluation;
  private final Replay.Summary summary;

  /**
   * One of the strongest account alerts, with each active signal's surprise.
   *
   * @param group the account's campaign or benign archetype, null if unlabelled
   * @param evidence the account's evidence when alerted, {@code -log10} of its combined tail
   * @param surprise per active signal, {@code -log10} of its population tail probability
   */
  public record TopAlert(
      String accountId,
      String group,
      long detectedAt,
      double evidence,
      Map<String, Double> surprise,
      List<String> reasons) {
    public TopAlert {
      surprise = Map.copyOf(surprise);
      reasons = List.copyOf(reasons);
    }
  }

  ReportData(
      String input,
      long start,
      List<String> series,
      long[][] hourly,
      long[][] flaggedHourly,
      double[] campaignScores,
      double[] benignScores,
      double[] hardNegativeScores,
      double nominalThreshold,
      double targetFalsePositiveRate,
      double lowestAlertEvidence,
      List<TopAlert> topAlerts,
      long accountsWithoutProfile,
      Evaluation.Report evaluation,
      Replay.Summary summary) {
    this.input = input;
    this.start = start;
    this.series = List.copyOf(series);
    this.hourly = hourly;
    this.flaggedHourly = flaggedHourly;
    this.campaignScores = campaignScores;
    this.benignScores = benignScores;
    this.hardNegativeScores = hardNegativeScores;
    this.nominalThreshold = nominalThreshold;
    this.targetFalsePositiveRate = targetFalsePositiveRate;
    this.lowestAlertEvidence = lowestAlertEvidence;
    this.topAlerts = List.copyOf(topAlerts);
    this.accountsWithoutProfile = accountsWithoutProfile;
    this.evaluation = evaluation;
    this.summary = summary;
  }

  /** The detector's and the rate limit's results per campaign and archetype. */
  public Evaluation.Report evaluation() {
    return evaluation;
  }

  /** The replay's counts. */
  public Replay.Summary summary() {
    return summary;
  }

  /** The strongest account alerts, strongest first, one per account, at most ten. */
  public List<TopAlert> topAlerts() {
    return topAlerts;
  }
}
