package io.distillwatch.examples.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.Exchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Properties of the generated trace. One full-period pass at a small scale is summarised once
 * ({@link Summary}) and each test checks one property of it; determinism uses a short period.
 */
class TraceGeneratorTest {
  private static final long HOUR = 3_600_000L;
  private static final long DAY = 24 * HOUR;
  private static final long RELEASE = TraceGenerator.DEFAULT_MODEL_RELEASE.toEpochMilli();

  /** The per-account daily limit hydra accounts must stay under (a conservative API limit). */
  private static final int HYDRA_DAILY_LIMIT = 60;

  private static Summary run;

  @BeforeAll
  static void generateOnce() {
    TraceGenerator g = TraceGenerator.builder().scale(0.004).seed(7).minBenignAccounts(300).build();
    run = new Summary(g.labels());
    for (Exchange e : g) {
      run.accept(e);
    }
    run.labels = g.labels();
  }

  private static TraceGenerator shortTrace(long seed) {
    return TraceGenerator.builder()
        .scale(0.002)
        .seed(seed)
        .minBenignAccounts(100)
        .start(Instant.parse("2026-05-10T00:00:00Z"))
        .end(Instant.parse("2026-05-13T00:00:00Z"))
        .build();
  }

  private static byte[] bytes(TraceGenerator g) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    g.writeJsonLines(out);
    return out.toByteArray();
  }

  @Test
  void writeJsonLines_sameSeed_byteIdentical() throws IOException {
    byte[] a = bytes(shortTrace(1));
    assertTrue(a.length > 100_000, "trace too small to be a meaningful check: " + a.length);
    assertArrayEquals(a, bytes(shortTrace(1)));
    TraceGenerator reused = shortTrace(1);
    bytes(reused);
    assertArrayEquals(a, bytes(reused), "a second pass of the same generator differs");
  }

  @Test
  void writeJsonLines_differentSeed_differs() throws IOException {
    assertFalse(Arrays.equals(bytes(shortTrace(1)), bytes(shortTrace(2))));
  }

  @Test
  void labels_everyLabelledAccountAppears_andNoOther() {
    Set<String> labelled = new HashSet<>();
    run.labels.campaigns().forEach(c -> labelled.addAll(c.accounts()));
    run.labels.benign().forEach(b -> labelled.addAll(b.accounts()));
    assertEquals(run.labels.accountCount(), labelled.size(), "account ids are not unique");
    assertEquals(labelled, run.perAccount.keySet());
  }

  @Test
  void labels_campaignCountsAndBoundsExact() {
    assertEquals(ScenarioPresets.CAMPAIGNS.size(), run.labels.campaigns().size());
    for (Labels.Campaign c : run.labels.campaigns()) {
      assertEquals(run.groupCount.get(c.name()), c.exchanges(), c.name());
      assertEquals(run.groupFirst.get(c.name()), c.start(), c.name());
      assertEquals(run.groupLast.get(c.name()), c.end(), c.name());
      assertEquals(c.name().equals(ScenarioPresets.LOW_AND_SLOW), c.lowAndSlow());
    }
    Labels.Campaign hydra = campaign(ScenarioPresets.HYDRA_28M);
    assertTrue(hydra.start() >= Instant.parse("2026-04-22T00:00:00Z").toEpochMilli());
    assertTrue(hydra.end() < Instant.parse("2026-06-05T00:00:00Z").toEpochMilli());
  }

  @Test
  void hydra_quietPerAccount_underDailyLimit() {
    Labels.Campaign hydra = campaign(ScenarioPresets.HYDRA_28M);
    int max = 0;
    for (String a : hydra.accounts()) {
      for (int d : run.hydraDaily.get(a)) {
        max = Math.max(max, d);
      }
    }
    assertTrue(max <= HYDRA_DAILY_LIMIT, "max per-account day " + max);
    // Linear volume: about 28.8M / 25,000 = 1,152 exchanges per account.
    double perAccount = (double) hydra.exchanges() / hydra.accounts().size();
    assertTrue(perAccount > 900 && perAccount < 1400, "per account " + perAccount);
  }

  @Test
  void pivot_movesOntoNewModel_withinADayOfRelease() {
    for (String a : campaign(ScenarioPresets.PIVOT_13M).accounts()) {
      Long first = run.firstNewModel.get(a);
      assertNotNull(first, a + " never used the new model");
      assertTrue(first >= RELEASE && first <= RELEASE + DAY, a + " moved at " + first);
    }
    // Benign users adopt gradually: few on day one.
    List<String> casual = benign(ScenarioPresets.CASUAL).accounts();
    long dayOne =
        casual.stream()
            .map(run.firstNewModel::get)
            .filter(t -> t != null && t <= RELEASE + DAY)
            .count();
    assertTrue(dayOne < 0.2 * casual.size(), dayOne + " casual users adopted on day one");
  }

  @Test
  void disorder_boundedByMaxDelay_andPresent() {
    assertTrue(run.maxLateness <= 30_000, "lateness " + run.maxLateness);
    double share = (double) run.lateRecords / run.records;
    assertTrue(share > 0.005 && share < 0.03, "late share " + share);
  }

  @Test
  void enterpriseBatch_sharesOneIpOrgAndCard() {
    Labels.Benign e = benign(ScenarioPresets.ENTERPRISE_BATCH);
    assertTrue(e.hardNegative());
    assertTrue(e.accounts().size() >= 50);
    assertEquals(1, run.enterpriseIps.size());
    assertEquals(1, run.enterpriseOrgs.size());
    assertEquals(1, run.enterpriseCards.size());
  }

  @Test
  void ciBot_replaysSamePromptsEveryNight() {
    Labels.Benign ci = benign(ScenarioPresets.CI_BOT);
    assertTrue(ci.hardNegative() && ci.accounts().size() >= 20);
    for (String a : ci.accounts()) {
      Map<Long, Set<String>> nights = run.ciNights.get(a);
      assertTrue(nights.size() >= 5, a + " ran on " + nights.size() + " nights");
      Set<String> firstFull = null;
      int same = 0;
      for (Set<String> prompts : nights.values()) {
        if (firstFull == null) {
          firstFull = prompts;
        } else if (prompts.equals(firstFull)) {
          same++;
        }
      }
      // Only the first and last nights may be cut by the trace period.
      assertTrue(same >= nights.size() - 3, a + ": " + same + " of " + nights.size());
    }
  }

  @Test
  void ideTemplate_oneTemplateSharedByMostDevelopers() {
    Labels.Benign ide = benign(ScenarioPresets.IDE_TEMPLATE);
    assertTrue(ide.hardNegative());
    int top = run.ideTemplateUsers.values().stream().mapToInt(Map::size).max().orElse(0);
    assertTrue(top >= 0.8 * ide.accounts().size(), top + " of " + ide.accounts().size());
  }

  /**
   * The IDE's release for the new model ships new system prompts: nobody uses them before the
   * release, most developers move to them, and they spread over days, so that for their first hours
   * few accounts share them (rare in the population, as the detector must handle).
   */
  @Test
  void ideTemplate_releasePromptsSpreadOverDaysAfterTheModelRelease() {
    int developers = benign(ScenarioPresets.IDE_TEMPLATE).accounts().size();
    int released = 0;
    for (Map<String, Long> users : run.ideTemplateUsers.values()) {
      long first = users.values().stream().mapToLong(Long::longValue).min().orElseThrow();
      if (users.size() < developers / 2 || first < RELEASE) {
        continue;
      }
      released++;
      long firstHours = users.values().stream().filter(t -> t < first + 6 * HOUR).count();
      assertTrue(
          firstHours < users.size() / 4,
          firstHours + " of the prompt's " + users.size() + " users in its first six hours");
    }
    assertEquals(2, released, "shared prompts first used after the release");
  }

  @Test
  void researcherBenchmark_rerunsFixedItems() {
    Labels.Benign r = benign(ScenarioPresets.RESEARCHER_BENCHMARK);
    assertTrue(r.hardNegative() && r.accounts().size() >= 20);
    long total = 0;
    long distinct = 0;
    for (String a : r.accounts()) {
      total += run.perAccount.get(a);
      distinct += run.researchPrompts.get(a).size();
    }
    assertTrue(distinct * 2 < total, distinct + " distinct of " + total);
  }

  @Test
  void everyArchetypePresent_hardNegativesFlagged() {
    assertEquals(
        ScenarioPresets.BENIGN,
        run.labels.benign().stream().map(Labels.Benign::archetype).toList());
    for (Labels.Benign b : run.labels.benign()) {
      assertEquals(
          !b.archetype().equals(ScenarioPresets.CASUAL)
              && !b.archetype().equals(ScenarioPresets.POWER_USER),
          b.hardNegative(),
          b.archetype());
      assertTrue(b.accounts().size() >= 20, b.archetype());
    }
  }

  @Test
  void scale_doubling_doublesAccountCounts() {
    Labels small = TraceGenerator.builder().scale(0.04).minBenignAccounts(0).build().labels();
    Labels large = TraceGenerator.builder().scale(0.08).minBenignAccounts(0).build().labels();
    for (int i = 0; i < small.campaigns().size(); i++) {
      String name = small.campaigns().get(i).name();
      if (name.equals(ScenarioPresets.REASONING_150K)) {
        continue; // 36 accounts at scale 1: at 0.04 it sits on its floor
      }
      assertEquals(
          2 * small.campaigns().get(i).accounts().size(),
          large.campaigns().get(i).accounts().size(),
          name);
    }
    assertEquals(1_000, campaignIn(small, ScenarioPresets.HYDRA_28M).accounts().size());
    int benignSmall = small.benign().stream().mapToInt(b -> b.accounts().size()).sum();
    int benignLarge = large.benign().stream().mapToInt(b -> b.accounts().size()).sum();
    assertEquals(4_000, benignSmall);
    assertEquals(8_000, benignLarge);
  }

  @Test
  void builder_badSettings_rejectedWithBound() {
    assertThrows(IllegalArgumentException.class, () -> TraceGenerator.builder().scale(0));
    assertThrows(
        IllegalArgumentException.class,
        () -> TraceGenerator.builder().maxDelay(Duration.ofHours(2)));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TraceGenerator.builder().scenarios(Set.of("hydra-29m")));
    assertTrue(e.getMessage().contains("hydra-28m"), e.getMessage());
  }

  private static Labels.Campaign campaign(String name) {
    return campaignIn(run.labels, name);
  }

  private static Labels.Campaign campaignIn(Labels labels, String name) {
    return labels.campaigns().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
  }

  private static Labels.Benign benign(String name) {
    return run.labels.benign().stream()
        .filter(b -> b.archetype().equals(name))
        .findFirst()
        .orElseThrow();
  }

  /** Streaming summary of one pass: only what the properties need, never the records. */
  private static final class Summary {
    final Map<String, String> groupOf = new HashMap<>();
    final Map<String, Long> perAccount = new HashMap<>();
    final Map<String, Long> groupCount = new HashMap<>();
    final Map<String, Long> groupFirst = new HashMap<>();
    final Map<String, Long> groupLast = new HashMap<>();
    final Map<String, int[]> hydraDaily = new HashMap<>();
    final Map<String, Long> firstNewModel = new HashMap<>();
    final Set<String> enterpriseIps = new HashSet<>();
    final Set<String> enterpriseOrgs = new HashSet<>();
    final Set<String> enterpriseCards = new HashSet<>();
    final Map<String, Map<Long, Set<String>>> ciNights = new HashMap<>();

    /** IDE developers' templates: each one's users, with their first use. */
    final Map<String, Map<String, Long>> ideTemplateUsers = new HashMap<>();

    final Map<String, Set<String>> researchPrompts = new HashMap<>();
    final long start;
    Labels labels;
    long records;
    long lateRecords;
    long maxLateness;
    long maxTs = Long.MIN_VALUE;

    Summary(Labels before) {
      start = before.start();
      before.campaigns().forEach(c -> c.accounts().forEach(a -> groupOf.put(a, c.name())));
      before.benign().forEach(b -> b.accounts().forEach(a -> groupOf.put(a, b.archetype())));
    }

    void accept(Exchange e) {
      records++;
      long t = e.timestamp();
      if (t < maxTs) {
        lateRecords++;
        maxLateness = Math.max(maxLateness, maxTs - t);
      }
      maxTs = Math.max(maxTs, t);
      String a = e.accountId();
      String g = groupOf.getOrDefault(a, "unlabelled");
      perAccount.merge(a, 1L, Long::sum);
      groupCount.merge(g, 1L, Long::sum);
      groupFirst.merge(g, t, Math::min);
      groupLast.merge(g, t, Math::max);
      if ("frontier-2".equals(e.model())) {
        firstNewModel.merge(a, t, Math::min);
      }
      switch (g) {
        case ScenarioPresets.HYDRA_28M ->
            hydraDaily.computeIfAbsent(a, k -> new int[64])[(int) ((t - start) / DAY)]++;
        case ScenarioPresets.ENTERPRISE_BATCH -> {
          enterpriseIps.add(e.ip());
          enterpriseOrgs.add(e.orgId());
          enterpriseCards.add(e.paymentFingerprint());
        }
        case ScenarioPresets.CI_BOT ->
            ciNights
                .computeIfAbsent(a, k -> new HashMap<>())
                .computeIfAbsent(Math.floorDiv(t, DAY), k -> new HashSet<>())
                .add(e.promptHash());
        case ScenarioPresets.IDE_TEMPLATE ->
            ideTemplateUsers
                .computeIfAbsent(e.templateHash(), k -> new HashMap<>())
                .merge(a, t, Math::min);
        case ScenarioPresets.RESEARCHER_BENCHMARK ->
            researchPrompts.computeIfAbsent(a, k -> new HashSet<>()).add(e.promptHash());
        default -> {}
      }
    }
  }
}
