package io.distillwatch.examples.generate;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Names of the campaign presets and benign archetypes, and the built-in default trace.
 *
 * <p>Per-account parameters are drawn uniformly from the ranges below (rates in exchanges per
 * account per active day; σ is the log-sd of inter-arrival times, small = clockwork). Account
 * counts are at scale 1 and multiply with the scale, down to a floor.
 *
 * <table>
 *   <caption>Campaign presets</caption>
 *   <tr><th>preset</th><th>accounts (floor)</th><th>window</th><th>rate/day</th><th>timing</th>
 *       <th>content</th><th>links</th></tr>
 *   <tr><td>reasoning-150k</td><td>36 (3)</td><td>18 Apr - 2 May</td><td>220-380</td>
 *       <td>steady σ 0.2-0.8</td><td>reasoning 80-95%, reasoning/coding/analysis, long outputs,
 *       6-16 of 40 templates</td><td>3-6 shared cards, 1-3 IPs in 3 datacenter ASNs, SDK UA</td></tr>
 *   <tr><td>agentic-3.4m</td><td>350 (5)</td><td>25 Apr - 16 May</td><td>330-600</td>
 *       <td>steady σ 0.4-1.0</td><td>agentic/coding, tools 60-85% (mean 2-5 calls), 10-30 of 80
 *       templates</td><td>card per 10-40 accounts, 1-4 IPs from a shared datacenter pool, SDK
 *       UA</td></tr>
 *   <tr><td>pivot-13m</td><td>2,500 (10)</td><td>release ±14 d</td><td>130-240</td>
 *       <td>steady σ 0.3-1.0</td><td>coding/reasoning/agentic, reasoning 40-70%, 10-40 of 150
 *       templates; frontier-2 for 90-100% of traffic from 0.5-20 h after its release</td>
 *       <td>card per 5-30 accounts, datacenter pool</td></tr>
 *   <tr><td>hydra-28m</td><td>25,000 (20)</td><td>22 Apr - 5 Jun</td><td>26-46</td>
 *       <td>60% steady σ 0.3-1.2, 40% diurnal sessions; joins in waves (60% in the first two
 *       days), 20% burned after 4-21 days</td><td>coding/agentic/reasoning, reasoning 45-75%,
 *       tools 30-60%, 15-40 of 300 templates, 10-35% casual camouflage</td><td>card per 20-200
 *       accounts, per-request IP from a residential/mobile proxy pool (20 per account, clusters of
 *       1,000), browser or SDK UA; never more than 60 a day per account</td></tr>
 *   <tr><td>low-and-slow</td><td>400 (10)</td><td>20 Apr - 1 Jun</td><td>~4-16</td>
 *       <td>diurnal sessions in one campaign time zone ±1 h</td><td>population-like mix skewed to
 *       reasoning, reasoning 30-50%, templates 60-85% (8-20 of 60)</td><td>own card, 2-5 IPs of a
 *       small shared pool in 2 ASNs, browser UA</td></tr>
 * </table>
 *
 * <table>
 *   <caption>Benign archetypes (share of the benign population, floor)</caption>
 *   <tr><td>casual</td><td>the rest</td><td>0.8-2.5 sessions on 10-70% of days, diurnal, home
 *       and phone IPs, browser/app UA, 75% with a card, unique or common public templates</td></tr>
 *   <tr><td>power-user</td><td>1% (20)</td><td>4-10 sessions of 8-30 exchanges on most days,
 *       varied content, personal templates, browser+SDK</td></tr>
 *   <tr><td>enterprise-batch</td><td>0.1% (50)</td><td>one org, one card, one NAT IP, 4-8
 *       templates, steady σ 0.1-0.4 at 40-160/day round the clock</td></tr>
 *   <tr><td>ci-bot</td><td>0.2% (20)</td><td>nightly cron replaying a fixed suite of 30-300
 *       prompts, CI cloud ASNs</td></tr>
 *   <tr><td>researcher-benchmark</td><td>0.3% (20)</td><td>runs of 800-2,500 fixed public
 *       benchmark items every 3-12 days, reasoning 90%, labs of 4 share IPs, card, often an
 *       org</td></tr>
 *   <tr><td>ide-template</td><td>15% (20)</td><td>one IDE system-prompt template, coding/agentic
 *       with tools, working hours, new model adopted fast (5-day mean), and with it the IDE
 *       release's new system prompts, which its first users share while they are rare</td></tr>
 *   <tr><td>shared-nat</td><td>2% (40)</td><td>casual users, 85% of traffic from one NAT per
 *       40-200 users</td></tr>
 * </table>
 *
 * <p>Evasion presets ({@link #EVASION}, never part of {@code all}): an adaptive attacker with a
 * fixed budget of 5 million exchanges at scale 1 (50,000 at the default scale 0.01) over three
 * weeks (18 Apr - 9 May), who pays to hide. Accounts = budget / (rate x 21 days), at least 3. Each
 * knob below, when on, replaces the baseline's choice; the per-account rate is exchanges per
 * calendar day. The values come from the public benign archetypes above (what heavy users look
 * like), never from the detector.
 *
 * <table>
 *   <caption>Evasion knobs</caption>
 *   <tr><th>knob</th><th>baseline (off)</th><th>hiding (on)</th></tr>
 *   <tr><td>rate</td><td>500/day</td><td>100, 30, 10 or 3/day: the same budget over 5x to 170x
 *       the accounts</td></tr>
 *   <tr><td>human timing</td><td>round-the-clock scheduler, σ 0.3-0.8</td><td>diurnal sessions
 *       of 3-8 exchanges, 30-180 s think time, weekdays 90% and weekends 60% active, browser
 *       UA</td></tr>
 *   <tr><td>under levels</td><td>reasoning 80-95%, 1,500-3,500 output tokens, reasoning/coding
 *       mix</td><td>at the top of the power-user ranges: reasoning 25-35%, 800-1,200 output
 *       tokens, tools 15-30%, a power-user category mix</td></tr>
 *   <tr><td>random templates</td><td>6-16 of a 40-template pool</td><td>a fresh template per
 *       prompt, 15% common public templates</td></tr>
 *   <tr><td>IPs</td><td>1-3 sticky datacenter IPs from a campaign pool</td><td>rotate: a new
 *       residential/mobile proxy exit per request; or residential: a home-like address set per
 *       account</td></tr>
 *   <tr><td>own cards</td><td>a card per block of 5-20 accounts</td><td>a card per
 *       account</td></tr>
 *   <tr><td>camouflage</td><td>none</td><td>30% or 50% casual-looking exchanges</td></tr>
 * </table>
 *
 * <p>Presets: {@code evasion-baseline} (all off); {@code evasion-spread-100/30/10} (rate only);
 * single knobs at 30/day: {@code evasion-under-levels}, {@code evasion-random-templates}, {@code
 * evasion-human-timing}, {@code evasion-rotate-ip}, {@code evasion-camouflage} (50%), {@code
 * evasion-own-cards}; nothing left to link accounts by (own cards and random templates) at 30/day:
 * {@code evasion-unlinked}, with human timing and residential IPs as well: {@code
 * evasion-unlinked-human}, with content under levels as well: {@code evasion-unlinked-under};
 * everything at once (residential IPs, 30% camouflage) at 30, 10 and 3/day: {@code
 * evasion-full-30/10/3}.
 */
public final class ScenarioPresets {
  public static final String REASONING_150K = "reasoning-150k";
  public static final String AGENTIC_3_4M = "agentic-3.4m";
  public static final String PIVOT_13M = "pivot-13m";
  public static final String HYDRA_28M = "hydra-28m";
  public static final String LOW_AND_SLOW = "low-and-slow";

  /** Selects every campaign preset. */
  public static final String ALL = "all";

  /** Campaign preset names, in the order they are labelled. */
  public static final List<String> CAMPAIGNS =
      List.of(REASONING_150K, AGENTIC_3_4M, PIVOT_13M, HYDRA_28M, LOW_AND_SLOW);

  public static final String EVASION_BASELINE = "evasion-baseline";
  public static final String EVASION_SPREAD_100 = "evasion-spread-100";
  public static final String EVASION_SPREAD_30 = "evasion-spread-30";
  public static final String EVASION_SPREAD_10 = "evasion-spread-10";
  public static final String EVASION_UNDER_LEVELS = "evasion-under-levels";
  public static final String EVASION_RANDOM_TEMPLATES = "evasion-random-templates";
  public static final String EVASION_HUMAN_TIMING = "evasion-human-timing";
  public static final String EVASION_ROTATE_IP = "evasion-rotate-ip";
  public static final String EVASION_CAMOUFLAGE = "evasion-camouflage";
  public static final String EVASION_OWN_CARDS = "evasion-own-cards";
  public static final String EVASION_UNLINKED = "evasion-unlinked";
  public static final String EVASION_UNLINKED_HUMAN = "evasion-unlinked-human";
  public static final String EVASION_UNLINKED_UNDER = "evasion-unlinked-under";
  public static final String EVASION_FULL_30 = "evasion-full-30";
  public static final String EVASION_FULL_10 = "evasion-full-10";
  public static final String EVASION_FULL_3 = "evasion-full-3";

  /**
   * Adaptive-attacker presets of the evasion study, from no hiding to the most expensive; selected
   * by name only, never by {@code all}.
   */
  public static final List<String> EVASION =
      List.of(
          EVASION_BASELINE,
          EVASION_SPREAD_100,
          EVASION_SPREAD_30,
          EVASION_SPREAD_10,
          EVASION_UNDER_LEVELS,
          EVASION_RANDOM_TEMPLATES,
          EVASION_HUMAN_TIMING,
          EVASION_ROTATE_IP,
          EVASION_CAMOUFLAGE,
          EVASION_OWN_CARDS,
          EVASION_UNLINKED,
          EVASION_UNLINKED_HUMAN,
          EVASION_UNLINKED_UNDER,
          EVASION_FULL_30,
          EVASION_FULL_10,
          EVASION_FULL_3);

  public static final String CASUAL = "casual";
  public static final String POWER_USER = "power-user";
  public static final String ENTERPRISE_BATCH = "enterprise-batch";
  public static final String CI_BOT = "ci-bot";
  public static final String RESEARCHER_BENCHMARK = "researcher-benchmark";
  public static final String IDE_TEMPLATE = "ide-template";
  public static final String SHARED_NAT = "shared-nat";

  /** Benign archetype names (always generated), in label order. */
  public static final List<String> BENIGN =
      List.of(
          CASUAL,
          POWER_USER,
          ENTERPRISE_BATCH,
          CI_BOT,
          RESEARCHER_BENCHMARK,
          IDE_TEMPLATE,
          SHARED_NAT);

  /** Seed of the built-in trace. */
  public static final long BUILT_IN_SEED = 42;

  /** Scale of the built-in trace. */
  public static final double BUILT_IN_SCALE = 0.01;

  private ScenarioPresets() {}

  /**
   * Resolves preset names ({@code all}, campaign or evasion names, each possibly a comma-separated
   * list) to campaign names in preset order: the public campaigns, then the evasion presets.
   *
   * @throws IllegalArgumentException naming the valid presets, if a name is unknown
   */
  public static Set<String> resolve(Collection<String> names) {
    Set<String> wanted = new LinkedHashSet<>();
    for (String entry : names) {
      for (String raw : entry.split(",")) {
        String name = raw.trim();
        if (name.isEmpty()) {
          continue;
        }
        if (name.equals(ALL)) {
          wanted.addAll(CAMPAIGNS);
        } else if (CAMPAIGNS.contains(name) || EVASION.contains(name)) {
          wanted.add(name);
        } else {
          throw new IllegalArgumentException(
              "unknown scenario '"
                  + name
                  + "'; valid: "
                  + ALL
                  + ", "
                  + String.join(", ", CAMPAIGNS)
                  + ", "
                  + String.join(", ", EVASION));
        }
      }
    }
    Set<String> ordered = new LinkedHashSet<>();
    for (String c : CAMPAIGNS) {
      if (wanted.contains(c)) {
        ordered.add(c);
      }
    }
    for (String c : EVASION) {
      if (wanted.contains(c)) {
        ordered.add(c);
      }
    }
    return ordered;
  }

  /**
   * The built-in trace: every campaign at scale 0.01 with seed 42 over the default period (about 2
   * million exchanges, generated in a few seconds), used when a command is given no input.
   */
  public static TraceGenerator builtIn() {
    return TraceGenerator.builder()
        .scenarios(Set.copyOf(CAMPAIGNS))
        .scale(BUILT_IN_SCALE)
        .seed(BUILT_IN_SEED)
        .build();
  }
}
