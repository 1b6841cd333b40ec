package io.distillwatch.core.detect;

import io.distillwatch.core.link.HydraLinker;
import io.distillwatch.core.link.LinkKey;
import io.distillwatch.core.link.LinkStage;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * Configuration of an {@link ExtractionDetector}; immutable, built with {@link #builder()}. Every
 * default is documented on its builder method.
 */
public final class DetectorConfig {
  private final double targetFalsePositiveRate;
  private final long idleEvictionMillis;
  private final int maxAccounts;
  private final int minCalibrationSamples;
  private final long reevaluateEveryMillis;
  private final long pivotWindowMillis;
  private final long templateSetWarmUpMillis;
  private final int maxEffectiveMembers;
  private final int lshBands;
  private final int maxLinkKeys;
  private final int noveltyBits;
  private final Set<String> allowlistedAccounts;
  private final Set<String> allowlistedOrgs;
  private final Map<LinkKey, double[]> linkCaps;

  private DetectorConfig(Builder b) {
    this.targetFalsePositiveRate = b.targetFalsePositiveRate;
    this.idleEvictionMillis = b.idleEviction.toMillis();
    this.maxAccounts = b.maxAccounts;
    this.minCalibrationSamples = b.minCalibrationSamples;
    this.reevaluateEveryMillis = b.reevaluateEvery.toMillis();
    this.pivotWindowMillis = b.pivotWindow.toMillis();
    this.templateSetWarmUpMillis = b.templateSetWarmUp.toMillis();
    this.maxEffectiveMembers = b.maxEffectiveMembers;
    this.lshBands = b.lshBands;
    this.maxLinkKeys = b.maxLinkKeys;
    this.noveltyBits = b.noveltyBits;
    this.allowlistedAccounts = Set.copyOf(b.allowlistedAccounts);
    this.allowlistedOrgs = Set.copyOf(b.allowlistedOrgs);
    this.linkCaps = new EnumMap<>(b.linkCaps);
  }

  public static Builder builder() {
    return new Builder();
  }

  public double targetFalsePositiveRate() {
    return targetFalsePositiveRate;
  }

  public long idleEvictionMillis() {
    return idleEvictionMillis;
  }

  public int maxAccounts() {
    return maxAccounts;
  }

  public int minCalibrationSamples() {
    return minCalibrationSamples;
  }

  public long reevaluateEveryMillis() {
    return reevaluateEveryMillis;
  }

  public long pivotWindowMillis() {
    return pivotWindowMillis;
  }

  public long templateSetWarmUpMillis() {
    return templateSetWarmUpMillis;
  }

  public int maxEffectiveMembers() {
    return maxEffectiveMembers;
  }

  public int lshBands() {
    return lshBands;
  }

  public int noveltyBits() {
    return noveltyBits;
  }

  public Set<String> allowlistedAccounts() {
    return allowlistedAccounts;
  }

  public Set<String> allowlistedOrgs() {
    return allowlistedOrgs;
  }

  boolean allowlisted(String accountId, String orgId) {
    return allowlistedAccounts.contains(accountId)
        || (orgId != null && allowlistedOrgs.contains(orgId));
  }

  HydraLinker newLinker() {
    return linkerBuilder().build();
  }

  /**
   * The link stage (its in-process key map bounded by {@code maxLinkKeys}) with the rarity caps.
   */
  public LinkStage newLinkStage() {
    return linkerBuilder().idleKeys(Duration.ofMillis(idleEvictionMillis)).buildLinkStage();
  }

  HydraLinker.Builder linkerBuilder() {
    HydraLinker.Builder b = HydraLinker.builder().maxKeys(maxLinkKeys);
    linkCaps.forEach((kind, cap) -> b.cap(kind, (int) cap[0], cap[1]));
    return b;
  }

  /** Builder of {@link DetectorConfig}; the detector itself via {@link #build()}. */
  public static final class Builder {
    private double targetFalsePositiveRate = 0.001;
    private Duration idleEviction = Duration.ofDays(7);
    private int maxAccounts = 2_000_000;
    private int minCalibrationSamples = 200;
    private Duration reevaluateEvery = Duration.ofHours(6);
    private Duration pivotWindow = Duration.ofDays(2);
    private Duration templateSetWarmUp = Duration.ofHours(72);
    private int maxEffectiveMembers = 10;
    private int lshBands = 16;
    private int maxLinkKeys = 1 << 22;
    private int noveltyBits = 20;
    private Set<String> allowlistedAccounts = Set.of();
    private Set<String> allowlistedOrgs = Set.of();
    private final Map<LinkKey, double[]> linkCaps = new EnumMap<>(LinkKey.class);

    private Builder() {}

    /**
     * Share of benign accounts that may be alerted (default 0.001, i.e. 0.1%): the threshold on the
     * combined tail probability.
     */
    public Builder targetFalsePositiveRate(double rate) {
      if (!(rate > 0 && rate < 0.5)) {
        throw new IllegalArgumentException(
            "targetFalsePositiveRate must be in (0, 0.5), was " + rate);
      }
      this.targetFalsePositiveRate = rate;
      return this;
    }

    /** Event time after which a silent account's profile is dropped (default 7 days). */
    public Builder idleEviction(Duration d) {
      this.idleEviction = positive(d, "idleEviction");
      return this;
    }

    /** Hard cap on live profiles; the least recently active is evicted (default 2,000,000). */
    public Builder maxAccounts(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxAccounts must be >= 1, was " + n);
      }
      this.maxAccounts = n;
      return this;
    }

    /**
     * Accounts a signal's population distribution must have seen before it yields evidence, and
     * evaluations before the dependence between signals is learned (default 200).
     */
    public Builder minCalibrationSamples(int n) {
      if (n < 10) {
        throw new IllegalArgumentException("minCalibrationSamples must be >= 10, was " + n);
      }
      this.minCalibrationSamples = n;
      return this;
    }

    /**
     * Event time after which an account is evaluated again even if its exchange count has not
     * reached its next evaluation point (default 6 hours).
     */
    public Builder reevaluateEvery(Duration d) {
      this.reevaluateEvery = positive(d, "reevaluateEvery");
      return this;
    }

    /**
     * How soon after a model's first appearance an account must move onto it to count as a pivot,
     * and how long after the stream starts a model counts as new (default 2 days).
     */
    public Builder pivotWindow(Duration d) {
      this.pivotWindow = positive(d, "pivotWindow");
      return this;
    }

    /**
     * Event time from the stream's first exchange during which template-set bands link nobody
     * (default 72 hours; zero links from the start). Bands sent during the warm-up are still
     * counted, and their first users kept, so an account that shares a band with one of them later
     * is linked to it.
     *
     * <p>Why: a template enters an account's set only while it is rare across the population, and
     * early in a stream too little of the population has shown up to tell a rare template from the
     * first users of a common one. An IDE's system prompt has a handful of users in the first hour
     * of a stream; its early users would share it in their bands and be linked, for good (clusters
     * are never split), before it turns common. Once it has more users than the rarity cap (20 by
     * default), an account's next banding purges it from the set. A template with fewer users than
     * the cap looks rare at any time.
     *
     * <p>Why three days: six hours (the default until stop 23) was enough for an IDE's system
     * prompt with hundreds of users, not for a public template with a few dozen. When a campaign is
     * already running as the stream starts (a deployment mid-attack; the default trace started a
     * week earlier, on 22 April, at {@code --scale 0.01}), its accounts' camouflage shares those
     * templates with casual users while they still look rare, and the bands joined 139 to 160 of
     * 3,000 benign accounts to the campaign's clusters on seeds 42, 7 and 3 (4.6-5.3% flagged); a
     * one-day warm-up still left 20 on seed 42, two days and three days none on any of the three,
     * and three days leave a margin for smaller populations, where templates take longer to reach
     * the cap's floor. The cost: a campaign that starts with the stream is linked by template sets
     * only three days in (links by payment, IP, subnet, network and template hash are not delayed),
     * and one that is blocked on its first alerts never bands again; on seed 7 started mid-attack
     * the reasoning campaign is first alerted at +80.9 h instead of +10.1 h.
     */
    public Builder templateSetWarmUp(Duration d) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException(
            "templateSetWarmUp must be zero or a positive duration, was " + d);
      }
      this.templateSetWarmUp = d;
      return this;
    }

    /**
     * Members of a cluster counted as independent evidence (default 10): members of one operator
     * are not independent, so a large cluster of mildly odd accounts must not add up to certainty.
     */
    public Builder maxEffectiveMembers(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxEffectiveMembers must be >= 1, was " + n);
      }
      this.maxEffectiveMembers = n;
      return this;
    }

    /**
     * LSH bands over the 16-bin template-set MinHash (default 16, one row a band: two campaign
     * accounts drawing 20% overlapping template sets collide in some band with probability 1 -
     * 0.8^16 = 97%; common templates never enter the sets).
     */
    public Builder lshBands(int bands) {
      if (bands < 1 || 16 % bands != 0) {
        throw new IllegalArgumentException("lshBands must divide 16, was " + bands);
      }
      this.lshBands = bands;
      return this;
    }

    /** Most link keys held at once (default 4,194,304). */
    public Builder maxLinkKeys(int n) {
      this.maxLinkKeys = n;
      return this;
    }

    /** The rarity cap of a link kind; see {@link HydraLinker.Builder#cap}. */
    public Builder linkCap(LinkKey kind, int minAccounts, double fraction) {
      HydraLinker.builder().cap(kind, minAccounts, fraction); // validates
      linkCaps.put(kind, new double[] {minAccounts, fraction});
      return this;
    }

    /**
     * Size of the population-wide memory of recent prompts: {@code 2^bits} sets of four (default
     * 20: about 4 million prompts in 32 MiB).
     */
    public Builder noveltyBits(int bits) {
      if (bits < 4 || bits > 26) {
        throw new IllegalArgumentException("noveltyBits must be in 4..26, was " + bits);
      }
      this.noveltyBits = bits;
      return this;
    }

    /** Accounts never alerted (default none). */
    public Builder allowlistedAccounts(Set<String> ids) {
      this.allowlistedAccounts = Set.copyOf(ids);
      return this;
    }

    /** Organisations whose accounts are never alerted (default none). */
    public Builder allowlistedOrgs(Set<String> ids) {
      this.allowlistedOrgs = Set.copyOf(ids);
      return this;
    }

    public DetectorConfig config() {
      return new DetectorConfig(this);
    }

    public ExtractionDetector build() {
      return new ExtractionDetector(config());
    }

    private static Duration positive(Duration d, String name) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be a positive duration, was " + d);
      }
      return d;
    }
  }
}
