package io.distillwatch.core.detect;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.AccountSignals;
import io.distillwatch.core.link.LinkKey;
import io.distillwatch.core.link.RarityTable;
import io.distillwatch.core.link.StageMessage;
import io.distillwatch.core.sketch.Hash64;
import io.distillwatch.core.sketch.MinHash;
import io.distillwatch.core.stats.TailProbabilities;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongPredicate;

/**
 * The detector's account stage: folds each exchange into its account's {@link AccountProfile}, and
 * at evaluation points (a geometric schedule of the account's exchange count, and every few hours
 * of event time) computes the ten {@link Signal}s' raw values. It sends downstream what linking and
 * alerting need ({@link StageMessage}): an account's payment instrument when it changes, and at
 * evaluation points its template-set bands, current keys and signal values, which the cluster stage
 * calibrates against the whole population into evidence and alerts.
 *
 * <p>What it learns of the population is what it can learn from a share of it, as one of {@code p}
 * instances of a job that routes accounts by key hash: the content signals' priors (shares of
 * reasoning and high-value exchanges), model first-seen times, and template rarity, whose counts it
 * scales by its share ({@link #shards}). Whether a prompt is new comes from the {@link
 * PromptStage}; the calibration of signal values lives in the cluster stage. Profiles are the
 * caller's: this class keeps none, so the Flink job can hold them in keyed state.
 *
 * <p>Not thread-safe. No allocation per exchange except on evaluation and on an account's first
 * exchange.
 */
public final class AccountStage {
  private static final Signal[] SIGNALS = Signal.values();
  private static final int N = SIGNALS.length;
  private static final double LN10 = Math.log(10);
  private static final double MIN_RARE_TEMPLATES = 3;

  /**
   * How long an account's gaps must span for their burstiness to be read before the hour-of-day
   * entropy is ({@link Signal#TIMING_REGULARITY}): longer than one sitting. See the notes there.
   */
  static final long SITTING = AccountProfile.HOUR;

  /**
   * Version of the {@link #writeTo} form; 2 has no novelty filter (see {@link PromptStage}) and no
   * calibration (see {@link Calibration}), and adds the live-account count ({@link LiveCount}).
   */
  public static final int FORM_VERSION = 2;

  final DetectorConfig config;
  final ModelRegistry models = new ModelRegistry();
  final RarityTable templates;
  private final KeyHashes hashes = new KeyHashes();
  private final double[] values = new double[N];
  private final boolean[] active = new boolean[N];
  private final long[] dayCounts = new long[14];
  private final double[] scratch = new double[14];

  /** Entries of {@link #rateTail}'s memo (a power of two); a count of -1 marks an empty one. */
  private static final int TAIL_MEMO = 256;

  private final long[] tailCount = filled(TAIL_MEMO, -1);
  private final long[] tailMedian = new long[TAIL_MEMO];
  private final double[] tailValue = new double[TAIL_MEMO];

  long streamStart = Long.MIN_VALUE;
  long streamTime = Long.MIN_VALUE;
  long exchanges;
  long novelTotal;
  long reasoningTotal;
  long highValueTotal;
  long expired;

  /** Live accounts by last-seen time, for the rarity caps; see {@link LiveCount}. */
  final LiveCount live;

  /** Whether {@link #live} came with the stage's form (not from form 1, which had none). */
  private boolean liveCounted = true;

  /** One in how many of the population's accounts this stage sees. */
  private int shards = 1;

  /** A stage with empty population statistics, configured by {@code config}. */
  public AccountStage(DetectorConfig config) {
    this.config = config;
    this.live = new LiveCount(config.idleEvictionMillis());
    this.templates = config.linkerBuilder().buildRarityTable();
  }

  /**
   * Tells the stage that it sees one in {@code n} of the population's accounts: 1 (the default) in
   * {@code ExtractionDetector}, {@code p} for an instance of a job at parallelism {@code p} that
   * routes accounts by key hash. Its live-account count, scaled by {@code n}, then estimates the
   * population's for the rarity caps, and the template rarity table scales its counts to the
   * population (see {@link RarityTable#populationShare}). Not persisted: it is how the stage is
   * deployed, not what it learned.
   */
  public void shards(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("shards must be >= 1, was " + n);
    }
    this.shards = n;
    templates.populationShare(1.0 / n);
  }

  /**
   * For a stage restored from a form without a live-account count (form 1): counts {@code n}
   * accounts as last seen at the stream time. Does nothing to a stage that has its own count.
   */
  public void seedLiveAccounts(long n) {
    if (liveCounted || streamTime == Long.MIN_VALUE) {
      return;
    }
    live.advance(streamTime);
    live.add(streamTime, n);
    liveCounted = true;
  }

  /**
   * Scales the live-account count by {@code factor}, for a stage restored into a job whose
   * parallelism changed: a stage that saw one in {@code p} accounts now sees one in {@code q}, so
   * its count is scaled by {@code p / q}. The count is an estimate from then on; it is exact again
   * once the idle time has passed.
   */
  public void rescaleLiveAccounts(double factor) {
    live.scale(factor);
  }

  /**
   * For a stage restored from form 1, which had no live-account count: counts these restored
   * profiles, exactly as the count would hold them had it been kept all along. Does nothing to a
   * stage that has its own count.
   */
  void recountLive(Iterable<AccountProfile> profiles) {
    if (liveCounted) {
      return;
    }
    if (streamTime != Long.MIN_VALUE) {
      live.advance(streamTime);
      for (AccountProfile p : profiles) {
        live.touch(Long.MIN_VALUE, p.lastSeen);
      }
    }
    liveCounted = true;
  }

  /**
   * Folds one exchange into its account's profile and appends what the link stage needs to {@code
   * out}.
   *
   * <p>Idle expiry is decided here, from the stream's event time: a profile last seen more than the
   * idle eviction time before the stream's time starts afresh, however the caller keeps profiles.
   * The in-process detector's sweep and the job's timers only drop profiles this rule would restart
   * anyway (the sweep on the same stream time; a timer when the watermark has passed {@code
   * lastSeen + idle}, and every later exchange is past the watermark), so both give the same result
   * whenever they run.
   *
   * @param profile the account's profile, null for an account not seen before (or evicted)
   * @param novelPrompt whether the exchange's prompt is new to the population ({@link
   *     PromptStage#novel})
   * @return the profile to keep: {@code profile} itself, or a new one when it was null or had been
   *     idle for longer than the configured idle eviction (the account starts afresh)
   */
  public AccountProfile observe(
      AccountProfile profile, Exchange e, boolean novelPrompt, List<StageMessage> out) {
    hashes.computeEveryExchange(e);
    return observeHashed(profile, e, novelPrompt, out);
  }

  /**
   * Hashes the keys of {@code e} that every exchange uses, and its account id, for {@link
   * #observeHashed}; the detector looks the profile up and asks the prompt stage with these hashes,
   * so each key is hashed once per exchange. The instance is the stage's own, overwritten by the
   * next exchange.
   */
  KeyHashes hash(Exchange e) {
    hashes.computeAccountAndEveryExchange(e);
    return hashes;
  }

  /** {@link #observe}, with the keys every exchange uses already hashed by {@link #hash}. */
  AccountProfile observeHashed(
      AccountProfile profile, Exchange e, boolean novelPrompt, List<StageMessage> out) {
    long ts = e.timestamp();
    if (streamStart == Long.MIN_VALUE) {
      streamStart = ts;
    }
    streamTime = Math.max(streamTime, ts);
    live.advance(streamTime);
    exchanges++;

    AccountProfile p = profile;
    if (p != null && streamTime - p.lastSeen > config.idleEvictionMillis()) {
      p = null; // idle for longer than profiles are kept: whoever kept it, start afresh
      expired++;
    }
    long lastSeen = p == null ? Long.MIN_VALUE : p.lastSeen;
    if (p == null) {
      p = newProfile(e);
    }
    if (p.exchanges == 0) {
      hashes.computeOrg(e); // the profile keeps its first exchange's organisation
    }
    // The template's use is recorded before the profile is updated (nothing in between reads the
    // rarity table), so the table's likely cache miss overlaps with the profile's.
    int template = templates.observeFirst(LinkKey.TEMPLATE, hashes.template, p.accountHash, ts);
    p.update(e, hashes, novelPrompt);
    live.touch(lastSeen, p.lastSeen);
    double liveAccounts = (double) live.total() * shards;
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
        && !templates.commonObserved(template, LinkKey.TEMPLATE, hashes.template, liveAccounts)) {
      p.addRareTemplate(hashes.template);
      if (novelPrompt) {
        // Without a prompt hash every exchange is a prompt of its own (see PromptStage.novel).
        p.novelOnRare.add(hashes.prompt != 0 ? hashes.prompt : exchangeKey(p));
      }
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
    // bands, and be linked, for good, as a group as large as the IDE's first users. So the sets are
    // purged of what is common now, every time they are banded.
    LongPredicate common = t -> templates.common(LinkKey.TEMPLATE, t, live);
    if (p.templateSet.removeIf(common) > 0) {
      // The same holds for the count of new prompts on rare templates: an early user of what is
      // now an IDE's system prompt counted its first prompts under it as its own. The count
      // cannot tell those apart from the rest, so it starts afresh (a template turns common
      // once, so it does at most once per such template).
      p.novelOnRare.clear();
    }
    p.reusedSet.removeIf(common);
    p.forgetRecentTemplates();
    // A set of one or two templates says little: band only richer sets.
    if (p.rareTemplates.estimate() < MIN_RARE_TEMPLATES) {
      return;
    }
    // During the warm-up the bands are counted and their first users kept, but they link nobody
    // (see DetectorConfig.Builder#templateSetWarmUp). They are not taken as sent: the account
    // bands again at its next point, with what is common by then purged, and links then.
    int flags = ts - streamStart < config.templateSetWarmUpMillis() ? StageMessage.WARMING_UP : 0;
    long sent =
        sendBands(p, p.templateSet, config.lshBands(), 0, p.bandsDigest, flags, ts, live, out);
    // The reused templates are banded beside the whole set, on keys of their own (the salt), with
    // the same rows per band: an account whose set is diluted by one-off templates links through
    // them, and an account whose set is not (the default start's accounts) links as it did.
    int reusedBands =
        Math.max(1, config.lshBands() * AccountProfile.REUSED_BINS / AccountProfile.MINHASH_BINS);
    long reused =
        sendBands(p, p.reusedSet, reusedBands, REUSED_SALT, p.reusedDigest, flags, ts, live, out);
    if (flags == 0) {
      p.bandsDigest = sent;
      p.reusedDigest = reused;
    }
  }

  /**
   * Sends {@code set}'s band keys (each XOR {@code salt}) unless the set holds fewer than {@link
   * #MIN_RARE_TEMPLATES} templates or the same bands were sent already ({@code sentDigest}: the
   * link stage needs each only once). Returns the digest of what the set bands to now, or {@code
   * sentDigest} if nothing was sent.
   */
  private static long sendBands(
      AccountProfile p,
      MinHash set,
      int bands,
      long salt,
      long sentDigest,
      int flags,
      long ts,
      double live,
      List<StageMessage> out) {
    if (set.occupiedBins() < MIN_RARE_TEMPLATES) {
      return sentDigest;
    }
    long[] keys = set.bandKeys(bands);
    long digest = (Arrays.hashCode(keys) * 0x9E3779B97F4A7C15L + keys.length) ^ salt;
    if (digest == sentDigest) {
      return sentDigest;
    }
    for (long band : keys) {
      out.add(
          StageMessage.observe(
              p.accountId,
              p.accountHash,
              p.orgHash,
              LinkKey.TEMPLATE_SET,
              band ^ salt,
              null, // named by the cluster stage if it links (StageMessage#indicatorValue)
              ts,
              p.exchanges,
              live,
              flags));
    }
    return digest;
  }

  /** Salt of the reused-template band keys ("REUSED" and a 1), apart from the whole set's. */
  private static final long REUSED_SALT = 0x5245555345440001L;

  // ---------------------------------------------------------------------------------------------
  // evaluation

  private void evaluate(AccountProfile p, long ts, List<StageMessage> out) {
    p.lastEvaluatedTime = ts;
    p.nextEvaluationAt = Math.max(p.exchanges + 1, (long) Math.ceil(p.exchanges * 1.4142));
    // Calibrating the values into evidence, and deciding on an alert, is the cluster stage's: it
    // sees every account's evaluations, where this stage may see only a share of the accounts.
    out.add(
        StageMessage.evaluation(
            p.accountId,
            p.accountHash,
            p.orgHash,
            ts,
            p.exchanges,
            p.firstSeen,
            signals(p, ts),
            p.allowlisted ? StageMessage.ALLOWLISTED : 0));
  }

  /**
   * The signals' raw values as of {@code now} (NaN for inactive ones), and the figures an alert's
   * reasons quote.
   */
  private AccountSignals signals(AccountProfile p, long now) {
    computeSignals(p, now);
    double[] v = new double[N];
    for (int i = 0; i < N; i++) {
      v[i] = active[i] ? values[i] : Double.NaN;
    }
    double[] figures = new double[6];
    figures[AccountSignals.LAST_24H] = p.hourly.count(p.lastSeen);
    figures[AccountSignals.OUTPUT_PER_EXCHANGE] =
        p.outputTokens / (double) Math.max(1, p.exchanges);
    // What the template signal counts, so the reason quotes it.
    figures[AccountSignals.NOVEL_PROMPTS] = novelOnRareTemplates(p);
    figures[AccountSignals.TEMPLATES] = rareTemplates(p);
    figures[AccountSignals.IPS] = Math.min(p.exchanges, p.ips.estimate());
    figures[AccountSignals.NETWORKS] = p.asns.estimate();
    return new AccountSignals(v, figures);
  }

  /**
   * A stand-in for the prompt of the account's current exchange when it has no prompt hash: one
   * value per exchange of the profile, so the count of distinct new prompts counts exchanges.
   */
  private static long exchangeKey(AccountProfile p) {
    return AccountProfile.nonZero(Hash64.mix(p.accountHash + p.exchanges * 0x9E3779B97F4A7C15L));
  }

  /**
   * The template signal's count: distinct novel prompts sent under rare templates, at most the
   * account's novel prompts (a profile from before that sketch had this meaning holds every prompt
   * there; see {@code AccountProfile.novelOnRare}).
   */
  private static double novelOnRareTemplates(AccountProfile p) {
    return Math.min(Math.min(p.exchanges, p.novel), p.novelOnRare.estimate());
  }

  /** The distinct rare templates the template signal divides by, at least 1. */
  private static double rareTemplates(AccountProfile p) {
    return Math.max(1.0, p.rareTemplates.estimate());
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
      double logTail = rateTail((long) last24h, Math.max(1.0, median));
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
      // over its few templates is not templated generation of new content. And on rare templates
      // only: a template that more accounts use than the rarity cap (an IDE agent's system prompt,
      // a popular public prompt) structures the prompts of thousands of unrelated people, so it
      // says nothing of this account; counted, every IDE user filling it with their own coding
      // questions looked like a harvester filling a few templates. A campaign's own templates
      // stay rare unless it spreads them over more accounts than the cap, and then the accounts
      // sharing them are what the link stage finds.
      double fresh = novelOnRareTemplates(p);
      set(Signal.TEMPLATE_STRUCTURE, fresh / n * Math.log1p(fresh / rareTemplates(p)));
    }
    if (n >= Signal.TIMING_REGULARITY.minExchanges()
        && (n >= Signal.ROUND_THE_CLOCK.minExchanges() || p.lastSeen - p.firstSeen >= SITTING)) {
      // Read with the hour-of-day entropy, or over more than a sitting: see the signal's notes.
      set(Signal.TIMING_REGULARITY, -p.gaps.burstiness());
    }
    if (n >= Signal.ROUND_THE_CLOCK.minExchanges()) {
      set(Signal.ROUND_THE_CLOCK, p.hours.entropy());
    }
    if (n >= Signal.INFRASTRUCTURE_SPREAD.minExchanges() && !p.ips.isEmpty()) {
      double ips = Math.min(n, p.ips.estimate());
      set(Signal.INFRASTRUCTURE_SPREAD, ips / n * Math.log1p(Math.max(1.0, p.asns.estimate())));
    }
    if (n >= Signal.MODEL_PIVOT.minExchanges() && p.earlyModelHash != 0) {
      set(Signal.MODEL_PIVOT, p.pivot.mean());
    }
  }

  /**
   * {@code TailProbabilities.logNegativeBinomialUpperTail(count, median, 1.0)}, remembered for the
   * last {@link #TAIL_MEMO} (count, median) pairs by a hash of the pair.
   *
   * <p>Implementation note: the tail is an incomplete beta function (a continued fraction), about
   * half of an evaluation's signal computation in {@code DetectorBenchmark}'s JFR profile, and its
   * arguments are small whole counts and medians that many accounts share. The function is pure, so
   * a remembered result is the computed one.
   */
  private double rateTail(long count, double median) {
    long medianBits = Double.doubleToRawLongBits(median);
    int i = (int) Hash64.mix(count * 0x9E3779B97F4A7C15L ^ medianBits) & (TAIL_MEMO - 1);
    if (tailCount[i] == count && tailMedian[i] == medianBits) {
      return tailValue[i];
    }
    double v = TailProbabilities.logNegativeBinomialUpperTail(count, median, 1.0);
    tailCount[i] = count;
    tailMedian[i] = medianBits;
    tailValue[i] = v;
    return v;
  }

  private void set(Signal s, double v) {
    if (Double.isFinite(v)) {
      values[s.ordinal()] = v;
      active[s.ordinal()] = true;
    }
  }

  private static long[] filled(int n, long v) {
    long[] a = new long[n];
    Arrays.fill(a, v);
    return a;
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
   * The profile's signals as of its last exchange, as an evaluation would send them; changes no
   * learned state. For explanations: the cluster stage calibrates them.
   */
  public AccountSignals signals(AccountProfile p) {
    return signals(p, p.lastSeen);
  }

  /** Exchanges this stage has seen. */
  public long exchanges() {
    return exchanges;
  }

  /** Profiles handed in after idle longer than the idle eviction, and started afresh. */
  public long expiredProfiles() {
    return expired;
  }

  /** The configuration. */
  public DetectorConfig config() {
    return config;
  }

  // ---------------------------------------------------------------------------------------------
  // persistence

  /**
   * Writes the learned population state (not the configuration, not any profile). Layout (form
   * version 2): byte version, 7 longs (streamStart, streamTime, exchanges, novelTotal,
   * reasoningTotal, highValueTotal, expired), models, template rarity table, live-account count;
   * each in its own form (see those classes). Form 1 had 8 longs (accountAlerts before expired),
   * between the models and the rarity table the calibration now in {@link Calibration#writeLearned}
   * and the novelty filter now in the {@link PromptStage}, and no live-account count.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeByte(FORM_VERSION);
    for (long v :
        new long[] {
          streamStart, streamTime, exchanges, novelTotal, reasoningTotal, highValueTotal, expired
        }) {
      out.writeLong(v);
    }
    models.writeTo(out);
    templates.writeTo(out);
    live.writeTo(out);
  }

  /**
   * Reads the form of {@link #writeTo} (1 or 2) into a stage running with {@code config}. Form 1's
   * calibration and novelty filter, which this stage no longer keeps, are read past. Corrupt input
   * throws an {@link IOException} (a {@link SnapshotFormatException} when the data is wrong rather
   * than the stream).
   */
  public static AccountStage readFrom(DataInput in, DetectorConfig config) throws IOException {
    return readFrom(in, config, new PromptStage(config), new Calibration(config));
  }

  /**
   * {@link #readFrom(DataInput, DetectorConfig)}, reading a form 1's novelty filter into {@code
   * prompts} and its calibration into {@code calibration} (a form 2 leaves both alone).
   */
  static AccountStage readFrom(
      DataInput in, DetectorConfig config, PromptStage prompts, Calibration calibration)
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
    long[] c = new long[version == 1 ? 8 : 7];
    for (int i = 0; i < c.length; i++) {
      c[i] = in.readLong();
      if (i >= 2 && c[i] < 0) {
        throw new SnapshotFormatException("account stage counter " + i + " is negative: " + c[i]);
      }
    }
    s.models.readFrom(in);
    if (version == 1) {
      calibration.readLearned(in);
      prompts.novelty.readFrom(in);
    }
    s.templates.readFrom(in);
    if (version >= 2) {
      s.live.readFrom(in);
    } else {
      s.liveCounted = false; // see seedLiveAccounts
    }
    s.streamStart = c[0];
    s.streamTime = c[1];
    s.exchanges = c[2];
    s.novelTotal = c[3];
    s.reasoningTotal = c[4];
    s.highValueTotal = c[5];
    s.expired = c[c.length - 1];
    return s;
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
