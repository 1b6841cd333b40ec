package io.distillwatch.core.detect;

import io.distillwatch.core.alert.AccountAlert;
import io.distillwatch.core.link.AccountSignals;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The population's calibration of account signals: per signal and exchange-count stratum, a {@link
 * Calibrator} that turns a raw value into a tail probability; per group (content, behaviour), an
 * {@link EvidenceCombiner} with the learned moments of Brown's method; and the account-level {@link
 * ThresholdCalibrator} that decides which accounts are flagged on their own evidence and so stop
 * teaching the calibrators. The {@link ClusterStage} holds it, because every account's evaluations
 * pass there: an account-stage instance of a parallel job sees only a share of the accounts, and
 * calibrated on that share, it missed the low-and-slow campaign of the built-in scenario at
 * parallelism 2 (the whole population catches it at +50 h).
 *
 * <p>{@link #score} and {@link #learn} are the account stage's former evaluation, split where the
 * per-account state (kept by the caller) decides whether the account teaches. Not thread-safe.
 */
final class Calibration {
  private static final Signal[] SIGNALS = Signal.values();
  static final int N = SIGNALS.length;
  static final int STRATA = 4;

  /** Version of the {@link #writeTo} form. */
  static final int FORM_VERSION = 1;

  final Calibrator[][] calibrators = new Calibrator[N][STRATA];
  final ThresholdCalibrator threshold;
  final EvidenceCombiner contentCombiner;
  final EvidenceCombiner behaviourCombiner;
  private final double[] values = new double[N];
  private final double[] tails = new double[N];
  private final boolean[] active = new boolean[N];
  private final Groups groups = new Groups();

  // The last score()'s results, read by the caller.
  boolean calibrated;
  int stratum;
  double pContent;
  double pBehaviour;

  Calibration(DetectorConfig config) {
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

  /**
   * Tail probabilities of an evaluation's signals against the population, and of each group;
   * changes nothing learned. Sets {@link #calibrated} (every active signal's calibrator ready),
   * {@link #stratum}, {@link #pContent} and {@link #pBehaviour}.
   */
  void score(AccountSignals s, long exchanges) {
    Groups g = groups;
    g.reset();
    boolean ready = true;
    int k = stratum(exchanges);
    for (int i = 0; i < N; i++) {
      active[i] = i < s.size() && s.active(i);
      if (!active[i]) {
        continue;
      }
      values[i] = s.value(i);
      Calibrator c = calibrators[i][k];
      ready &= c.ready();
      double tail = c.tail(values[i]);
      tails[i] = tail;
      g.add(SIGNALS[i], tail);
    }
    calibrated = ready;
    stratum = k;
    pContent =
        g.contentK == 1
            ? alone(g.contentTail)
            : contentCombiner.tail(
                g.contentSum,
                moments(k, g.contentK),
                g.contentMean,
                g.contentVar,
                g.contentTwoSided);
    pBehaviour =
        g.behaviourK == 1
            ? alone(g.behaviourTail)
            : behaviourCombiner.tail(
                g.behaviourSum,
                moments(k, g.behaviourK),
                g.behaviourMean,
                g.behaviourVar,
                g.behaviourTwoSided);
  }

  /**
   * The tail of a group of one active signal: the signal's own calibrated tail, clipped as every
   * tail is before scoring.
   *
   * <p>Why not the combiner: its moments are there for the dependence between signals, which one
   * signal does not have, and they are learned per (stratum, number of active signals), a selection
   * of the stratum's accounts that may be quieter than the stratum: where a gateway reports no IPs,
   * a young account's behaviour group is often its rate alone, the accounts in that bucket mostly
   * scored 0 (tails of a half or more), and a gamma matched to that mean put a rate at the
   * stratum's 34th percentile from the top at a tail of about 1% (seed 42 at scale 0.01 with IPs,
   * ASNs, user agents and payment removed: 3 researchers flagged before, none after).
   */
  static double alone(double tail) {
    return Math.min(1.0, Math.max(EvidenceCombiner.MIN_TAIL, tail));
  }

  /** Teaches the population the last {@link #score}d evaluation. */
  void learn() {
    for (int i = 0; i < N; i++) {
      if (active[i]) {
        calibrators[i][stratum].update(values[i]);
      }
    }
    if (calibrated) {
      Groups g = groups;
      if (g.contentK > 0) {
        contentCombiner.learn(g.contentSum, moments(stratum, g.contentK));
      }
      if (g.behaviourK > 0) {
        behaviourCombiner.learn(g.behaviourSum, moments(stratum, g.behaviourK));
      }
    }
  }

  /**
   * Index of the learned moments for a group of {@code k} active signals in a stratum; 0 when
   * {@code k} is 0 (an empty group is never surprising).
   */
  private static int moments(int stratum, int k) {
    return k == 0 ? 0 : stratum * (N + 1) + k;
  }

  /** The account alert of the last {@link #score}d evaluation: its signals and up to 4 reasons. */
  AccountAlert alert(
      String alertId, String accountId, long ts, double score, long exchanges, AccountSignals s) {
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
        reasons.add(SignalText.reason(SIGNALS[i], values[i], tails[i], s, exchanges));
      }
    }
    return new AccountAlert(
        alertId, accountId, ts, Math.min(1.0, Math.max(0.0, score)), exchanges, signals, reasons);
  }

  /** Value and tail of each active signal of the last {@link #score}, by wire name. */
  void explain(Map<String, Double> signalValues, Map<String, Double> signalTails) {
    for (int i = 0; i < N; i++) {
      if (active[i]) {
        signalValues.put(SIGNALS[i].wireName(), values[i]);
        signalTails.put(SIGNALS[i].wireName(), tails[i]);
      }
    }
  }

  private static double round(double v) {
    return Math.round(v * 1e4) / 1e4;
  }

  /**
   * Writes byte version (1), byte signals, byte strata, the calibrators signal-major, the content
   * then behaviour combiner, then the threshold; each in its own form.
   */
  void writeTo(DataOutput out) throws IOException {
    out.writeByte(FORM_VERSION);
    writeLearned(out);
  }

  /** The form without its version byte: what the account stage's form 1 held, in this order. */
  void writeLearned(DataOutput out) throws IOException {
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
  }

  /** Replaces the learned state with the form of {@link #writeTo}. */
  void readFrom(DataInput in) throws IOException {
    int version = in.readUnsignedByte();
    if (version != FORM_VERSION) {
      throw new SnapshotFormatException(
          "calibration form version " + version + " unknown; this build reads " + FORM_VERSION);
    }
    readLearned(in);
  }

  /** Replaces the learned state with the form of {@link #writeLearned}. */
  void readLearned(DataInput in) throws IOException {
    int signals = in.readUnsignedByte();
    int strata = in.readUnsignedByte();
    if (signals != N || strata != STRATA) {
      throw new SnapshotFormatException(
          signals + " x " + strata + " calibrators, expected " + N + " x " + STRATA);
    }
    for (Calibrator[] perSignal : calibrators) {
      for (Calibrator cal : perSignal) {
        cal.readFrom(in);
      }
    }
    contentCombiner.readFrom(in);
    behaviourCombiner.readFrom(in);
    threshold.readFrom(in);
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

    /** Tail of the group's last signal added: the group's tail when it is the only one. */
    double contentTail;

    double behaviourTail;

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
        contentTail = tail;
      } else {
        behaviourSum += z;
        behaviourMean += mu;
        behaviourVar += var;
        behaviourK++;
        behaviourTwoSided += s.twoSided() ? 1 : 0;
        behaviourTail = tail;
      }
    }
  }
}
