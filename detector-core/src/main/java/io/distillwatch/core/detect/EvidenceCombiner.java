package io.distillwatch.core.detect;

import org.apache.commons.math3.special.Gamma;

/**
 * Combines per-signal tail probabilities into one tail probability, allowing for the dependence
 * between signals.
 *
 * <p>Implementation notes. Fisher's statistic {@code X = -2 sum ln p_i} is chi-squared with {@code
 * 2k} degrees of freedom only when the {@code k} signals are independent; ours are not (volume and
 * output harvest move together), and treating them as independent would flag every heavy user.
 * Brown's method (Brown 1975, "A method for combining non-independent, one-sided tests of
 * significance") keeps the statistic but matches a scaled chi-squared {@code c * chi2(f)} to its
 * actual mean and variance: {@code c = var / (2 mean)}, {@code f = 2 mean^2 / var}. We learn the
 * mean and variance of {@code X} online over the reference population (accounts not flagged),
 * separately for each number of active signals, with Welford's algorithm. Until a bucket has {@code
 * minSamples} the theoretical moments ({@code 2k}, {@code 4k}) stand in, and the learned variance
 * is never allowed below the independent one, so dependence can only make the test more
 * conservative.
 */
final class EvidenceCombiner {
  private final int minSamples;
  private final long[] n;
  private final double[] mean;
  private final double[] m2;

  EvidenceCombiner(int maxSignals, int minSamples) {
    this.minSamples = minSamples;
    this.n = new long[maxSignals + 1];
    this.mean = new double[maxSignals + 1];
    this.m2 = new double[maxSignals + 1];
  }

  /** Records the Fisher statistic of a reference (unflagged) account with {@code k} signals. */
  void learn(double fisher, int k) {
    long count = ++n[k];
    double delta = fisher - mean[k];
    mean[k] += delta / count;
    m2[k] += delta * (fisher - mean[k]);
  }

  /** The combined upper tail probability of a Fisher statistic over {@code k} active signals. */
  double tail(double fisher, int k) {
    if (k == 0) {
      return 1.0;
    }
    double mu = 2.0 * k;
    double var = 4.0 * k;
    if (n[k] >= minSamples) {
      mu = Math.max(mean[k], 1e-9);
      var = Math.max(m2[k] / (n[k] - 1), 4.0 * k * mu / (2.0 * k));
    }
    double c = var / (2.0 * mu);
    double f = 2.0 * mu * mu / var;
    if (fisher <= 0) {
      return 1.0;
    }
    return Gamma.regularizedGammaQ(f / 2.0, fisher / (2.0 * c));
  }

  static double fisher(double p) {
    return -2.0 * Math.log(Math.max(p, 1e-300));
  }
}
