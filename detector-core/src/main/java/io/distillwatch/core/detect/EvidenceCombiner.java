package io.distillwatch.core.detect;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import org.apache.commons.math3.special.Erf;
import org.apache.commons.math3.special.Gamma;

/**
 * Combines the tail probabilities of a group of signals into one tail probability, allowing for the
 * dependence between signals and for evidence that points towards innocence.
 *
 * <p>Each signal's tail {@code p} becomes a normal score {@code z = Phi^-1(1 - p)} (Stouffer 1949).
 * Two-sided signals keep their sign, so a human's bursty, daytime rhythm argues against automation;
 * presence-only signals are truncated at 0 ({@code max(z, 0)}), because a stable IP or a quiet day
 * is no evidence of innocence for a campaign that is quiet by design. The group's statistic is the
 * sum of scores, standardised with its mean and variance and read off the normal upper tail.
 *
 * <p>Implementation notes. Signals are not independent (volume and output harvest move together),
 * so the variance of the sum is not the sum of variances. As in Brown's method (Brown 1975) we
 * learn the actual moments online over the reference population (accounts not flagged), separately
 * for each number of active signals, with Welford's algorithm; until a bucket has {@code
 * minSamples} the caller's theoretical moments (independent signals) stand in, and the learned
 * variance is never allowed below the theoretical one, so dependence can only make the test more
 * conservative. Per-signal tails are clipped to {@code [1e-4, 1 - 1e-4]} before scoring: no single
 * signal may decide a group.
 */
final class EvidenceCombiner {
  /** Mean and variance of {@code max(Z, 0)} for a standard normal {@code Z}. */
  static final double TRUNCATED_MEAN = 1.0 / Math.sqrt(2 * Math.PI);

  static final double TRUNCATED_VARIANCE = 0.5 - 1.0 / (2 * Math.PI);
  static final double MIN_TAIL = 1e-4;

  private final int minSamples;
  private final long[] n;
  private final double[] mean;
  private final double[] m2;

  /**
   * @param buckets how many independent sets of moments to learn (indexed by the caller, e.g. by
   *     history stratum and number of active signals); bucket 0 means "no signals"
   */
  EvidenceCombiner(int buckets, int minSamples) {
    this.minSamples = minSamples;
    this.n = new long[buckets + 1];
    this.mean = new double[buckets + 1];
    this.m2 = new double[buckets + 1];
  }

  /**
   * The normal score of a tail probability, clipped to about +-3.7.
   *
   * <p>Implementation note: two common cases skip {@code erfcInv}, a log and a 24-term polynomial
   * that {@code DetectorBenchmark}'s profile put at about a quarter of an evaluation's scoring. A
   * presence-only signal's tail of a half or more has {@code erfcInv(2p) = erfInv(1 - 2p) <= 0}
   * (the polynomial is positive and multiplies {@code 1 - 2p}, which is exact), so its truncated
   * score is {@code +0.0} exactly as computed; a tail at or above the upper clip (1: a signal below
   * the population's minimum, or not calibrated yet) has the constant score {@link #LOWEST_SCORE},
   * computed by this same expression. The results are bit-for-bit those of the full computation.
   */
  static double score(double tail, boolean twoSided) {
    if (tail >= 0.5) {
      if (!twoSided) {
        return 0.0;
      }
      if (tail >= 1 - MIN_TAIL) {
        return LOWEST_SCORE;
      }
    }
    return fullScore(tail, twoSided);
  }

  private static double fullScore(double tail, boolean twoSided) {
    double p = Math.min(1 - MIN_TAIL, Math.max(MIN_TAIL, tail));
    double z = Math.sqrt(2) * Erf.erfcInv(2 * p);
    return twoSided ? z : Math.max(0, z);
  }

  /** Records the score sum of a reference (unflagged) account in moments bucket {@code k}. */
  void learn(double sum, int k) {
    long count = ++n[k];
    double delta = sum - mean[k];
    mean[k] += delta / count;
    m2[k] += delta * (sum - mean[k]);
  }

  /** The largest normal score, and minus the smallest two-sided one. */
  static final double MAX_SCORE = Math.sqrt(2) * Erf.erfcInv(2 * MIN_TAIL);

  /** The two-sided score of every tail at or above the upper clip {@code 1 - MIN_TAIL}. */
  static final double LOWEST_SCORE = fullScore(1.0, true);

  /**
   * The combined upper tail probability of a score sum in moments bucket {@code k} (0: no signals,
   * tail 1), given the sum's mean and variance were the signals independent and the number of
   * two-sided signals in it (which sets the sum's lower bound).
   */
  double tail(double sum, int k, double independentMean, double independentVariance, int twoSided) {
    if (k == 0) {
      return 1.0;
    }
    double mu = independentMean;
    double var = independentVariance;
    if (n[k] >= minSamples) {
      mu = mean[k];
      var = Math.max(m2[k] / (n[k] - 1), independentVariance);
    }
    double shift = twoSided * MAX_SCORE;
    double x = sum + shift;
    double m = Math.max(mu + shift, 1e-9);
    if (x <= 0) {
      return 1.0;
    }
    double shape = m * m / var;
    double scale = var / m;
    return Gamma.regularizedGammaQ(shape, x / scale);
  }

  long[] counts() {
    return n;
  }

  double[] means() {
    return mean;
  }

  double[] m2s() {
    return m2;
  }

  /** Writes int buckets (array length), then per bucket long n, double mean, double m2. */
  void writeTo(DataOutput out) throws IOException {
    out.writeInt(n.length);
    for (int k = 0; k < n.length; k++) {
      out.writeLong(n[k]);
      out.writeDouble(mean[k]);
      out.writeDouble(m2[k]);
    }
  }

  /** Replaces the learned moments with the form written by {@link #writeTo}. */
  void readFrom(DataInput in) throws IOException {
    int buckets = in.readInt();
    if (buckets != n.length) {
      throw new IOException("evidence combiner has " + buckets + " buckets, expected " + n.length);
    }
    for (int k = 0; k < buckets; k++) {
      long count = in.readLong();
      if (count < 0) {
        throw new IOException("evidence combiner bucket " + k + " count " + count);
      }
      n[k] = count;
      mean[k] = in.readDouble();
      m2[k] = in.readDouble();
    }
  }
}
