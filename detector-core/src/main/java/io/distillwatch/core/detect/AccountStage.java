package io.distillwatch.core.detect;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.LinkKey;
import io.distillwatch.core.link.RarityTable;
import io.distillwatch.core.link.StageMessage;
import io.distillwatch.core.stats.TailProbabilities;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The detector's account stage: folds each exchange into its account's {@link AccountProfile}, and
 * at evaluation points (a geometric schedule of the account's exchange count, and every few hours
 * of event time) computes the ten {@link Signal}s, turns each into a tail probability against the
 * population's learned distribution, and combines them into the account's evidence. It sends
 * downstream what linking and alerting need ({@link StageMessage}): an account's payment instrument
 * when it changes, and at evaluation points its template-set bands, current keys, evidence and,
 * when the evidence climbs above the nominal bar, a candidate alert that the cluster stage raises
 * if it clears the whole population's threshold.
 *
 * <p>The population statistics (calibrators, threshold, prompt novelty, model first-seen times,
 * template rarity) are those of the accounts this stage sees: all of them in {@code
 * ExtractionDetector}; in the Flink job, each parallel instance sees a uniform share of accounts by
 * key hash and learns from that share. Profiles are the caller's: this class keeps none, so the
 * Flink job can hold them in keyed state.
 *
 * <p>Not thread-safe. No allocation per exchange except on evaluation and on an account's first
 * exchange.
 */
public final class AccountStage {
  private static final Signal[] SIGNALS = Signal.values();
  private static final int N = SIGNALS.length;
  private static final double LN10 = Math.log(10);
  private static final double MIN_RARE_TEMPLATES = 3;
  private static final double CANDIDATES_PER_UNIT = 4;
  static final int STRATA = 4;

  /** Version of the {@link #writeTo} form; 2 has no novelty filter (see {@link PromptStage}). */
  public static final int FORM_VERSION = 2;

  final DetectorConfig config;
  private final double alpha;
  private final double nominal;
  final Calibrator[][] calibrators = new Calibrator[N][STRATA];
  final ThresholdCalibrator threshold;
  final EvidenceCombiner contentCombiner;
  final EvidenceCombiner behaviourCombiner;
  final ModelRegistry models = new ModelRegistry();
  final RarityTable templates;
  private final KeyHashes hashes = new KeyHashes();
  private final double[] values = new double[N];
  private final double[] tails = new double[N];
  private final boolean[] active = new boolean[N];
  private final Groups groups = new Groups();
  private final long[] dayCounts = new long[14];
  private final double[] scratch = new double[14];

  long streamStart = Long.MIN_VALUE;
  long streamTime = Long.MIN_VALUE;
  long exchanges;
  long novelTotal;
  long reasoningTotal;
  long highValueTotal;
  long accountAlerts;
  long expired;

  /** A stage with empty population statistics, configured by {@code config}. */
  public AccountStage(DetectorConfig config) {
    this.config = config;
    this.alpha = config.targetFalsePositiveRate();
    this.nominal = -Math.log10(alpha);
    this.templates = config.linkerBuilder().buildRarityTable();
    for (Signal s : SIGNALS) {
      for (int k = 0; k < STRATA; k++) {
        // A fixed seed per (signal, stratum): stages fed one stream learn the same quantiles.
        calibrators[s.ordinal()][k] =
            new Calibrator(
                s.scaleFloor(), config.minCalibrationSamples(), 1024, calibratorSeed(s, k));
      }
    }
    this.threshold = new ThresholdCalibrator(config.targetFalsePositiveRate());
    // Moments are learned per (stratum, number of active signals): see moments().
    this.contentCombiner = new EvidenceCombiner(STRATA * (N + 1), config.minCalibrationSamples());
    this.behaviourCombiner = new EvidenceCombiner(STRATA * (N + 1), config.minCalibrationSamples());
  }

  static long calibratorSeed(Signal s, int stratum) {
    return 0x0D15_7111_0000_0000L + (long) s.ordinal() * STRATA + stratum;
  }

  /**
   * Folds one exchange into its account's profile and appends what the link stage needs to {@code
   * out}.
   *
   * @param profile the account's profile, null for an account not seen before (or evicted)
   * @param novelPrompt whether the exchange's prompt is new to the population ({@link
   *     PromptStage#novel})
   * @param liveAccounts the caller's estimate of live accounts in the whole population, for the
   *     rarity caps
   * @return the profile to keep: {@code profile} itself, or a new one when it was null or had been
   *     idle for longer than the configured idle eviction (the account starts afresh)
   */
  public AccountProfile observe(
      AccountProfile profile,
      Exchange e,
      boolean novelPrompt,
      double liveAccounts,
      List<StageMessage> out) {
    long ts = e.timestamp();
    if (streamStart == Long.MIN_VALUE) {
      streamStart = ts;
    }
    streamTime = Math.max(streamTime, ts);
    exchanges++;
    hashes.computeEveryExchange(e);

    AccountProfile p = profile;
    if (p != null && ts - p.lastSeen > config.idleEvictionMillis()) {
      p = null; // idle for longer than profiles are kept: whoever kept it, start afresh
      expired++;
    }
    if (p == null) {
      p = newProfile(e);
    }
    if (p.exchanges == 0) {
      hashes.computeOrg(e); // the profile keeps its first exchange's organisation
    }
    p.update(e, hashes, novelPrompt);
    if (novelPrompt) {
      novelTotal++;
      if (e.reasoningRequested()) {
        reasoningTotal++;
      }
      if (e.category().highValue() || e.toolCalls() > 0) {
        highValueTotal++;
      }
    }
    trackModel(p, e.model(), ts, novelPrompt);

    if (hashes.payment != 0 && hashes.payment != p.linkedPayment) {
      p.linkedPayment = hashes.payment;
      out.add(
          StageMessage.observe(
              p.accountId,
              p.accountHash,
              p.orgHash,
              LinkKey.PAYMENT,
              hashes.payment,
              e.paymentFingerprint(),
              ts,
              p.exchanges,
              liveAccounts));
    }
    if (hashes.template != 0
        && !templates.observeCommon(
            LinkKey.TEMPLATE, hashes.template, p.accountHash, ts, liveAccounts)) {
      p.templateSet.add(hashes.template);
      p.rareTemplates.add(hashes.template);
    }

    if ((p.exchanges & (p.exchanges - 1)) == 0) {
      // Keys are sampled at the account's exchanges 1, 2, 4, 8, ...: log2 n times per account,
      // as every key sent costs the link stage a state. Template-set bands change as the set
      // grows; a set that doubled is a new set, one that grew by a few templates is not.
      // Indicators only name what a cluster shares, so a sample finds them.
      hashes.computeLinkKeys(e);
      linkTemplateSet(p, ts, liveAccounts, out);
      indicate(p, LinkKey.TEMPLATE, hashes.template, e.templateHash(), ts, liveAccounts, out);
      indicate(p, LinkKey.IP, hashes.ip, e.ip(), ts, liveAccounts, out);
      indicate(p, LinkKey.SUBNET, hashes.subnet, null, ts, liveAccounts, out);
      indicate(p, LinkKey.NETWORK_AGENT, hashes.networkAgent, null, ts, liveAccounts, out);
    }
    if (p.exchanges >= p.nextEvaluationAt
        || ts - p.lastEvaluatedTime >= config.reevaluateEveryMillis()) {
      evaluate(p, ts, out);
    }
    return p;
  }

  private AccountProfile newProfile(Exchange e) {
    AccountProfile p = new AccountProfile(e.accountId());
    p.allowlisted = config.allowlisted(e.accountId(), e.orgId());
    p.nextEvaluationAt = 1;
    p.lastEvaluatedTime = e.timestamp();
    return p;
  }

  private static void indicate(
      AccountProfile p,
      LinkKey kind,
      long hash,
      String value,
      long ts,
      double live,
      List<StageMessage> out) {
    if (hash != 0) {
      out.add(
          StageMessage.observe(
              p.accountId, p.accountHash, p.orgHash, kind, hash, value, ts, p.exchanges, live));
    }
  }

  private void trackModel(AccountProfile p, String model, long ts, boolean novelPrompt) {
    long m = hashes.model;
    if (m == 0) {
      return;
    }
    long firstSeen = models.firstSeen(m, ts);
    boolean newModel =
        firstSeen != Long.MIN_VALUE && firstSeen - streamStart >= config.pivotWindowMillis();
    if (m != p.modelHash) {
      p.modelHash = m;
      p.modelAdoptedAt = ts;
      if (newModel && ts - firstSeen <= config.pivotWindowMillis() && p.earlyModelHash == 0) {
        p.earlyModelHash = m;
      }
    }
    if (novelPrompt) {
      // What a pivoting campaign buys is new outputs of the new model: re-running known prompts
      // on it (an evaluation) is not counted, as with every content signal.
      p.pivot.update(ts, m == p.earlyModelHash ? 1.0 : 0.0);
    }
  }

  private void linkTemplateSet(AccountProfile p, long ts, double live, List<StageMessage> out) {
    // A template is admitted to the set while it is rare, and may turn out common later: early in
    // a stream an IDE's system prompt has few users yet. Its early users would share it in their
    // bands, and be linked, for good, as a group as large as the IDE's first users. So the set is
    // purged of what is common now, every time it is banded.
    p.templateSet.removeIf(t -> templates.common(LinkKey.TEMPLATE, t, live));
    // A set of one or two templates says little: band only richer sets.
    if (p.rareTemplates.estimate() < MIN_RARE_TEMPLATES
        || p.templateSet.occupiedBins() < MIN_RARE_TEMPLATES) {
      return;
    }
    long[] bands = p.templateSet.bandKeys(config.lshBands());
    long digest = Arrays.hashCode(bands) * 0x9E3779B97F4A7C15L + bands.length;
    if (digest == p.bandsDigest) {
      return; // the same bands were sent already: the link stage needs each only once
    }
    p.bandsDigest = digest;
    for (long band : bands) {
      out.add(
          StageMessage.observe(
              p.accountId,
              p.accountHash,
              p.orgHash,
              LinkKey.TEMPLATE_SET,
              band,
              "minhash-band-" + Long.toHexString(band),
              ts,
              p.exchanges,
              live));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // evaluation

  private void evaluate(AccountProfile p, long ts, List<StageMessage> out) {
    p.lastEvaluatedTime = ts;
    p.nextEvaluationAt = Math.max(p.exchanges + 1, (long) Math.ceil(p.exchanges * 1.4142));
    computeSignals(p, ts);

    Groups g = groups;
    g.reset();
    boolean calibrated = true;
    int stratum = stratum(p.exchanges);
    for (int i = 0; i < N; i++) {
      if (!active[i]) {
        continue;
      }
      Calibrator c = calibrators[i][stratum];
      calibrated &= c.ready();
      double tail = c.tail(values[i]);
      tails[i] = tail;
      g.add(SIGNALS[i], tail);
    }
    double pContent = contentTail(g, stratum);
    double pBehaviour = behaviourTail(g, stratum);

    // Accounts flagged on their own evidence no longer teach the population what is ordinary.
    if (!p.allowlisted && p.flaggedAt == Long.MIN_VALUE) {
      for (int i = 0; i < N; i++) {
        if (active[i]) {
          calibrators[i][stratum].update(values[i]);
        }
      }
      if (calibrated) {
        if (g.contentK > 0) {
          contentCombiner.learn(g.contentSum, moments(stratum, g.contentK));
        }
        if (g.behaviourK > 0) {
          behaviourCombiner.learn(g.behaviourSum, moments(stratum, g.behaviourK));
        }
      }
    }
    // Intersection-union test: extraction needs both content and behaviour evidence. With
    // independent groups max(pc, pb)^2 is itself a uniform tail probability under the null.
    double pAccount = Math.max(pContent, pBehaviour);
    pAccount *= pAccount;
    double lnEvidence = -Math.log(Math.max(pAccount, 1e-300));
    p.evidence = -Math.log10(Math.max(pAccount, 1e-300));
    if (calibrated) {
      // Account-level flags stay in: the threshold bounds the share of accounts above it.
      p.maxBin = threshold.record(p.maxBin, p.evidence);
    }
    double bar = threshold.threshold();
    if (calibrated && threshold.calibrated() && !p.allowlisted && p.evidence >= bar) {
      // Flagged by this stage's own population: it stops teaching the calibrators.
      if (p.flaggedAt == Long.MIN_VALUE) {
        p.flaggedAt = ts;
      }
    }
    // Whether to alert is the cluster stage's decision, on the threshold of the whole population
    // (this stage may see only a share of it). It gets a candidate each time the evidence climbs
    // another quarter unit above the nominal bar, so it sees every band the global bar could give.
    if (calibrated && !p.allowlisted && p.evidence >= nominal) {
      int quantum = 1 + (int) Math.floor((p.evidence - nominal) * CANDIDATES_PER_UNIT);
      if (quantum > p.alertBand) {
        p.alertBand = quantum;
        AccountAlert a = accountAlert(p, ts, 1.0 - pAccount);
        out.add(StageMessage.alert(a, p.accountHash, p.orgHash, lnEvidence, flags(p, calibrated)));
      }
    }
    out.add(
        StageMessage.evidence(
            p.accountId,
            p.accountHash,
            p.orgHash,
            ts,
            p.exchanges,
            lnEvidence,
            bar,
            flags(p, calibrated)));
  }

  private static int flags(AccountProfile p, boolean calibrated) {
    return (p.allowlisted ? StageMessage.ALLOWLISTED : 0)
        | (p.flaggedAt != Long.MIN_VALUE ? StageMessage.FLAGGED : 0)
        | (calibrated ? StageMessage.CALIBRATED : 0);
  }

  private void computeSignals(AccountProfile p, long now) {
    Arrays.fill(active, false);
    long n = p.exchanges;
    double last24h = p.hourly.count(now);

    // rate against own baseline: earlier full days only
    p.daily.bucketCounts(now, dayCounts);
    int days = 0;
    long firstDay = p.firstSeen / AccountProfile.DAY;
    long today = now / AccountProfile.DAY;
    for (int d = 0; d < dayCounts.length - 1; d++) {
      long day = today - (dayCounts.length - 1 - d);
      if (day > firstDay) {
        scratch[days++] = dayCounts[d];
      }
    }
    if (days >= Signal.RATE_VS_BASELINE.minExchanges()) {
      Arrays.sort(scratch, 0, days);
      double median =
          (days & 1) == 1 ? scratch[days / 2] : 0.5 * (scratch[days / 2 - 1] + scratch[days / 2]);
      // Human days are overdispersed: a negative binomial with dispersion 1 (a geometric), not a
      // Poisson, and the surprise log-compressed, so one busy day is not a 1 in 10^40 event.
      double logTail =
          TailProbabilities.logNegativeBinomialUpperTail(
              (long) last24h, Math.max(1.0, median), 1.0);
      set(Signal.RATE_VS_BASELINE, Math.log1p(-logTail / LN10));
    }
    if (n >= Signal.RATE_VS_POPULATION.minExchanges()) {
      set(Signal.RATE_VS_POPULATION, Math.log1p(last24h));
    }
    // Content signals count novel exchanges only (see NoveltyFilter), smoothed towards the
    // population with a prior worth five exchanges so a handful of exchanges proves little.
    if (n >= Signal.OUTPUT_HARVEST.minExchanges()) {
      set(Signal.OUTPUT_HARVEST, Math.log1p(p.novelOutputTokens / (double) n));
    }
    double prior = 5.0;
    if (n >= Signal.REASONING_SHARE.minExchanges()) {
      double p0 = exchanges == 0 ? 0 : reasoningTotal / (double) exchanges;
      set(Signal.REASONING_SHARE, (p.reasoning + prior * p0) / (n + prior));
    }
    if (n >= Signal.CAPABILITY_CONCENTRATION.minExchanges()) {
      double h0 = exchanges == 0 ? 0 : highValueTotal / (double) exchanges;
      set(Signal.CAPABILITY_CONCENTRATION, (p.highValue + prior * h0) / (n + prior));
    }
    if (n >= Signal.TEMPLATE_STRUCTURE.minExchanges() && !p.templates.isEmpty()) {
      // Novel prompts only, like every content signal: re-running a public benchmark's items
      // over its few templates is not templated generation of new content.
      double fresh = Math.min(n, p.novel);
      double templates = Math.max(1.0, p.templates.estimate());
      set(Signal.TEMPLATE_STRUCTURE, fresh / n * Math.log1p(fresh / templates));
    }
    if (n >= Signal.TIMING_REGULARITY.minExchanges()) {
      set(Signal.TIMING_REGULARITY, -p.gaps.burstiness());
    }
    if (n >= Signal.ROUND_THE_CLOCK.minExchanges()) {
      set(Signal.ROUND_THE_CLOCK, p.hours.entropy());
    }
    if (n >= Signal.INFRASTRUCTURE_SPREAD.minExchanges() && !p.ips.isEmpty()) {
      double ips = Math.min(n, p.ips.estimate());
      set(Signal.INFRASTRUCTURE_SPREAD, ips / n * Math.log1p(p.asns.estimate()));
    }
    if (n >= Signal.MODEL_PIVOT.minExchanges() && p.earlyModelHash != 0) {
      set(Signal.MODEL_PIVOT, p.pivot.mean());
    }
  }

  /**
   * Exchange-count stratum: signals of an account with 10 exchanges are noisier than those of one
   * with 10,000, so each is compared with accounts of similar history: [1, 32), [32, 256), [256,
   * 2048), [2048, inf).
   */
  static int stratum(long exchanges) {
    if (exchanges < 32) {
      return 0;
    }
    if (exchanges < 256) {
      return 1;
    }
    return exchanges < 2048 ? 2 : 3;
  }

  private double contentTail(Groups g, int stratum) {
    return contentCombiner.tail(
        g.contentSum, moments(stratum, g.contentK), g.contentMean, g.contentVar, g.contentTwoSided);
  }

  private double behaviourTail(Groups g, int stratum) {
    return behaviourCombiner.tail(
        g.behaviourSum,
        moments(stratum, g.behaviourK),
        g.behaviourMean,
        g.behaviourVar,
        g.behaviourTwoSided);
  }

  /**
   * Index of the learned moments for a group of {@code k} active signals in a stratum; 0 when
   * {@code k} is 0 (an empty group is never surprising).
   */
  private static int moments(int stratum, int k) {
    return k == 0 ? 0 : stratum * (N + 1) + k;
  }

  private void set(Signal s, double v) {
    if (Double.isFinite(v)) {
      values[s.ordinal()] = v;
      active[s.ordinal()] = true;
    }
  }

  private AccountAlert accountAlert(AccountProfile p, long ts, double score) {
    accountAlerts++;
    Map<String, Double> signals = new LinkedHashMap<>();
    List<Integer> strongest = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      if (active[i]) {
        signals.put(SIGNALS[i].wireName(), round(values[i]));
        strongest.add(i);
      }
    }
    strongest.sort((a, b) -> Double.compare(tails[a], tails[b]));
    List<String> reasons = new ArrayList<>(4);
    for (int k = 0; k < Math.min(4, strongest.size()); k++) {
      int i = strongest.get(k);
      // An alert always says why: when the evidence is many moderate tails and none is below 5%,
      // the strongest one is still named, with its share of accounts.
      if (tails[i] < 0.05 || reasons.isEmpty()) {
        reasons.add(SignalText.reason(SIGNALS[i], values[i], tails[i], p));
      }
    }
    return new AccountAlert(
        "account:" + p.accountId + ":" + p.alertBand,
        p.accountId,
        ts,
        clamp(score),
        p.exchanges,
        signals,
        reasons);
  }

  private static double clamp(double s) {
    return Math.min(1.0, Math.max(0.0, s));
  }

  private static double round(double v) {
    return Math.round(v * 1e4) / 1e4;
  }

  static String percent(double p) {
    double pct = p * 100;
    if (pct >= 1) {
      return String.format(Locale.ROOT, "%.0f%%", pct);
    }
    if (pct >= 0.01) {
      return String.format(Locale.ROOT, "%.2f%%", pct);
    }
    return "less than 0.01%";
  }

  // ---------------------------------------------------------------------------------------------
  // read-only state

  /**
   * Explains a profile's current standing against this stage's population: every active signal with
   * its value and tail probability and each group's combined probability. Recomputes the signals as
   * of the account's last exchange; changes no learned state.
   */
  public AccountExplanation explain(
      AccountProfile p, int clusterSize, boolean clusterAlerted, long flaggedAt) {
    computeSignals(p, p.lastSeen);
    Map<String, Double> signalValues = new LinkedHashMap<>();
    Map<String, Double> signalTails = new LinkedHashMap<>();
    Groups g = groups;
    g.reset();
    int stratum = stratum(p.exchanges);
    for (int i = 0; i < N; i++) {
      if (!active[i]) {
        continue;
      }
      double tail = calibrators[i][stratum].tail(values[i]);
      signalValues.put(SIGNALS[i].wireName(), values[i]);
      signalTails.put(SIGNALS[i].wireName(), tail);
      g.add(SIGNALS[i], tail);
    }
    long own = p.flaggedAt;
    long first =
        own == Long.MIN_VALUE
            ? flaggedAt
            : flaggedAt == Long.MIN_VALUE ? own : Math.min(own, flaggedAt);
    return new AccountExplanation(
        p.accountId,
        p.exchanges,
        signalValues,
        signalTails,
        contentTail(g, stratum),
        behaviourTail(g, stratum),
        clusterSize,
        clusterAlerted,
        first == Long.MIN_VALUE ? -1 : first);
  }

  /**
   * Sets the share of the population's accounts this stage sees: 1 (the default) in {@code
   * ExtractionDetector}, {@code 1/p} for an instance of a job at parallelism {@code p} that routes
   * accounts by key hash. The template rarity table then scales its counts to the population (see
   * {@link RarityTable#populationShare}); {@code liveAccounts} passed to {@link #observe} stays the
   * whole population's.
   */
  public void populationShare(double share) {
    templates.populationShare(share);
  }

  /** Exchanges this stage has seen. */
  public long exchanges() {
    return exchanges;
  }

  /** Account alerts this stage raised on accounts' own evidence. */
  public long accountAlerts() {
    return accountAlerts;
  }

  /** Profiles handed in after idle longer than the idle eviction, and started afresh. */
  public long expiredProfiles() {
    return expired;
  }

  /** The current alert threshold on {@code -log10 p}. */
  public double threshold() {
    return threshold.threshold();
  }

  /** The configuration. */
  public DetectorConfig config() {
    return config;
  }

  // ---------------------------------------------------------------------------------------------
  // persistence

  /**
   * Writes the learned population state (not the configuration, not any profile). Layout (form
   * version 2): byte version, 8 longs (streamStart, streamTime, exchanges, novelTotal,
   * reasoningTotal, highValueTotal, accountAlerts, expired), models, byte signals, byte strata and
   * the calibrators signal-major, content then behaviour combiner, threshold, template rarity
   * table; each in its own form (see those classes). Form 1 had the novelty filter, now the {@link
   * PromptStage}'s, between the threshold and the rarity table.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeByte(FORM_VERSION);
    for (long v :
        new long[] {
          streamStart,
          streamTime,
          exchanges,
          novelTotal,
          reasoningTotal,
          highValueTotal,
          accountAlerts,
          expired
        }) {
      out.writeLong(v);
    }
    models.writeTo(out);
    out.writeByte(N);
    out.writeByte(STRATA);
    for (Calibrator[] perSignal : calibrators) {
      for (Calibrator c : perSignal) {
        c.writeTo(out);
      }
    }
    contentCombiner.writeTo(out);
    behaviourCombiner.writeTo(out);
    threshold.writeTo(out);
    templates.writeTo(out);
  }

  /**
   * Reads the form of {@link #writeTo} into a stage running with {@code config} (whose {@code
   * noveltyBits} must equal the writer's). Corrupt input throws an {@link IOException} (a {@link
   * SnapshotFormatException} when the data is wrong rather than the stream).
   */
  public static AccountStage readFrom(DataInput in, DetectorConfig config) throws IOException {
    return readFrom(in, config, new PromptStage(config));
  }

  /**
   * {@link #readFrom(DataInput, DetectorConfig)}, reading the novelty filter of a form 1 into
   * {@code prompts} (a form 2 leaves it alone).
   */
  static AccountStage readFrom(DataInput in, DetectorConfig config, PromptStage prompts)
      throws IOException {
    int version = in.readUnsignedByte();
    if (version != 1 && version != FORM_VERSION) {
      throw new SnapshotFormatException(
          "account stage form version "
              + version
              + " unknown; this build reads 1 to "
              + FORM_VERSION);
    }
    AccountStage s = new AccountStage(config);
    long[] c = new long[8];
    for (int i = 0; i < c.length; i++) {
      c[i] = in.readLong();
      if (i >= 2 && c[i] < 0) {
        throw new SnapshotFormatException("account stage counter " + i + " is negative: " + c[i]);
      }
    }
    s.models.readFrom(in);
    int signals = in.readUnsignedByte();
    int strata = in.readUnsignedByte();
    if (signals != N || strata != STRATA) {
      throw new SnapshotFormatException(
          signals + " x " + strata + " calibrators, expected " + N + " x " + STRATA);
    }
    for (Calibrator[] perSignal : s.calibrators) {
      for (Calibrator cal : perSignal) {
        cal.readFrom(in);
      }
    }
    s.contentCombiner.readFrom(in);
    s.behaviourCombiner.readFrom(in);
    s.threshold.readFrom(in);
    if (version == 1) {
      prompts.novelty.readFrom(in);
    }
    s.templates.readFrom(in);
    s.streamStart = c[0];
    s.streamTime = c[1];
    s.exchanges = c[2];
    s.novelTotal = c[3];
    s.reasoningTotal = c[4];
    s.highValueTotal = c[5];
    s.accountAlerts = c[6];
    s.expired = c[7];
    return s;
  }

  /** Per-group score sums of one evaluation, reused. */
  static final class Groups {
    double contentSum;
    double contentMean;
    double contentVar;
    int contentK;
    int contentTwoSided;
    double behaviourSum;
    double behaviourMean;
    double behaviourVar;
    int behaviourK;
    int behaviourTwoSided;

    void reset() {
      contentSum = contentMean = contentVar = 0;
      behaviourSum = behaviourMean = behaviourVar = 0;
      contentK = behaviourK = 0;
      contentTwoSided = behaviourTwoSided = 0;
    }

    void add(Signal s, double tail) {
      double z = EvidenceCombiner.score(tail, s.twoSided());
      double mu = s.twoSided() ? 0 : EvidenceCombiner.TRUNCATED_MEAN;
      double var = s.twoSided() ? 1 : EvidenceCombiner.TRUNCATED_VARIANCE;
      if (s.content()) {
        contentSum += z;
        contentMean += mu;
        contentVar += var;
        contentK++;
        contentTwoSided += s.twoSided() ? 1 : 0;
      } else {
        behaviourSum += z;
        behaviourMean += mu;
        behaviourVar += var;
        behaviourK++;
        behaviourTwoSided += s.twoSided() ? 1 : 0;
      }
    }
  }

  /** Small registry of when each model was first seen in the stream. */
  static final class ModelRegistry {
    static final int MAX_MODELS = 4096;
    private long[] hashes = new long[16];
    private long[] firstSeen = new long[16];
    private int size;

    /** Writes int size, then size x (long hash, long firstSeen) in registration order. */
    void writeTo(DataOutput out) throws IOException {
      out.writeInt(size);
      for (int i = 0; i < size; i++) {
        out.writeLong(hashes[i]);
        out.writeLong(firstSeen[i]);
      }
    }

    /** Replaces the registry with the form written by {@link #writeTo}. */
    void readFrom(DataInput in) throws IOException {
      int n = in.readInt();
      if (n < 0 || n > MAX_MODELS) {
        throw new IOException("model count " + n + " out of [0, " + MAX_MODELS + "]");
      }
      // The capacity the registry had: it doubles from 16 only when full (and stops at 4096).
      int capacity = Math.max(16, Integer.highestOneBit(Math.max(1, n - 1)) << 1);
      hashes = new long[capacity];
      firstSeen = new long[capacity];
      for (int i = 0; i < n; i++) {
        hashes[i] = in.readLong();
        firstSeen[i] = in.readLong();
      }
      size = n;
    }

    long firstSeen(long model, long ts) {
      for (int i = 0; i < size; i++) {
        if (hashes[i] == model) {
          if (ts < firstSeen[i]) {
            firstSeen[i] = ts;
          }
          return firstSeen[i];
        }
      }
      if (size == hashes.length) {
        if (size >= MAX_MODELS) {
          return Long.MIN_VALUE; // a flood of made-up model names is not a pivot signal
        }
        hashes = Arrays.copyOf(hashes, size * 2);
        firstSeen = Arrays.copyOf(firstSeen, size * 2);
      }
      hashes[size] = model;
      firstSeen[size] = ts;
      size++;
      return ts;
    }
  }
}
