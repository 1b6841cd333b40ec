package io.distillwatch.examples.evasion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.examples.evasion.EvasionStudy.Result;
import io.distillwatch.examples.evasion.EvasionStudy.Route;
import io.distillwatch.examples.generate.ScenarioPresets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The evasion study on five of its presets (the whole table is {@code EvasionStudy.main}; see
 * {@code docs/evasion.md}): the plain campaign, the same budget spread over 50x the accounts, an
 * attacker with nothing left to link accounts by, one rotating IPs per request, and one hiding on
 * every knob at 10 a day.
 *
 * <p>What is asserted is behaviour the design predicts, never a figure fitted to a preset: the
 * plain campaign meets the recall goal; the benign false-positive rate meets its goal on
 * every trace; spreading, or rotating IPs per request, does not help while accounts share a card or
 * templates (linking catches them); with no links left, a harvester is caught by its own account's
 * content signals; and hiding costs the attacker accounts and harvest per exchange, and never makes
 * it easier to catch than the plain campaign.
 */
class EvasionStudyTest {
  private static final long SEED = ScenarioPresets.BUILT_IN_SEED;
  private static final double SCALE = ScenarioPresets.BUILT_IN_SCALE;
  private static final Map<String, Result> RESULTS = new ConcurrentHashMap<>();

  private static Result result(String variant) {
    return RESULTS.computeIfAbsent(variant, v -> EvasionStudy.run(v, SEED, SCALE));
  }

  @AfterAll
  static void printTable() {
    // Test output only, for the record; the assertions do not read it.
    List<Result> rows = new ArrayList<>();
    for (String v : ScenarioPresets.EVASION) {
      if (RESULTS.containsKey(v)) {
        rows.add(RESULTS.get(v));
      }
    }
    System.out.print(EvasionStudy.table(rows));
  }

  @Test
  void baseline_plainCampaign_caughtWithGoalRecall() {
    Result r = result(ScenarioPresets.EVASION_BASELINE);
    assertTrue(r.campaign().timeToFirstAlertMillis() >= 0, "never alerted");
    assertTrue(r.campaign().recall() >= 0.95, "recall " + r.campaign().recall());
    assertTrue(r.campaign().afterOwnFlag() >= 0.8, "after own flag " + r.campaign().afterOwnFlag());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        ScenarioPresets.EVASION_BASELINE,
        ScenarioPresets.EVASION_SPREAD_10,
        ScenarioPresets.EVASION_UNLINKED,
        ScenarioPresets.EVASION_ROTATE_IP,
        ScenarioPresets.EVASION_FULL_10
      })
  void everyVariant_benignFalsePositiveRate_withinGoal(String variant) {
    Result r = result(variant);
    assertTrue(r.report().benignAccounts() >= 2_900, "benign " + r.report().benignAccounts());
    assertTrue(
        r.report().benignFalsePositiveRate() <= 0.001,
        variant + " benign FPR " + r.report().benignFalsePositiveRate());
    assertEquals(0, r.report().unlabelledFlagged());
  }

  @Test
  void spread_sameBudgetOverMoreAccounts_stillCaughtThroughLinks() {
    Result base = result(ScenarioPresets.EVASION_BASELINE);
    Result spread = result(ScenarioPresets.EVASION_SPREAD_10);
    assertTrue(
        spread.accountsPerMillion() >= 10 * base.accountsPerMillion(),
        "spreading costs accounts: " + spread.accountsPerMillion());
    assertTrue(spread.campaign().recall() >= 0.95, "recall " + spread.campaign().recall());
    // Quiet accounts have little evidence of their own: most are caught by their cluster.
    int linked = spread.routes().get(Route.CLUSTER) + spread.routes().get(Route.JOINED);
    assertTrue(linked > spread.flagged() / 2, "routes " + spread.routes());
  }

  @Test
  void unlinked_harvesterWithNoSharedKeys_caughtByOwnContentSignals() {
    Result r = result(ScenarioPresets.EVASION_UNLINKED);
    assertTrue(r.clusterKeys().isEmpty(), "nothing to link by, yet " + r.clusterKeys());
    assertTrue(r.campaign().recall() >= 0.5, "recall " + r.campaign().recall());
    assertTrue(r.routes().get(Route.OWN) > r.flagged() / 2, "routes " + r.routes());
    int content =
        Math.max(
            r.firingAtFlag().getOrDefault("reasoning_share", 0),
            r.firingAtFlag().getOrDefault("output_harvest", 0));
    assertTrue(content > r.flagged() / 2, "content signals at flag: " + r.firingAtFlag());
  }

  @Test
  void rotateIp_perRequestProxies_doNotHideLinkedAccounts() {
    Result r = result(ScenarioPresets.EVASION_ROTATE_IP);
    assertTrue(r.campaign().recall() >= 0.95, "recall " + r.campaign().recall());
  }

  /**
   * A campaign caught through its cluster should not teach the population what is ordinary: at the
   * end of the trace its content signals still separate it. Held before the three-stage refactor
   * (reasoning_share median tail 2e-8 for the baseline); since 312587e the account stage no longer
   * hears that a cluster was alerted, members of alerted clusters keep updating the calibrators,
   * and no signal separates the baseline at the end. Reported in issue 5; enable once fixed.
   */
  // Calibration now lives in the cluster stage, which knows alerted clusters, so their members
  // could stop teaching it (one line in ClusterStage.evaluate). Tried: this test then passes, but
  // DetectionGoalsTest flags 1 and 2 researchers on seeds 42 and 7 - the campaigns' reasoning
  // harvest had been widening the population's tails that researchers sit in.
  @Disabled("fails since 312587e: members of alerted clusters calibrate the population (issue 5)")
  @Test
  void baseline_caughtByItsCluster_stillSeparatesAtEnd() {
    Result r = result(ScenarioPresets.EVASION_BASELINE);
    assertTrue(r.separating().contains("reasoning_share"), "separating " + r.separating());
  }

  @Test
  void fullEvasion_costsAccountsAndHarvest_andIsNeverEasierToCatch() {
    Result base = result(ScenarioPresets.EVASION_BASELINE);
    Result full = result(ScenarioPresets.EVASION_FULL_10);
    assertTrue(full.accountsPerMillion() >= 10 * base.accountsPerMillion());
    assertTrue(
        full.outputTokensPerExchange() <= 0.5 * base.outputTokensPerExchange(),
        "hiding content costs harvest: " + full.outputTokensPerExchange());
    assertTrue(full.campaign().recall() <= base.campaign().recall() + 0.05);
  }
}
