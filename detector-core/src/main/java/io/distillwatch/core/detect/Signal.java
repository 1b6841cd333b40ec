package io.distillwatch.core.detect;

/**
 * The named per-account signals of extraction, in two groups: content (what is asked for) and
 * behaviour (how it is sent). See {@code docs/signals.md} for how each can be evaded.
 *
 * <p>The named per-account signals of extraction. Each is a number computed from the account's
 * bounded profile; the detector turns it into a tail probability against the population's learned
 * distribution of the same signal (see {@code Calibrator}), so no signal carries a magic threshold.
 *
 * <p>A signal whose prerequisites are not met yet (too few exchanges, no history) contributes no
 * evidence rather than a guess.
 */
public enum Signal {
  /**
   * Exchanges in the last 24 hours against the account's own baseline (median of its earlier days),
   * as {@code -log10} of a Poisson upper tail. Why: a harvesting run is a step change in an
   * established account's volume. Needs three earlier days.
   */
  RATE_VS_BASELINE("rate_vs_baseline", 3, false, 1.0, false),
  /**
   * {@code log(1 + exchanges per active day)}. Why: extraction needs volume; compared with the
   * population, not with a fixed per-key limit that hydra accounts stay under.
   */
  RATE_VS_POPULATION("rate_vs_population", 8, false, 0.5, false),
  /**
   * Mean output tokens per exchange, log scale. Why: a distiller pays for completions, so it asks
   * for long ones; most users' answers are short.
   */
  OUTPUT_HARVEST("output_harvest", 8, true, 0.25, false),
  /**
   * Share of exchanges whose prompt asks for step-by-step reasoning, smoothed towards the
   * population share. Why: chain-of-thought is the prize of a reasoning-trace campaign.
   */
  REASONING_SHARE("reasoning_share", 8, true, 0.05, false),
  /**
   * Share of high-value capabilities (coding, agentic, reasoning, tool use), smoothed towards the
   * population's mix. Why: campaigns target what is expensive to train, not small talk.
   */
  CAPABILITY_CONCENTRATION("capability_concentration", 8, true, 0.05, false),
  /**
   * Prompts new to the population per distinct template ({@code log1p}), times the share of the
   * account's exchanges that were new, counting only templates that are rare in the population.
   * Why: a campaign fills a few templates with many fresh variables; people write free-form
   * prompts, CI bots replay the same prompts, researchers re-run public benchmark items that others
   * ran before, and developers whose IDE agent wraps their questions in one system prompt share
   * that template with thousands of unrelated accounts, so it is not theirs.
   */
  TEMPLATE_STRUCTURE("template_structure", 16, true, 0.25, false),
  /**
   * Negated burstiness of inter-arrival gaps ({@code (mu - sigma) / (mu + sigma)}): near 1 for a
   * scheduler, near 0 for Poisson, negative for human bursts. Why: scripted harvesting is paced.
   *
   * <p>Implementation notes. Burstiness tells a scheduler from a person only over gaps that include
   * the person's pauses. Within one sitting, a developer's or a benchmark harness's requests arrive
   * about as randomly as a Poisson process's (burstiness near 0), while the accounts they are
   * calibrated against mostly have their first exchanges spread over several sittings, so are far
   * burstier: read alone, the 16 to 23 exchanges of one busy sitting were machine-like evidence at
   * about the 1% tail, which with new prompts flagged an IDE user's session and a researcher's
   * first benchmark run (the first to run it, so all its prompts were new). So the signal is read
   * only with something that tells a sitting from a schedule: {@link #ROUND_THE_CLOCK}, active from
   * 24 exchanges, which shows a sitting confined to an hour or two of the day and, two-sided,
   * argues for it; or, before that, a history spanning more than a sitting (an hour, {@code
   * AccountStage.SITTING}), so that the gaps themselves hold the pauses that make a person bursty.
   * A paced campaign (minutes between requests) spans an hour within its first 16 exchanges or is
   * read with the hour-of-day entropy from its 24th.
   */
  TIMING_REGULARITY("timing_regularity", 16, false, 0.05, true),
  /**
   * Normalised entropy of the hour-of-day histogram. Why: people sleep; a harvesting fleet runs
   * round the clock.
   */
  ROUND_THE_CLOCK("round_the_clock", 24, false, 0.05, true),
  /**
   * Distinct IPs per exchange times {@code log(1 + distinct ASNs)}. Why: proxy networks rotate
   * addresses across many networks; a person or a NAT uses few. Networks count as at least one:
   * where a gateway reports no ASNs, the product would otherwise be 0 for every account, a constant
   * that tells a proxy fleet from a person no better than nothing, yet was scored as a measurement
   * and skewed the behaviour group's learned moments until researchers running a benchmark read as
   * extraction (seeds 42, 7, 3 and 11 at scale 0.01 with ASNs and user agents removed: 3, 3, 4 and
   * 20 of 20 flagged before, none after; hydra first alerted at +0.5 h to +3.4 h, as with ASNs).
   * Inactive for an account whose exchanges carry no IP.
   */
  INFRASTRUCTURE_SPREAD("infrastructure_spread", 8, false, 0.1, false),
  /**
   * Share of the account's recent novel exchanges on a model it adopted within two days of the
   * model's first appearance in the population. Why: campaigns move onto a new release at once to
   * harvest it on fresh prompts; people adopt gradually, and evaluations re-run known prompts.
   */
  MODEL_PIVOT("model_pivot", 8, true, 0.05, false);

  private final String wireName;
  private final int minExchanges;
  private final boolean content;
  private final double scaleFloor;
  private final boolean twoSided;

  Signal(String wireName, int minExchanges, boolean content, double scaleFloor, boolean twoSided) {
    this.wireName = wireName;
    this.minExchanges = minExchanges;
    this.content = content;
    this.scaleFloor = scaleFloor;
    this.twoSided = twoSided;
  }

  /**
   * Whether a low value is evidence of innocence (a human's bursty, daytime rhythm), not merely the
   * absence of evidence (a quiet day, a stable IP).
   */
  public boolean twoSided() {
    return twoSided;
  }

  /**
   * Whether the signal is about what the account asks for (content), as opposed to how it sends it
   * (behaviour: volume, timing, infrastructure). An account alert needs both kinds of evidence.
   */
  public boolean content() {
    return content;
  }

  /** The smallest difference in this signal that means anything; floors the tail's scale. */
  double scaleFloor() {
    return scaleFloor;
  }

  /** The name used in alerts' {@code signals} object. */
  public String wireName() {
    return wireName;
  }

  /** Exchanges an account needs before this signal contributes evidence. */
  public int minExchanges() {
    return minExchanges;
  }
}
