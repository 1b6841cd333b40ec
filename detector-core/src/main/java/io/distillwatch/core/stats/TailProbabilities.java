package io.distillwatch.core.stats;

import org.apache.commons.math3.special.Beta;
import org.apache.commons.math3.special.Gamma;

/**
 * Upper tail probabilities {@code P(X >= k)} of count distributions, for turning an observed count
 * into a surprise.
 *
 * <p>Contract: results are in {@code [0, 1]} (log versions in {@code [-inf, 0]}); {@code k <= 0}
 * gives probability 1. The log versions stay finite and accurate (relative error about {@code
 * 1e-12}) for tails far below {@link Double#MIN_VALUE}, e.g. {@code logPoissonUpperTail(10_000,
 * 1)}. Parameters outside their domain are rejected.
 *
 * <p>Implementation notes: {@code P(X >= k)} for Poisson({@code lambda}) is the regularised lower
 * incomplete gamma {@code P(k, lambda)}; for the negative binomial with mean {@code m} and
 * dispersion {@code r} (variance {@code m + m^2 / r}, success probability {@code p = r / (r + m)})
 * it is the regularised incomplete beta {@code I_(1-p)(k, r)} (Abramowitz and Stegun 6.5.2,
 * 26.5.24). Both come from commons-math. When the result is below {@value #DIRECT_MIN}, the log is
 * computed instead as {@code log pmf(k) + log sum_j pmf(k+j)/pmf(k)}: in that regime {@code k} is
 * far above the mean so the ratio series converges geometrically, and every term is computed in log
 * space.
 */
public final class TailProbabilities {
  /** Below this, direct results are replaced by the log-space series. */
  static final double DIRECT_MIN = 1e-250;

  private static final int MAX_SERIES_TERMS = 1_000_000;

  private TailProbabilities() {}

  /** {@code P(X >= k)} for {@code X ~ Poisson(lambda)}, {@code lambda >= 0}. */
  public static double poissonUpperTail(long k, double lambda) {
    return Math.exp(logPoissonUpperTail(k, lambda));
  }

  /** {@code log P(X >= k)} for {@code X ~ Poisson(lambda)}, {@code lambda >= 0}. */
  public static double logPoissonUpperTail(long k, double lambda) {
    if (!(lambda >= 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("lambda must be finite and >= 0, got " + lambda);
    }
    if (k <= 0) {
      return 0.0;
    }
    if (lambda == 0) {
      return Double.NEGATIVE_INFINITY;
    }
    double p = Gamma.regularizedGammaP((double) k, lambda, 1e-15, Integer.MAX_VALUE);
    if (p >= DIRECT_MIN) {
      return Math.log(Math.min(1.0, p));
    }
    // log pmf(k) + log(1 + lambda/(k+1) + lambda^2/((k+1)(k+2)) + ...)
    double logPmf = k * Math.log(lambda) - lambda - Gamma.logGamma(k + 1.0);
    double term = 1.0;
    double sum = 1.0;
    for (long j = 1; j < MAX_SERIES_TERMS; j++) {
      term *= lambda / (k + j);
      sum += term;
      if (term < 1e-17 * sum) {
        break;
      }
    }
    return logPmf + Math.log(sum);
  }

  /**
   * {@code P(X >= k)} for a negative binomial with the given mean and dispersion {@code r}
   * (variance {@code mean + mean^2 / r}); {@code dispersion = +inf} is the Poisson limit.
   */
  public static double negativeBinomialUpperTail(long k, double mean, double dispersion) {
    return Math.exp(logNegativeBinomialUpperTail(k, mean, dispersion));
  }

  /** {@code log P(X >= k)} for the negative binomial of {@link #negativeBinomialUpperTail}. */
  public static double logNegativeBinomialUpperTail(long k, double mean, double dispersion) {
    if (!(mean >= 0) || Double.isInfinite(mean)) {
      throw new IllegalArgumentException("mean must be finite and >= 0, got " + mean);
    }
    if (!(dispersion > 0)) {
      throw new IllegalArgumentException("dispersion must be > 0, got " + dispersion);
    }
    if (Double.isInfinite(dispersion)) {
      return logPoissonUpperTail(k, mean);
    }
    if (k <= 0) {
      return 0.0;
    }
    if (mean == 0) {
      return Double.NEGATIVE_INFINITY;
    }
    double r = dispersion;
    double q = mean / (r + mean); // failure probability 1 - p
    double p = Beta.regularizedBeta(q, (double) k, r, 1e-15, Integer.MAX_VALUE);
    if (p >= DIRECT_MIN) {
      return Math.log(Math.min(1.0, p));
    }
    // pmf(k) = Gamma(k + r) / (k! Gamma(r)) (1-q)^r q^k; pmf(j+1)/pmf(j) = (j + r)/(j + 1) q
    double logPmf =
        Gamma.logGamma(k + r)
            - Gamma.logGamma(k + 1.0)
            - Gamma.logGamma(r)
            + r * Math.log1p(-q)
            + k * Math.log(q);
    double term = 1.0;
    double sum = 1.0;
    for (long j = k; j < k + MAX_SERIES_TERMS; j++) {
      term *= (j + r) / (j + 1) * q;
      sum += term;
      if (term < 1e-17 * sum) {
        break;
      }
    }
    return logPmf + Math.log(sum);
  }
}
