package io.distillwatch.core.detect;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.ClusterAlert;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.Cluster;
import io.distillwatch.core.link.HydraLinker;
import io.distillwatch.core.link.LinkKey;
import io.distillwatch.core.stats.TailProbabilities;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.special.Gamma;

/**
 * Detects model-extraction campaigns in a stream of API exchanges, from metadata alone, and says
 * why. Feed every exchange to {@link #observe}; it returns the alerts that exchange triggered
 * (usually none). An account or cluster is alerted once, and again only when it escalates.
 *
 * <p>How it decides, in short: each account keeps a bounded profile; at evaluation points (a
 * geometric schedule of its exchange count, and every few hours of event time) ten named {@link
 * Signal}s are computed and each is turned into a tail probability against the population's learned
 * distribution of that signal. The signals form two groups, content (what the account asks for) and
 * behaviour (how it sends it); each group's probabilities are combined with Brown's method, and the
 * account is alerted only when both groups are surprising: the combined tail probability is {@code
 * max(p_content, p_behaviour)^2}. The threshold on its {@code -log10} is set for the target benign
 * false-positive rate (default 0.1% of accounts) on the population itself (see {@code
 * ThresholdCalibrator}), never below {@code -log10} of that rate. Accounts sharing rare keys are
 * linked into clusters ({@link HydraLinker}); a cluster is alerted on the same rule, with its
 * members' own evidence and the rarity of its coordination as the two groups, and a fresh account
 * that links to an alerted cluster is flagged on that exchange.
 *
 * <p>Not thread-safe: one detector per thread (the Flink job keys by account). No static state.
 */
public final class ExtractionDetector {
  private static final Signal[] SIGNALS = Signal.values();
  private static final int N = SIGNALS.length;
  private static final double LN10 = Math.log(10);
  private static final double MIN_RARE_TEMPLATES = 3;
  private static final int STRATA = 4;

  // Learned state is package-private for DetectorSnapshot, which writes and reads all of it.
  final DetectorConfig config;
  private final double alpha;
  final LinkedHashMap<String, AccountProfile> profiles;
  final HydraLinker linker;

  /** Per signal and per exchange-count stratum (see {@link #stratum}). */
  final Calibrator[][] calibrators = new Calibrator[N][STRATA];

  final ThresholdCalibrator threshold;
  final EvidenceCombiner contentCombiner;
  final EvidenceCombiner behaviourCombiner;
  final ModelRegistry models = new ModelRegistry();
  private final KeyHashes hashes = new KeyHashes();
  final NoveltyFilter novelty;
  private final double[] values = new double[N];
  private final double[] tails = new double[N];
  private final boolean[] active = new boolean[N];
  private final Groups groups = new Groups();
  private final long[] dayCounts = new long[14];
  private final double[] scratch = new double[14];
  String[] idsByIndex = new String[1024];

  long streamStart = Long.MIN_VALUE;
  long streamTime = Long.MIN_VALUE;
  long exchanges;
  long novelTotal;
  long reasoningTotal;
  long highValueTotal;
  long evictedIdle;
  long evictedCap;
  long accountAlerts;
  long clusterAlerts;

  ExtractionDetector(DetectorConfig config) {
    this(config, config.newLinker());
  }

  /** A detector over a given linker (a restored one); everything else starts empty. */
  ExtractionDetector(DetectorConfig config, HydraLinker linker) {
    this.config = config;
    this.alpha = config.targetFalsePositiveRate();
    this.profiles = new LinkedHashMap<>(1024, 0.75f, true);
    this.linker = linker;
    this.novelty = new NoveltyFilter(config.noveltyBits());
    for (Signal s : SIGNALS) {
      for (int k = 0; k < STRATA; k++) {
        // A fixed seed per (signal, stratum): detectors fed one stream learn the same quantiles.
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
   * Writes every piece of learned state, so that {@link #restore} gives a detector that, fed the
   * rest of the stream, emits exactly the alerts this one would. The configuration is not written.
   * Format and guarantees: see {@code DetectorSnapshot}; the layout is versioned (this writes
   * version 1) and ends with a CRC32C. The stream is flushed, not closed.
   */
  public void snapshot(OutputStream out) throws IOException {
    DetectorSnapshot.write(this, out);
  }

  /**
   * Reads a detector written by {@link #snapshot}, running with {@code config}. The configuration
   * is the caller's: thresholds (target false-positive rate: the alert threshold is recomputed for
   * a new rate at once), allowlists (re-applied to every restored profile), eviction, caps and the
   * linker's rarity caps and {@code maxLinkKeys} may all differ from the original's and apply from
   * here on (a lower {@code maxAccounts} evicts the least recently active profiles at once). Only
   * {@code noveltyBits}, which sizes learned state, must be equal; otherwise this fails, saying so.
   *
   * <p>Reads exactly the snapshot's bytes and nothing beyond (pass a buffered stream). Corrupt or
   * truncated input throws a {@link SnapshotFormatException} naming what is wrong; no detector is
   * returned unless the whole snapshot was read and its checksum matched.
   */
  public static ExtractionDetector restore(InputStream in, DetectorConfig config)
      throws IOException {
    return DetectorSnapshot.read(in, config);
  }

  /** A builder with documented defaults; see {@link DetectorConfig.Builder}. */
  public static DetectorConfig.Builder builder() {
    return DetectorConfig.builder();
  }

  /**
   * Folds one exchange into the detector and returns the alerts it triggers, usually an empty list.
   * Exchanges should arrive roughly in event-time order (out-of-order within the windows' lateness
   * is fine).
   */
  public List<Alert> observe(Exchange e) {
    long ts = e.timestamp();
    if (streamStart == Long.MIN_VALUE) {
      streamStart = ts;
    }
    streamTime = Math.max(streamTime, ts);
    exchanges++;
    hashes.compute(e);

    AccountProfile p = profiles.get(e.accountId());
    if (p == null) {
      p = newProfile(e);
    }
    boolean novelPrompt = novelty.firstSeen(hashes.prompt);
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
    trackModel(p, e.model(), ts);

    int idx = p.index;
    linker.exchange(idx);
    boolean joined =
        linker.observe(idx, LinkKey.PAYMENT, hashes.payment, e.paymentFingerprint(), ts);
    LinkKey joinedBy = joined ? LinkKey.PAYMENT : null;
    linker.observe(idx, LinkKey.TEMPLATE, hashes.template, e.templateHash(), ts);
    if (hashes.template != 0 && !linker.common(LinkKey.TEMPLATE, hashes.template)) {
      p.templateSet.add(hashes.template);
      p.rareTemplates.add(hashes.template);
    }
    linker.observe(idx, LinkKey.IP, hashes.ip, e.ip(), ts);
    linker.observe(idx, LinkKey.SUBNET, hashes.subnet, null, ts);
    linker.observe(idx, LinkKey.NETWORK_AGENT, hashes.networkAgent, null, ts);

    List<Alert> out = Collections.emptyList();
    if (p.exchanges >= p.nextEvaluationAt
        || ts - p.lastEvaluatedTime >= config.reevaluateEveryMillis()) {
      if (linkTemplateSet(p, ts)) {
        joined = true;
        joinedBy = joinedBy == null ? LinkKey.TEMPLATE_SET : joinedBy;
      }
      out = evaluate(p, ts, out);
    }
    Cluster cluster = linker.clusterOf(idx);
    if (joined && cluster != null) {
      out = evaluateCluster(cluster, ts, out);
    }
    // A fresh member of an already flagged cluster is flagged on the exchange that linked it.
    if (cluster != null && cluster.alerted() && p.flaggedAt == Long.MIN_VALUE && !p.allowlisted) {
      out = add(out, linkedAccountAlert(p, cluster, joinedBy, ts));
    }
    if ((exchanges & 1023) == 0) {
      evictIdle();
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // accounts

  private AccountProfile newProfile(Exchange e) {
    int idx = linker.register(hashes.org, AccountProfile.hash(e.accountId()));
    AccountProfile p = new AccountProfile(e.accountId(), idx);
    p.allowlisted = config.allowlisted(e.accountId(), e.orgId());
    p.nextEvaluationAt = 1;
    p.lastEvaluatedTime = e.timestamp();
    if (idx >= idsByIndex.length) {
      idsByIndex = Arrays.copyOf(idsByIndex, Math.max(idx + 1, idsByIndex.length * 2));
    }
    idsByIndex[idx] = e.accountId();
    profiles.put(e.accountId(), p);
    if (profiles.size() > config.maxAccounts()) {
      Iterator<AccountProfile> eldest = profiles.values().iterator();
      eldest.next();
      eldest.remove();
      evictedCap++;
    }
    linker.liveAccounts(profiles.size());
    return p;
  }

  /** Profiles are in access order, so the idle ones are at the head: O(evicted). */
  private void evictIdle() {
    long horizon = streamTime - config.idleEvictionMillis();
    Iterator<AccountProfile> it = profiles.values().iterator();
    while (it.hasNext()) {
      AccountProfile p = it.next();
      if (p.lastSeen >= horizon) {
        break;
      }
      it.remove();
      evictedIdle++;
    }
    linker.liveAccounts(profiles.size());
  }

  private void trackModel(AccountProfile p, String model, long ts) {
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
    p.pivot.update(ts, m == p.earlyModelHash ? 1.0 : 0.0);
  }

  private boolean linkTemplateSet(AccountProfile p, long ts) {
    // A set of one or two templates says little (an IDE user's set may be just the IDE's
    // template, common but not yet known to be so early in a stream): band only richer sets.
    if (p.rareTemplates.estimate() < MIN_RARE_TEMPLATES) {
      return false;
    }
    boolean joined = false;
    long[] bands = p.templateSet.bandKeys(config.lshBands());
    for (long band : bands) {
      joined |=
          linker.observe(
              p.index, LinkKey.TEMPLATE_SET, band, "minhash-band-" + Long.toHexString(band), ts);
    }
    return joined;
  }

  // ---------------------------------------------------------------------------------------------
  // evaluation

  private List<Alert> evaluate(AccountProfile p, long ts, List<Alert> out) {
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

    Cluster cluster = linker.clusterOf(p.index);
    boolean reference =
        !p.allowlisted && p.flaggedAt == Long.MIN_VALUE && (cluster == null || !cluster.alerted());
    if (reference) {
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
    linker.evidence(p.index, -Math.log(Math.max(pAccount, 1e-300)));
    p.evidence = -Math.log10(Math.max(pAccount, 1e-300));
    if (calibrated && (cluster == null || !cluster.alerted())) {
      // Account-level flags stay in: the threshold bounds the share of accounts above it.
      p.maxBin = threshold.record(p.maxBin, p.evidence);
    }
    double bar = threshold.threshold();
    if (calibrated && threshold.calibrated() && !p.allowlisted && p.evidence >= bar) {
      int band = 1 + (int) Math.floor(p.evidence - bar);
      if (band > p.alertBand) {
        p.alertBand = band;
        if (p.flaggedAt == Long.MIN_VALUE) {
          p.flaggedAt = ts;
        }
        out = add(out, accountAlert(p, ts, 1.0 - pAccount));
      }
    }
    if (cluster != null) {
      out = evaluateCluster(cluster, ts, out);
    }
    return out;
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
      double prompts = Math.min(n, p.prompts.estimate());
      double templates = Math.max(1.0, p.templates.estimate());
      double unique = prompts / n;
      set(Signal.TEMPLATE_STRUCTURE, unique * Math.log1p(prompts / templates));
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

  private List<Alert> evaluateCluster(Cluster c, long ts, List<Alert> out) {
    int m = c.evaluatedMembers;
    if (c.size() < 2 || m < 2 || linker.accounts() < config.minCalibrationSamples()) {
      return out;
    }
    int effective = Math.min(m, config.maxEffectiveMembers());
    double meanLn = Math.max(0, c.evidenceSum / m);
    double pMembers = Gamma.regularizedGammaQ(effective, meanLn * effective);
    double pCoordination = c.singleDeclaredOrg() ? 1.0 : linker.componentTail(c.size());
    double pCluster = Math.max(pMembers, pCoordination);
    pCluster *= pCluster;
    double evidence = -Math.log10(Math.max(pCluster, 1e-300));
    double bar = threshold.threshold();
    if (evidence < bar) {
      return out;
    }
    int band = 1 + (int) Math.floor(evidence - bar);
    boolean grown = c.alerted() && c.size() >= 2 * c.alertedSize;
    if (band <= c.alertBand && !grown) {
      return out;
    }
    // An account evicted while idle and seen again has a second index: list each id once.
    Set<String> memberIds = new LinkedHashSet<>(c.size() * 2);
    boolean anyMonitored = false;
    for (int i = 0; i < c.size(); i++) {
      int idx = c.member(i);
      String id = idsByIndex[idx];
      if (!memberIds.add(id)) {
        continue;
      }
      AccountProfile mp = profiles.get(id);
      if (mp != null) {
        mp.maxBin = threshold.exclude(mp.maxBin);
        if (!mp.allowlisted) {
          anyMonitored = true;
          if (mp.flaggedAt == Long.MIN_VALUE) {
            mp.flaggedAt = ts;
          }
        }
      } else {
        anyMonitored = true;
      }
    }
    if (!anyMonitored) {
      return out;
    }
    c.alertBand = Math.max(c.alertBand, band);
    c.alertedSize = c.size();
    if (c.alertedAt == Long.MIN_VALUE) {
      c.alertedAt = ts;
    }
    clusterAlerts++;
    Map<String, List<String>> shared = new LinkedHashMap<>();
    c.indicators().forEach((kind, vs) -> shared.put(kind.wireName(), List.copyOf(vs)));
    List<String> reasons = new ArrayList<>(3);
    reasons.add(
        String.format(
            Locale.ROOT,
            "%d accounts are joined by rare shared keys (%s); only %s of groups of accounts are"
                + " this large.",
            memberIds.size(),
            String.join(", ", shared.keySet()),
            percent(pCoordination)));
    reasons.add(
        String.format(
            Locale.ROOT,
            "Its members look like extraction on their own: mean evidence %.1f nats against 1.0"
                + " for ordinary accounts.",
            meanLn));
    if (c.singleDeclaredOrg()) {
      reasons.add("All members declare one organisation, so coordination alone is not counted.");
    }
    String clusterId = "cluster-" + idsByIndex[c.id()];
    out =
        add(
            out,
            new ClusterAlert(
                "cluster:" + idsByIndex[c.id()] + ":" + c.alertBand + ":" + c.size(),
                clusterId,
                List.copyOf(memberIds),
                ts,
                clamp(1.0 - pCluster),
                c.exchanges,
                shared,
                reasons));
    return out;
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
      if (tails[i] < 0.05) {
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

  private AccountAlert linkedAccountAlert(AccountProfile p, Cluster c, LinkKey joinedBy, long ts) {
    accountAlerts++;
    p.flaggedAt = ts;
    p.alertBand = Math.max(p.alertBand, 1);
    p.maxBin = threshold.exclude(p.maxBin);
    String how =
        joinedBy == LinkKey.PAYMENT
            ? "shares a payment instrument with it"
            : joinedBy == LinkKey.TEMPLATE_SET
                ? "fills the same rare templates"
                : "is linked to it by a rare shared key";
    List<String> reasons =
        List.of(
            String.format(
                Locale.ROOT,
                "Joins flagged cluster %s (%d accounts): it %s; flagged on its %s exchange.",
                "cluster-" + idsByIndex[c.id()],
                c.size(),
                how,
                ordinal(p.exchanges)));
    return new AccountAlert(
        "account:" + p.accountId + ":linked",
        p.accountId,
        ts,
        clamp(1.0 - alpha),
        p.exchanges,
        Map.of("cluster_size", (double) c.size()),
        reasons);
  }

  private static List<Alert> add(List<Alert> out, Alert a) {
    List<Alert> list = out.isEmpty() ? new ArrayList<>(2) : out;
    list.add(a);
    return list;
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

  private static String ordinal(long n) {
    long mod100 = n % 100;
    String suffix =
        (mod100 >= 11 && mod100 <= 13)
            ? "th"
            : switch ((int) (n % 10)) {
              case 1 -> "st";
              case 2 -> "nd";
              case 3 -> "rd";
              default -> "th";
            };
    return n + suffix;
  }

  // ---------------------------------------------------------------------------------------------
  // read-only state for tools, metrics and tests

  /**
   * Explains an account's current standing: every active signal with its value and population tail
   * probability, each group's combined probability, and whether it is flagged. Recomputes the
   * signals as of the account's last exchange; does not change any state the detector learns from.
   * Returns null for an unknown (or evicted) account.
   */
  public AccountExplanation explain(String accountId) {
    AccountProfile p = profiles.get(accountId);
    if (p == null) {
      return null;
    }
    computeSignals(p, p.lastSeen);
    Map<String, Double> signalValues = new LinkedHashMap<>();
    Map<String, Double> signalTails = new LinkedHashMap<>();
    Groups g = groups;
    g.reset();
    for (int i = 0; i < N; i++) {
      if (!active[i]) {
        continue;
      }
      double tail = calibrators[i][stratum(p.exchanges)].tail(values[i]);
      signalValues.put(SIGNALS[i].wireName(), values[i]);
      signalTails.put(SIGNALS[i].wireName(), tail);
      g.add(SIGNALS[i], tail);
    }
    Cluster c = linker.clusterOf(p.index);
    return new AccountExplanation(
        accountId,
        p.exchanges,
        signalValues,
        signalTails,
        contentTail(g, stratum(p.exchanges)),
        behaviourTail(g, stratum(p.exchanges)),
        c == null ? 1 : c.size(),
        c != null && c.alerted(),
        p.flaggedAt == Long.MIN_VALUE ? -1 : p.flaggedAt);
  }

  /** Exchanges observed. */
  public long exchanges() {
    return exchanges;
  }

  /** Accounts with a live profile. */
  public int liveAccounts() {
    return profiles.size();
  }

  /** Profiles evicted after the idle time, and because of the hard cap. */
  public long evictedIdle() {
    return evictedIdle;
  }

  public long evictedByCap() {
    return evictedCap;
  }

  public long accountAlerts() {
    return accountAlerts;
  }

  public long clusterAlerts() {
    return clusterAlerts;
  }

  /** Link keys dropped because the key table was full. */
  public long evictedKeys() {
    return linker.evictedKeys();
  }

  /** The configuration this detector runs with. */
  public DetectorConfig config() {
    return config;
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
