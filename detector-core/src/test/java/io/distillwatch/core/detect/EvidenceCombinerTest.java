package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.special.Gamma;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EvidenceCombinerTest {
  private static final int MAX_SIGNALS = 10;
  private static final int SAMPLES = 5_000;
  private static final int SEEDS = 3;

  /**
   * Kolmogorov-Smirnov critical value at significance 0.001 for {@code n} samples: {@code 1.95 /
   * sqrt(n)}, 0.0276 at n = 5,000.
   */
  private static final double KS_CRITICAL = 1.95 / Math.sqrt(SAMPLES);

  /** Fisher statistic of {@code k} independent uniform p-values. */
  private static double independentFisher(SplittableRandom r, int k) {
    double x = 0;
    for (int i = 0; i < k; i++) {
      x += EvidenceCombiner.fisher(1 - r.nextDouble());
    }
    return x;
  }

  /** Fisher statistic of one uniform p-value repeated {@code k} times: total dependence. */
  private static double correlatedFisher(SplittableRandom r, int k) {
    return k * EvidenceCombiner.fisher(1 - r.nextDouble());
  }

  /** Plain Fisher: the statistic against chi-squared with 2k degrees of freedom. */
  private static double plainFisherTail(double x, int k) {
    return Gamma.regularizedGammaQ(k, x / 2);
  }

  /** The largest distance between the empirical CDF of {@code p} and the uniform CDF. */
  private static double ksUniform(double[] p) {
    double[] s = p.clone();
    Arrays.sort(s);
    double d = 0;
    for (int i = 0; i < s.length; i++) {
      d = Math.max(d, Math.max((i + 1.0) / s.length - s[i], s[i] - (double) i / s.length));
    }
    return d;
  }

  /** Mean plus four binomial standard deviations. */
  private static int allowedFailures(int trials, double rate) {
    double mean = trials * rate;
    return (int) Math.floor(mean + 4 * Math.sqrt(mean * (1 - rate)) + 1);
  }

  private static int below(double[] p, double alpha) {
    int n = 0;
    for (double v : p) {
      if (v <= alpha) {
        n++;
      }
    }
    return n;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 5, 10})
  void tail_independentUniformsUnlearned_isUniform(int k) {
    for (int seed = 0; seed < SEEDS; seed++) {
      EvidenceCombiner combiner = new EvidenceCombiner(MAX_SIGNALS, 200);
      SplittableRandom r = new SplittableRandom(seed * 31L + k);
      double[] p = new double[SAMPLES];
      for (int i = 0; i < SAMPLES; i++) {
        double x = independentFisher(r, k);
        p[i] = combiner.tail(x, k);
        // Unlearned, the combiner is exactly Fisher's method.
        assertEquals(plainFisherTail(x, k), p[i], 1e-12);
      }
      double ks = ksUniform(p);
      assertTrue(ks <= KS_CRITICAL, "k " + k + " seed " + seed + ": KS " + ks);
      assertTrue(below(p, 0.01) <= allowedFailures(SAMPLES, 0.01), "k " + k);
    }
  }

  /**
   * Learned on the same null, the moments are estimated from 5,000 samples (mean off by about
   * {@code 1.4% / sqrt(k)}, which moves the CDF by under 0.006); the p-values of fresh null samples
   * stay uniform within the KS critical value plus that.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 5, 10})
  void tail_independentUniformsLearned_isUniform(int k) {
    for (int seed = 0; seed < SEEDS; seed++) {
      EvidenceCombiner combiner = new EvidenceCombiner(MAX_SIGNALS, 200);
      SplittableRandom r = new SplittableRandom(1_000 + seed * 31L + k);
      for (int i = 0; i < SAMPLES; i++) {
        combiner.learn(independentFisher(r, k), k);
      }
      double[] p = new double[SAMPLES];
      for (int i = 0; i < SAMPLES; i++) {
        p[i] = combiner.tail(independentFisher(r, k), k);
      }
      double ks = ksUniform(p);
      assertTrue(ks <= KS_CRITICAL + 0.006, "k " + k + " seed " + seed + ": KS " + ks);
      int alarms = below(p, 0.01);
      assertTrue(alarms <= allowedFailures(SAMPLES, 0.01), "k " + k + ": " + alarms + " alarms");
      assertTrue(alarms >= SAMPLES * 0.01 / 2, "k " + k + ": only " + alarms + " alarms");
    }
  }

  /**
   * Totally dependent signals: the statistic is {@code k * chi2(2)}. Brown's moment match ({@code c
   * = k}, {@code f = 2}) is then exact, so after learning the false-alarm rate at 0.01 is 0.01 with
   * binomial slack. Plain Fisher (chi2(2k)) alarms far more often: 3.6% at k = 2, 9.8% at k = 5.
   */
  @ParameterizedTest
  @ValueSource(ints = {2, 3, 5, 10})
  void tail_perfectlyCorrelatedLearned_falseAlarmsNearAlphaWhilePlainFisherFarAbove(int k) {
    for (int seed = 0; seed < SEEDS; seed++) {
      EvidenceCombiner combiner = new EvidenceCombiner(MAX_SIGNALS, 200);
      EvidenceCombiner unlearned = new EvidenceCombiner(MAX_SIGNALS, 200);
      SplittableRandom r = new SplittableRandom(2_000 + seed * 31L + k);
      for (int i = 0; i < SAMPLES; i++) {
        combiner.learn(correlatedFisher(r, k), k);
      }
      int brown = 0;
      int plain = 0;
      int before = 0;
      for (int i = 0; i < SAMPLES; i++) {
        double x = correlatedFisher(r, k);
        if (combiner.tail(x, k) <= 0.01) {
          brown++;
        }
        if (plainFisherTail(x, k) <= 0.01) {
          plain++;
        }
        if (unlearned.tail(x, k) <= 0.01) {
          before++;
        }
      }
      assertTrue(brown <= allowedFailures(SAMPLES, 0.01), "k " + k + ": Brown alarms " + brown);
      assertTrue(brown >= SAMPLES * 0.01 / 2, "k " + k + ": Brown alarms only " + brown);
      // Plain Fisher alarms when k chi2(2) exceeds the 99% point q of chi2(2k): exp(-q / 2k).
      double q = new ChiSquaredDistribution(null, 2.0 * k).inverseCumulativeProbability(0.99);
      double plainRate = Math.exp(-q / (2.0 * k));
      assertTrue(plainRate >= 0.035, "the contrast needs a high plain rate, was " + plainRate);
      double sd = Math.sqrt(SAMPLES * plainRate * (1 - plainRate));
      assertTrue(
          Math.abs(plain - SAMPLES * plainRate) <= 4 * sd,
          "k " + k + ": plain " + plain + ", expected " + SAMPLES * plainRate);
      assertTrue(plain >= 3 * brown, "k " + k + ": plain " + plain + " vs Brown " + brown);
      assertEquals(plain, before, "unlearned, the combiner is plain Fisher");
    }
  }

  /** The learned variance is floored at the independent one: dependence only adds caution. */
  @Test
  void tail_learnedUnderDispersedStatistic_neverBelowIndependentTail() {
    for (int k = 1; k <= MAX_SIGNALS; k++) {
      EvidenceCombiner combiner = new EvidenceCombiner(MAX_SIGNALS, 50);
      for (int i = 0; i < 500; i++) {
        // Mean exactly 2k, a fifth of the independent spread: the floor must restore 4k.
        combiner.learn(2 * k + (i % 2 == 0 ? 1 : -1) * 0.2 * Math.sqrt(4 * k), k);
      }
      for (double x = 0.5; x < 20 * k; x += 0.5) {
        double t = combiner.tail(x, k);
        double independent = plainFisherTail(x, k);
        assertEquals(independent, t, 1e-9 * independent, "k " + k + " x " + x);
      }
    }
  }

  @Test
  void tail_bucketsBelowMinSamples_useTheoreticalMomentsPerK() {
    EvidenceCombiner combiner = new EvidenceCombiner(MAX_SIGNALS, 100);
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 99; i++) {
      combiner.learn(correlatedFisher(r, 4), 4);
    }
    for (int i = 0; i < 1_000; i++) {
      combiner.learn(correlatedFisher(r, 6), 6);
    }
    for (double x = 1; x < 80; x += 1.5) {
      assertEquals(plainFisherTail(x, 4), combiner.tail(x, 4), 1e-12, "99 < minSamples");
      assertEquals(plainFisherTail(x, 5), combiner.tail(x, 5), 1e-12, "another bucket untouched");
    }
    combiner.learn(correlatedFisher(r, 4), 4);
    assertTrue(combiner.tail(40, 4) > 2 * plainFisherTail(40, 4), "learned at the 100th sample");
    assertTrue(combiner.tail(60, 6) > 2 * plainFisherTail(60, 6));
  }

  @Test
  void tail_noSignalsOrNonPositiveStatistic_isOne() {
    EvidenceCombiner combiner = new EvidenceCombiner(MAX_SIGNALS, 10);
    assertEquals(1.0, combiner.tail(100.0, 0));
    for (int k = 1; k <= MAX_SIGNALS; k++) {
      assertEquals(1.0, combiner.tail(0.0, k));
      assertEquals(1.0, combiner.tail(-3.0, k));
    }
    assertEquals(-2 * Math.log(1e-300), EvidenceCombiner.fisher(0.0), 1e-9, "p = 0 is clamped");
    assertEquals(0.0, EvidenceCombiner.fisher(1.0), 1e-15);
  }
}
