package io.distillwatch.examples.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GoalsTest {
  private static final long HOUR = 3_600_000L;

  private static Evaluation.CampaignResult campaign(
      String name, boolean lowAndSlow, double recall, long firstAlertMillis, double afterOwn) {
    return new Evaluation.CampaignResult(
        name, lowAndSlow, 10, 1000, recall, firstAlertMillis, 0.01, afterOwn, 0, -1, 0);
  }

  private static Evaluation.Report report(
      List<Evaluation.CampaignResult> campaigns, long casualFlagged, long hardFlagged) {
    List<Evaluation.BenignResult> benign =
        List.of(
            new Evaluation.BenignResult("casual", false, 2000, casualFlagged, 0),
            new Evaluation.BenignResult("ci-bot", true, 1000, hardFlagged, 0));
    return new Evaluation.Report(campaigns, benign, 3000, casualFlagged + hardFlagged, 0, 0, 120);
  }

  private static List<Evaluation.CampaignResult> meeting() {
    return new ArrayList<>(
        List.of(
            campaign("reasoning-150k", false, 0.95, 2 * HOUR, 0.9),
            campaign("hydra-28m", false, 1.0, 6 * HOUR, 0.8),
            campaign("low-and-slow", true, 0.8, 400 * HOUR, 0.5)));
  }

  @Test
  void everyGoalAtItsBoundary_isMet() {
    // 3 of 3,000 is exactly 0.1%.
    assertEquals(List.of(), Goals.unmet(report(meeting(), 3, 0)));
  }

  @Test
  void eachGoalJustMissed_isNamed() {
    List<Evaluation.CampaignResult> c = meeting();
    c.set(0, campaign("reasoning-150k", false, 0.94, 2 * HOUR, 0.9));
    c.set(1, campaign("hydra-28m", false, 1.0, 6 * HOUR + 360_000, 0.79));
    c.set(2, campaign("low-and-slow", true, 0.79, 400 * HOUR, 0.5));
    assertEquals(
        List.of(
            "reasoning-150k recall 94.0% < 95%",
            "hydra-28m first alert +6.1 h > 6 h",
            "hydra-28m 79.0% of exchanges after own flag < 80%",
            "low-and-slow recall 79.0% < 80%",
            "benign 4 of 3000 flagged (0.133% > 0.1%)",
            "ci-bot (hard negative) 1 flagged"),
        Goals.unmet(report(c, 3, 1)));
  }

  @Test
  void campaignNeverAlerted_isNamedOnce_andTheHydraTimingIsNotJudged() {
    List<Evaluation.CampaignResult> c = meeting();
    c.set(1, campaign("hydra-28m", false, 0.0, -1, 0.0));
    assertEquals(List.of("hydra-28m never alerted"), Goals.unmet(report(c, 0, 0)));
  }

  @Test
  void theHydraLimits_applyToTheHydraCampaignOnly() {
    List<Evaluation.CampaignResult> c = meeting();
    c.set(0, campaign("reasoning-150k", false, 1.0, 30 * HOUR, 0.1));
    assertEquals(List.of(), Goals.unmet(report(c, 0, 0)));
  }
}
