package io.distillwatch.examples.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.detect.AccountExplanation;
import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.examples.generate.Labels;
import io.distillwatch.examples.generate.OptionalField;
import io.distillwatch.examples.generate.ScenarioPresets;
import io.distillwatch.examples.generate.TraceGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End-to-end detection on generated traces of every campaign preset with the benign population and
 * its hard negatives, for two seeds (so no bound is fitted to one trace).
 *
 * <p>The bounds are the goals: every campaign caught with recall >= 95% (80% for the
 * low-and-slow one), hydra within six hours with most of its exchanges after its own flag, a benign
 * false-positive rate <= 0.1%, and no hard negative flagged. Larger traces are replayed by hand
 * (the README's table gives the commands and figures); {@code HardNegativeSignalsTest} in the core
 * pins the two signal fixes they needed.
 */
class DetectionGoalsTest {
  private static final Map<Long, Run> RUNS = new ConcurrentHashMap<>();

  /** A replayed default trace: the evaluation, and the detector as the trace left it. */
  private record Run(Evaluation.Report report, ExtractionDetector detector, Labels labels) {}

  private static Run run(long seed) {
    return RUNS.computeIfAbsent(
        seed,
        s -> {
          TraceGenerator trace = TraceGenerator.builder().seed(s).build();
          Evaluation evaluation = new Evaluation(trace.labels(), 120);
          ExtractionDetector detector = ExtractionDetector.builder().build();
          new Replay(detector, a -> {}, r -> {}, evaluation, null).run(trace);
          return new Run(evaluation.report(), detector, trace.labels());
        });
  }

  private static Evaluation.Report report(long seed) {
    return run(seed).report();
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
    assertTrue(hardAccounts >= 500, "hard negatives " + hardAccounts);
    // None of them: batch jobs, CI bots, benchmark runners, IDE template users and shared NATs.
    for (Map.Entry<String, Long> h : hard.entrySet()) {
      assertEquals(0L, h.getValue(), h.getKey() + " flagged: " + hard);
    }
  }

  /**
   * IDE developers share their IDE's system prompts, and when the IDE's release for the new model
   * ships new ones, its first users share those while they are still rare. None may be linked to
   * another account: a link made while a template was rare stays when it turns common (clusters
   * never split), and an alerted cluster flags every account that links to it later.
   */
  @ParameterizedTest
  @ValueSource(longs = {42, 7})
  void ideDevelopers_noneLinked_acrossTheirIdesRelease(long seed) {
    Run run = run(seed);
    List<String> developers =
        run.labels().benign().stream()
            .filter(b -> b.archetype().equals(ScenarioPresets.IDE_TEMPLATE))
            .findFirst()
            .orElseThrow()
            .accounts();
    int live = 0;
    for (String id : developers) {
      AccountExplanation x = run.detector().explain(id);
      if (x != null) {
        live++;
        assertEquals(1, x.clusterSize(), id + " linked, seed " + seed);
      }
    }
    assertTrue(live >= developers.size() / 2, live + " of " + developers.size() + " still live");
  }

  private static final Map<String, Evaluation.Report> STRIPPED = new ConcurrentHashMap<>();

  /** The default trace as a gateway that logs no ASNs or user agents would record it. */
  private static Evaluation.Report withoutNetworks(long seed) {
    return without(seed, EnumSet.of(OptionalField.ASN, OptionalField.USER_AGENT));
  }

  /** The default trace as a gateway that logs no prompt hashes would record it. */
  private static Evaluation.Report withoutPromptHashes(long seed) {
    return without(seed, EnumSet.of(OptionalField.PROMPT_HASH));
  }

  /** The default trace of {@code seed} without {@code fields}. */
  private static Evaluation.Report without(long seed, Set<OptionalField> fields) {
    return STRIPPED.computeIfAbsent(
        OptionalField.describe(fields) + " " + seed,
        k -> {
          TraceGenerator trace = TraceGenerator.builder().seed(seed).withoutFields(fields).build();
          return replay(trace, trace.labels());
        });
  }

  /** {@code exchanges} through a fresh detector, scored against {@code labels}. */
  private static Evaluation.Report replay(Iterable<Exchange> exchanges, Labels labels) {
    Evaluation evaluation = new Evaluation(labels, 120);
    new Replay(ExtractionDetector.builder().build(), a -> {}, r -> {}, evaluation, null)
        .run(exchanges);
    return evaluation.report();
  }

  /**
   * Both fields are optional in the input contract. Without ASNs, infrastructure spread once read 0
   * for every account, and that constant, scored as a measurement, skewed the behaviour group's
   * learned moments until researchers running a benchmark in one sitting were flagged (3 of 20 on
   * both seeds). The goals hold without them.
   */
  @ParameterizedTest
  @ValueSource(longs = {42, 7})
  void withoutAsnsOrUserAgents_goalsHold_andNoHardNegativeIsFlagged(long seed) {
    Evaluation.Report report = withoutNetworks(seed);
    assertRecall_andHydraWithinSixHours_andBenignQuiet(report, seed);
  }

  /**
   * Without prompt hashes nothing at all was detected: the content signals count only prompts new
   * to the population, every exchange without one counted as seen, and account alerts need content
   * evidence. Such an exchange now counts as new ({@code PromptStage.novel}). What is lost is
   * telling a benchmark re-run from harvesting: on seed 3 all 20 researchers are flagged, as one
   * lab and as a cluster of labs sharing benchmark templates (the README's table of optional
   * fields).
   */
  @ParameterizedTest
  @ValueSource(longs = {42, 7})
  void withoutPromptHashes_everyCampaignCaught_andNoHardNegativeFlagged(long seed) {
    Evaluation.Report report = withoutPromptHashes(seed);
    assertEquals(5, report.campaigns().size());
    assertRecall_andHydraWithinSixHours_andBenignQuiet(report, seed);
  }

  /**
   * A gateway behind which client IPs are not logged. Hydra then has no infrastructure evidence and
   * is first alerted after the six-hour goal (+7.1 h and +8.2 h on these seeds, the README's
   * sweep), which this test does not assert; what it holds is that every campaign is still caught
   * at its recall floor and no more benign accounts than the goal allows, and no hard negative, are
   * flagged.
   */
  @ParameterizedTest
  @ValueSource(longs = {42, 7})
  void withoutIps_everyCampaignCaught_andBenignQuiet(long seed) {
    Evaluation.Report report = without(seed, EnumSet.of(OptionalField.IP));
    assertEquals(5, report.campaigns().size());
    List<String> unmet = new ArrayList<>(Goals.unmet(report));
    unmet.removeIf(u -> u.startsWith(ScenarioPresets.HYDRA_28M + " first alert"));
    assertEquals(List.of(), unmet, "goals missed without IPs, seed " + seed);
  }

  /**
   * A deployment that starts while campaigns run: the trace starts on 22 April, as the hydra
   * campaign does, instead of a week earlier. Its camouflage shares the casual users' public
   * templates while they still look rare, and with a six-hour template-set warm-up the bands joined
   * 139 to 160 of 3,000 benign accounts to its clusters on seeds 42, 7 and 3; the three-day default
   * leaves none (see {@code DetectorConfig.Builder#templateSetWarmUp}).
   */
  @ParameterizedTest
  @ValueSource(longs = {42, 7})
  void campaignsUnderwayWhenTheStreamStarts_caught_andBenignQuiet(long seed) {
    TraceGenerator trace = startedWithTheHydra(seed);
    Evaluation.Report report = replay(trace, trace.labels());
    Labels.Campaign hydraLabel =
        trace.labels().campaigns().stream()
            .filter(c -> c.name().equals("hydra-28m"))
            .findFirst()
            .orElseThrow();
    assertTrue(
        hydraLabel.start() - trace.labels().start() <= 2 * 3_600_000L,
        "hydra starts with the stream");
    assertRecall_andHydraWithinSixHours_andBenignQuiet(report, seed);
  }

  /**
   * The reasoning campaign started with the stream: its three accounts band their template sets
   * only inside the three-day warm-up, and by their next points after it (exchanges 1,024 and
   * 2,048) each whole set holds 43 to 68 distinct templates against a pool of 40, the rest one-off
   * hashes of prompts sent without a template, and no band joins them. Without the reused-template
   * set it was caught on neither seed (seed 5: 0 of 3 accounts; seed 11: 2 of 3). Their pools link
   * them now; hydra's time is not asserted here (seed 5 first alerts it at +6.2 h).
   */
  @ParameterizedTest
  @ValueSource(longs = {5, 11})
  void reasoningCampaignStartedWithTheStream_linkedByItsReusedTemplates(long seed) {
    TraceGenerator trace = startedWithTheHydra(seed);
    Evaluation.Report report = replay(trace, trace.labels());
    Evaluation.CampaignResult reasoning = campaign(report, ScenarioPresets.REASONING_150K);
    assertEquals(1.0, reasoning.recall(), "reasoning recall, seed " + seed);
    assertBenignQuiet(report, seed);
  }

  /**
   * At {@code --scale 0.03} the hydra campaign has 750 accounts beside the 3,000 benign ones, a
   * fifth of the population, with cards behind 20 to 200 of them. The payment cap once stopped at
   * 100 accounts in so small a population, so the later holders of a card joined nobody: 69.6%
   * recall on seed 99 and 82.4% on seed 42.
   */
  @ParameterizedTest
  @ValueSource(longs = {42, 99})
  void hydraAFifthOfASmallPopulation_caughtWithHighRecall_andNoHardNegativeFlagged(long seed) {
    TraceGenerator trace = TraceGenerator.builder().seed(seed).scale(0.03).build();
    Evaluation.Report report = replay(trace, trace.labels());
    Evaluation.CampaignResult hydra = campaign(report, "hydra-28m");
    assertTrue(hydra.recall() >= 0.95, "hydra recall " + hydra.recall() + ", seed " + seed);
    assertTrue(hydra.afterOwnFlag() >= 0.8, "after own flag " + hydra.afterOwnFlag());
    assertHydraWithinSixHours_andBenignQuiet(report, seed);
  }

  /** The default trace of {@code seed}, started on 22 April, as the hydra campaign starts. */
  private static TraceGenerator startedWithTheHydra(long seed) {
    return TraceGenerator.builder().seed(seed).start(Instant.parse("2026-04-22T00:00:00Z")).build();
  }

  /** Every goal of {@link Goals}: the assertion names all that are missed at once. */
  private static void assertRecall_andHydraWithinSixHours_andBenignQuiet(
      Evaluation.Report report, long seed) {
    assertEquals(List.of(), Goals.unmet(report), "goals missed, seed " + seed);
  }

  /** Hydra first alerted within six hours, benign FPR at most 0.1%, no hard negative flagged. */
  private static void assertHydraWithinSixHours_andBenignQuiet(
      Evaluation.Report report, long seed) {
    Evaluation.CampaignResult hydra = campaign(report, "hydra-28m");
    assertTrue(
        hydra.timeToFirstAlertMillis() >= 0 && hydra.timeToFirstAlertMillis() <= 6 * 3_600_000L,
        "hydra first alert after " + hydra.timeToFirstAlertMillis() / 3.6e6 + " h");
    assertBenignQuiet(report, seed);
  }

  /** Benign FPR at most 0.1%, no hard negative flagged. */
  private static void assertBenignQuiet(Evaluation.Report report, long seed) {
    assertTrue(
        report.benignFalsePositiveRate() <= 0.001, "FPR " + report.benignFalsePositiveRate());
    for (Evaluation.BenignResult b : report.benign()) {
      if (b.hardNegative()) {
        assertEquals(0L, b.flagged(), b.archetype() + " flagged, seed " + seed);
      }
    }
  }

  private static Evaluation.CampaignResult campaign(Evaluation.Report report, String name) {
    return report.campaigns().stream()
        .filter(c -> c.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no campaign " + name));
  }
}
