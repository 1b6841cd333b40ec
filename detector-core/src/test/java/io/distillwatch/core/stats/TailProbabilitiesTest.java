package io.distillwatch.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.math3.distribution.PascalDistribution;
import org.apache.commons.math3.special.Gamma;
import org.junit.jupiter.api.Test;

class TailProbabilitiesTest {

  @Test
  void poissonUpperTail_smallCases_matchDirectSummation() {
    for (double lambda : new double[] {0.01, 0.5, 1, 3.7, 10, 42}) {
      double pmf = Math.exp(-lambda);
      double cdfBelow = 0; // P(X <= k - 1)
      for (int k = 0; k < 120; k++) {
        double expected = 1.0 - cdfBelow;
        double actual = TailProbabilities.poissonUpperTail(k, lambda);
        assertEquals(expected, actual, 1e-12 + 1e-9 * expected, "k=" + k + " lambda=" + lambda);
        cdfBelow += pmf;
        pmf *= lambda / (k + 1);
      }
    }
  }

  @Test
  void poissonUpperTail_knownValues() {
    assertEquals(1.0, TailProbabilities.poissonUpperTail(0, 5), 0.0);
    assertEquals(1.0, TailProbabilities.poissonUpperTail(-3, 5), 0.0);
    assertEquals(1 - Math.exp(-2.5), TailProbabilities.poissonUpperTail(1, 2.5), 1e-15);
    // P(X >= 20 | 10) = 0.003454 (standard Poisson tables)
    assertEquals(0.0034540, TailProbabilities.poissonUpperTail(20, 10), 5e-7);
    assertEquals(0.0, TailProbabilities.poissonUpperTail(1, 0), 0.0);
  }

  @Test
  void logPoissonUpperTail_farTail_matchesLogSumOfTerms() {
    long[][] cases = {{1000, 1}, {10_000, 3}, {400, 50}, {5_000, 1000}, {200, 20}};
    for (long[] c : cases) {
      long k = c[0];
      double lambda = c[1];
      double max = Double.NEGATIVE_INFINITY;
      double[] logs = new double[2_000];
      for (int j = 0; j < logs.length; j++) {
        logs[j] = (k + j) * Math.log(lambda) - lambda - Gamma.logGamma(k + j + 1.0);
        max = Math.max(max, logs[j]);
      }
      double s = 0;
      for (double l : logs) {
        s += Math.exp(l - max);
      }
      double expected = max + Math.log(s);
      double actual = TailProbabilities.logPoissonUpperTail(k, lambda);
      assertEquals(expected, actual, 1e-9 * Math.abs(expected), "k=" + k + " lambda=" + lambda);
      assertTrue(Double.isFinite(actual));
    }
  }

  @Test
  void negativeBinomialUpperTail_integerDispersion_matchesPascalDistribution() {
    for (int r : new int[] {1, 2, 5, 30}) {
      for (double mean : new double[] {0.3, 2, 17}) {
        double p = r / (r + mean);
        PascalDistribution pascal = new PascalDistribution(r, p);
        for (int k = 0; k < 150; k++) {
          double expected = k == 0 ? 1.0 : 1.0 - pascal.cumulativeProbability(k - 1);
          double actual = TailProbabilities.negativeBinomialUpperTail(k, mean, r);
          assertEquals(expected, actual, 1e-11 + 1e-8 * expected, "r=" + r + " m=" + mean);
        }
      }
    }
  }

  @Test
  void logNegativeBinomialUpperTail_farTail_finiteAndMatchesTerms() {
    long k = 20_000;
    double mean = 5;
    double r = 2;
    double q = mean / (r + mean);
    double max = Double.NEGATIVE_INFINITY;
    double[] logs = new double[5_000];
    for (int j = 0; j < logs.length; j++) {
      long x = k + j;
      logs[j] =
          Gamma.logGamma(x + r)
              - Gamma.logGamma(x + 1.0)
              - Gamma.logGamma(r)
              + r * Math.log(1 - q)
              + x * Math.log(q);
      max = Math.max(max, logs[j]);
    }
    double s = 0;
    for (double l : logs) {
      s += Math.exp(l - max);
    }
    double expected = max + Math.log(s);
    double actual = TailProbabilities.logNegativeBinomialUpperTail(k, mean, r);
    assertEquals(expected, actual, 1e-9 * Math.abs(expected));
    assertEquals(0.0, TailProbabilities.negativeBinomialUpperTail(k, mean, r), 0.0);
  }

  @Test
  void negativeBinomial_hugeDispersion_approachesPoisson() {
    for (int k = 0; k < 30; k++) {
      assertEquals(
          TailProbabilities.poissonUpperTail(k, 7),
          TailProbabilities.negativeBinomialUpperTail(k, 7, 1e9),
          1e-6);
      assertEquals(
          TailProbabilities.poissonUpperTail(k, 7),
          TailProbabilities.negativeBinomialUpperTail(k, 7, Double.POSITIVE_INFINITY),
          0.0);
    }
  }

  @Test
  void badParameters_rejected() {
    assertThrows(IllegalArgumentException.class, () -> TailProbabilities.poissonUpperTail(1, -1));
    assertThrows(
        IllegalArgumentException.class, () -> TailProbabilities.poissonUpperTail(1, Double.NaN));
    assertThrows(
        IllegalArgumentException.class, () -> TailProbabilities.negativeBinomialUpperTail(1, 1, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> TailProbabilities.negativeBinomialUpperTail(1, -1, 1));
  }
}
