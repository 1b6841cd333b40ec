package io.distillwatch.examples.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.Exchange;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The evasion presets keep their contract: selectable by name and never by {@code all}, one budget
 * of exchanges whatever the rate (so accounts per million exchanges is the price of the rate), and
 * the knobs they claim (own cards, per-request IPs) visible in the trace.
 */
class EvasionPresetsTest {
  private static final long BUDGET_AT_DEFAULT_SCALE =
      Math.round(Population.EVASION_BUDGET_AT_SCALE_1 * TraceGenerator.DEFAULT_SCALE);

  @Test
  void resolve_all_excludesEvasionPresets_butNamesSelectThem() {
    Set<String> all = ScenarioPresets.resolve(List.of(ScenarioPresets.ALL));
    assertEquals(Set.copyOf(ScenarioPresets.CAMPAIGNS), all);
    assertEquals(
        List.of(ScenarioPresets.HYDRA_28M, ScenarioPresets.EVASION_FULL_10),
        List.copyOf(ScenarioPresets.resolve(List.of("evasion-full-10,hydra-28m"))));
    assertEquals(ScenarioPresets.EVASION.size(), Population.EVASIONS.size());
    for (int i = 0; i < ScenarioPresets.EVASION.size(); i++) {
      assertEquals(ScenarioPresets.EVASION.get(i), Population.EVASIONS.get(i).name());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        ScenarioPresets.EVASION_BASELINE,
        ScenarioPresets.EVASION_HUMAN_TIMING,
        ScenarioPresets.EVASION_FULL_3
      })
  void generate_anyRate_spendsTheSameBudget(String preset) {
    TraceGenerator g = small(preset);
    long exchanges = 0;
    for (Exchange e : g) {
      exchanges++;
    }
    Labels.Campaign c = g.labels().campaigns().get(0);
    assertEquals(preset, c.name());
    // Steady schedulers start within two days of the window, sessions skip idle days: the budget
    // is met within 15%, never overshot by more than noise.
    assertTrue(
        c.exchanges() >= 0.85 * BUDGET_AT_DEFAULT_SCALE
            && c.exchanges() <= 1.05 * BUDGET_AT_DEFAULT_SCALE,
        preset + " spent " + c.exchanges() + " of " + BUDGET_AT_DEFAULT_SCALE);
    assertTrue(exchanges > c.exchanges());
  }

  @Test
  void accounts_scaleInverselyWithRate() {
    int base = accounts(ScenarioPresets.EVASION_BASELINE);
    int spread = accounts(ScenarioPresets.EVASION_SPREAD_10);
    // 500 a day against 10 a day: 50 times the accounts, up to rounding.
    assertEquals(50.0, spread / (double) base, 2.5);
  }

  @Test
  void knobs_ownCardsAndRotatingIps_visibleInTheTrace() {
    Set<String> cards = new HashSet<>();
    Set<String> accounts = new HashSet<>();
    for (Exchange e : campaignExchanges(ScenarioPresets.EVASION_OWN_CARDS)) {
      cards.add(e.paymentFingerprint());
      accounts.add(e.accountId());
    }
    assertEquals(accounts.size(), cards.size(), "one card per account");

    // Per account: distinct IPs over exchanges, from 1-3 sticky addresses against a fresh proxy
    // exit drawn per request.
    double plain = ipsPerExchange(campaignExchanges(ScenarioPresets.EVASION_SPREAD_30));
    double rotated = ipsPerExchange(campaignExchanges(ScenarioPresets.EVASION_ROTATE_IP));
    assertTrue(plain < 0.02, "sticky: " + plain);
    assertTrue(rotated > 0.5, "rotated: " + rotated);
  }

  /** Mean over accounts of distinct IPs per exchange. */
  private static double ipsPerExchange(List<Exchange> exchanges) {
    Map<String, Set<String>> ips = new HashMap<>();
    Map<String, Integer> counts = new HashMap<>();
    for (Exchange e : exchanges) {
      ips.computeIfAbsent(e.accountId(), k -> new HashSet<>()).add(e.ip());
      counts.merge(e.accountId(), 1, Integer::sum);
    }
    return ips.entrySet().stream()
        .mapToDouble(en -> en.getValue().size() / (double) counts.get(en.getKey()))
        .average()
        .orElse(0);
  }

  private static TraceGenerator small(String preset) {
    return TraceGenerator.builder()
        .scenarios(Set.of(preset))
        .minBenignAccounts(0)
        .end(java.time.Instant.parse("2026-05-10T00:00:00Z"))
        .build();
  }

  private static int accounts(String preset) {
    return small(preset).labels().campaigns().get(0).accounts().size();
  }

  private static List<Exchange> campaignExchanges(String preset) {
    TraceGenerator g = small(preset);
    Set<String> ids = Set.copyOf(g.labels().campaigns().get(0).accounts());
    List<Exchange> out = new java.util.ArrayList<>();
    for (Exchange e : g) {
      if (ids.contains(e.accountId())) {
        out.add(e);
      }
    }
    return out;
  }
}
