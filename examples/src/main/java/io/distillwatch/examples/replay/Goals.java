package io.distillwatch.examples.replay;

import io.distillwatch.examples.generate.ScenarioPresets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The detector's goals (issue 3), checked against one scored replay: every campaign alerted;
 * account recall at least 95% (80% for a deliberately human-looking low-and-slow campaign); at most
 * 0.1% of benign accounts flagged and no hard negative; the hydra campaign alerted within 6 hours
 * of its first exchange with at least 80% of its exchanges made after their own account was
 * flagged.
 */
public final class Goals {
  public static final double RECALL = 0.95;
  public static final double LOW_AND_SLOW_RECALL = 0.80;
  public static final double BENIGN_FALSE_POSITIVE_RATE = 0.001;
  public static final Duration HYDRA_FIRST_ALERT = Duration.ofHours(6);
  public static final double HYDRA_AFTER_OWN_FLAG = 0.80;

  private Goals() {}

  /** The goals the replay misses, one plain phrase each; empty when it meets them all. */
  public static List<String> unmet(Evaluation.Report report) {
    List<String> unmet = new ArrayList<>();
    for (Evaluation.CampaignResult c : report.campaigns()) {
      double floor = c.lowAndSlow() ? LOW_AND_SLOW_RECALL : RECALL;
      if (c.timeToFirstAlertMillis() < 0) {
        unmet.add(c.name() + " never alerted");
      } else if (c.recall() < floor) {
        unmet.add(
            String.format(
                Locale.ROOT, "%s recall %.1f%% < %.0f%%", c.name(), 100 * c.recall(), 100 * floor));
      }
      if (c.name().equals(ScenarioPresets.HYDRA_28M) && c.timeToFirstAlertMillis() >= 0) {
        if (c.timeToFirstAlertMillis() > HYDRA_FIRST_ALERT.toMillis()) {
          unmet.add(
              String.format(
                  Locale.ROOT,
                  "%s first alert +%.1f h > %d h",
                  c.name(),
                  c.timeToFirstAlertMillis() / 3.6e6,
                  HYDRA_FIRST_ALERT.toHours()));
        }
        if (c.afterOwnFlag() < HYDRA_AFTER_OWN_FLAG) {
          unmet.add(
              String.format(
                  Locale.ROOT,
                  "%s %.1f%% of exchanges after own flag < %.0f%%",
                  c.name(),
                  100 * c.afterOwnFlag(),
                  100 * HYDRA_AFTER_OWN_FLAG));
        }
      }
    }
    if (report.benignFlagged() > BENIGN_FALSE_POSITIVE_RATE * report.benignAccounts()) {
      unmet.add(
          String.format(
              Locale.ROOT,
              "benign %d of %d flagged (%.3f%% > %.1f%%)",
              report.benignFlagged(),
              report.benignAccounts(),
              100 * report.benignFalsePositiveRate(),
              100 * BENIGN_FALSE_POSITIVE_RATE));
    }
    for (Evaluation.BenignResult b : report.benign()) {
      if (b.hardNegative() && b.flagged() > 0) {
        unmet.add(b.archetype() + " (hard negative) " + b.flagged() + " flagged");
      }
    }
    return unmet;
  }
}
