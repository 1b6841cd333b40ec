package io.distillwatch.examples.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.examples.generate.TraceGenerator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End-to-end detection on generated traces of every campaign preset with the benign population and
 * its hard negatives, for two seeds (so no bound is fitted to one trace).
 *
 * <p>The bounds are what the detector reliably does today, as a regression floor. The goals
 * are stricter in three places and are not met yet: benign false-positive rate <= 0.1% (measured
 * about 0.2%), no hard negative flagged (measured 1 to 3 researchers and IDE users), and
 * low-and-slow recall >= 80% (measured 60-70%). The closing note of the detector issue tracks them.
 */
class DetectionGoalsTest {
  private static final Map<Long, Evaluation.Report> REPORTS = new ConcurrentHashMap<>();

  private static Evaluation.Report report(long seed) {
    return REPORTS.computeIfAbsent(
        seed,
        s -> {
          TraceGenerator trace = TraceGenerator.builder().seed(s).build();
          Evaluation evaluation = new Evaluation(trace.labels(), 120);
          new Replay(ExtractionDetector.builder().build(), a -> {}, r -> {}, evaluation, null)
              .run(trace);
          return evaluation.report();
        });
  }

  @ParameterizedTest
  @ValueSource(longs = {42, 7})
  void campaigns_allPresets_detectedWithHighRecall(long seed) {
    Evaluation.Report report = report(seed);
    assertEquals(5, report.campaigns().size(), "every preset is in the default trace");
    for (Evaluation.CampaignResult c : report.campaigns()) {
      assertTrue(c.timeToFirstAlertMillis() >= 0, c.name() + " was never alerted");
      double floor = c.lowAndSlow() ? 0.8 : 0.95;
      assertTrue(c.recall() >= floor, c.name() + " recall " + c.recall() + " < " + floor);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {42, 7})
  void hydra_alertedWithinSixHours_andMostExchangesAfterOwnFlag(long seed) {
    Evaluation.CampaignResult hydra = campaign(report(seed), "hydra-28m");
    assertTrue(
        hydra.timeToFirstAlertMillis() <= 6 * 3_600_000L,
        "hydra first alert after " + hydra.timeToFirstAlertMillis() / 3.6e6 + " h");
    assertTrue(hydra.afterOwnFlag() >= 0.8, "after own flag " + hydra.afterOwnFlag());
  }

  @ParameterizedTest
  @ValueSource(longs = {42, 7})
  void rateLimitBaseline_missesTheQuietHydra(long seed) {
    // The point of the detector: a per-account limit never sees the hydra accounts at all.
    assertEquals(0.0, campaign(report(seed), "hydra-28m").rateLimitRecall());
  }

  @ParameterizedTest
  @ValueSource(longs = {42, 7})
  void benign_falsePositivesStayRare(long seed) {
    Evaluation.Report report = report(seed);
    assertTrue(report.benignAccounts() >= 3000, "benign population " + report.benignAccounts());
    assertTrue(
        report.benignFalsePositiveRate() <= 0.001,
        "benign FPR " + report.benignFalsePositiveRate());
    Map<String, Long> hard = new HashMap<>();
    long hardAccounts = 0;
    for (Evaluation.BenignResult b : report.benign()) {
      if (b.hardNegative()) {
        hard.put(b.archetype(), b.flagged());
        hardAccounts += b.accounts();
      }
    }
    assertEquals(
        Set.of("enterprise-batch", "ci-bot", "researcher-benchmark", "ide-template", "shared-nat"),
        hard.keySet());
    long hardFlagged = hard.values().stream().mapToLong(Long::longValue).sum();
    assertTrue(hardFlagged <= 0.01 * hardAccounts, "hard negatives flagged: " + hard);
    // The batch organisation behind one NAT and the shared NAT are pure coordination or pure
    // automation with ordinary content: they must never be flagged.
    assertEquals(0L, hard.get("enterprise-batch"), "enterprise batch flagged");
    assertEquals(0L, hard.get("shared-nat"), "shared NAT flagged");
    assertEquals(0L, hard.get("ci-bot"), "CI bots flagged");
    assertEquals(0L, hard.get("ide-template"), "IDE template users flagged");
  }

  private static Evaluation.CampaignResult campaign(Evaluation.Report report, String name) {
    return report.campaigns().stream()
        .filter(c -> c.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no campaign " + name));
  }
}
