package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.distillwatch.core.stats.QuantileSketch;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.apache.commons.math3.distribution.ExponentialDistribution;
import org.apache.commons.math3.distribution.LogNormalDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.RealDistribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CalibratorTest {
  private static final int SEEDS = 30;
  private static final int N = 20_000;

  /**
   * KLL rank error at {@code delta = 0.01} for the default {@code k}: about {@code 2.3 / k} (see
   * {@link QuantileSketch}).
   */
  private static final double KLL_RANK_ERROR = 2.3 / QuantileSketch.DEFAULT_K;

  /** Populations with a known law: a sampler and the exact distribution. */
  enum Population {
    EXPONENTIAL(new ExponentialDistribution(null, 2.0), r -> -2.0 * Math.log(1 - r.nextDouble())),
    NORMAL(new NormalDistribution(null, 10.0, 3.0), r -> 10.0 + 3.0 * r.nextGaussian()),
    LOGNORMAL(
        new LogNormalDistribution(null, 1.0, 0.8), r -> Math.exp(1.0 + 0.8 * r.nextGaussian()));

    final RealDistribution law;
    final ToDoubleFunction<SplittableRandom> sampler;

    Population(RealDistribution law, ToDoubleFunction<SplittableRandom> sampler) {
      this.law = law;
      this.sampler = sampler;
    }
  }

  /**
   * A calibrator that becomes ready at exactly {@code N} samples, so its quantile table is read
   * once, from the whole population (a table refresh costs 35 sketch queries).
   */
  private static Calibrator fresh(double floor) {
    return new Calibrator(floor, N, N, 0x5EEDL);
  }

  /** A calibrator fed {@code N} samples of the population. */
  private static Calibrator learned(Population pop, long seed, double floor) {
    Calibrator c = fresh(floor);
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < N; i++) {
      c.update(pop.sampler.applyAsDouble(r));
    }
    assertTrue(c.ready());
    assertEquals(N, c.samples());
    return c;
  }

  /**
   * In the body (true quantiles 0.03..0.88) the tail is {@code 1 - rank}, read from a 33-point
   * quantile table. Its error is the KLL rank error, plus sampling error of the population itself
   * ({@code 4 sqrt(p(1-p)/n)} with n = 20,000, under 0.009) plus linear interpolation within one
   * table cell of rank width 1/32 (for these smooth laws a few 0.001). A point may exceed the KLL
   * part with probability at most delta = 0.01; we allow that share with binomial slack.
   */
  @ParameterizedTest
  @EnumSource(Population.class)
  void tail_bodyBelowQ90_withinRankErrorOfTrueTail(Population pop) {
    double sampling = 4 * Math.sqrt(0.25 / N);
    double interpolation = 0.005;
    double bound = KLL_RANK_ERROR + sampling + interpolation;
    int points = 0;
    int outside = 0;
    double worst = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      Calibrator c = learned(pop, seed, 1e-9);
      for (double q = 0.03; q <= 0.88; q += 0.01) {
        double x = pop.law.inverseCumulativeProbability(q);
        double err = Math.abs(c.tail(x) - (1 - q));
        worst = Math.max(worst, err);
        points++;
        if (err > bound) {
          outside++;
        }
      }
    }
    assertTrue(
        outside <= allowedFailures(points, 0.01),
        pop + ": " + outside + " of " + points + " beyond " + bound + ", worst " + worst);
    // Even the worst point is within twice the bound: a systematic error would not be.
    assertTrue(worst <= 2 * bound, pop + ": worst error " + worst);
  }

  /**
   * Beyond q90 an exponential population's tail is extrapolated by the law it actually follows:
   * {@code s = (q90 - q50) / ln 5} is exactly the exponential's mean, so the only error is that of
   * the estimated q50 and q90. With {@code D = ln(0.1 / t)} the log ratio of estimated to true tail
   * {@code t} is, to first order, {@code (1 + D / ln 5) e90 - (D / ln 5) e50}, where {@code e_q} is
   * the quantile error in means, i.e. the rank error divided by the tail {@code S(q)}. The rank
   * error combines population sampling ({@code sqrt(p(1-p)/n)}) and the sketch (standard deviation
   * at most its 99% bound / 2.58). We assert every point within 5 standard deviations (a factor of
   * 1.5 at t = 0.05, 2.7 at 1e-3, 8 at 1e-6), and the mean log ratio over seeds within 4 standard
   * errors of 0: unbiased in law. A wrong scale (ln 10 instead of ln 5) fails both.
   */
  @Test
  void tail_exponentialBeyondQ90_withinSmallFactorOfTruth() {
    Population pop = Population.EXPONENTIAL;
    double sketchSd = KLL_RANK_ERROR / 2.58;
    double sd90 = Math.hypot(Math.sqrt(0.09 / N), sketchSd) / 0.1;
    double sd50 = Math.hypot(Math.sqrt(0.25 / N), sketchSd) / 0.5;
    double[] trueTails = {0.09, 0.05, 0.01, 1e-3, 1e-4, 1e-6};
    double[] sdLog = new double[trueTails.length];
    for (int i = 0; i < trueTails.length; i++) {
      double d = Math.log(0.1 / trueTails[i]) / Math.log(5);
      sdLog[i] = Math.hypot((1 + d) * sd90, d * sd50);
    }
    double[] logRatioSum = new double[trueTails.length];
    for (int seed = 0; seed < SEEDS; seed++) {
      Calibrator c = learned(pop, 100 + seed, 1e-9);
      for (int i = 0; i < trueTails.length; i++) {
        double x = pop.law.inverseCumulativeProbability(1 - trueTails[i]);
        double logRatio = Math.log(c.tail(x) / trueTails[i]);
        logRatioSum[i] += logRatio;
        assertTrue(
            Math.abs(logRatio) <= 5 * sdLog[i],
            "seed " + seed + " true tail " + trueTails[i] + ": log ratio " + logRatio);
      }
    }
    for (int i = 0; i < trueTails.length; i++) {
      double meanLog = logRatioSum[i] / SEEDS;
      assertTrue(
          Math.abs(meanLog) <= 4 * sdLog[i] / Math.sqrt(SEEDS),
          "true tail " + trueTails[i] + ": mean log ratio " + meanLog);
    }
  }

  /**
   * 5% of the population are extreme (a campaign at 20 to 40 means). In the body a benign value's
   * tail moves by at most the contaminated share. Beyond q90 the extrapolation now starts from the
   * mixture's q50 and q90, which are the benign law's 52.6% and 94.7% quantiles, so the fitted
   * scale grows from {@code ln 5} to {@code ln 9} means: benign values become less surprising
   * (never more), exactly as the exact mixture predicts; and the contaminants keep tiny tails.
   */
  @Test
  void tail_fivePercentExtremeContamination_benignTailsBarelyMoveAndContaminantsStaySmall() {
    double eps = 0.05;
    double mean = 2.0;
    // The exact mixture's q50 and q90: (1 - eps) S(q) = 0.5 - eps (resp. 0.1 - eps).
    double q50 = -mean * Math.log((0.5 - eps) / (1 - eps));
    double q90 = -mean * Math.log((0.1 - eps) / (1 - eps));
    double scale = (q90 - q50) / Math.log(5);
    Population pop = Population.EXPONENTIAL;
    for (int seed = 0; seed < SEEDS; seed++) {
      Calibrator clean = learned(pop, 500 + seed, 1e-9);
      Calibrator dirty = fresh(1e-9);
      SplittableRandom r = new SplittableRandom(500 + seed);
      SplittableRandom attack = new SplittableRandom(9_000 + seed);
      for (int i = 0; i < N; i++) {
        double benignValue = pop.sampler.applyAsDouble(r);
        dirty.update(attack.nextDouble() < eps ? 40 + 40 * attack.nextDouble() : benignValue);
      }
      for (double x : new double[] {0.2, 0.5, 1.0, 2.0, 3.0, 4.0}) {
        double moved = dirty.tail(x) - clean.tail(x);
        assertTrue(
            moved >= -2 * KLL_RANK_ERROR && moved <= eps + 2 * KLL_RANK_ERROR,
            "seed " + seed + " body x " + x + ": tail moved by " + moved);
      }
      for (double x : new double[] {6.0, 8.0, 10.0, 14.0}) {
        double expected = 0.1 * Math.exp(-(x - q90) / scale);
        double ratio = dirty.tail(x) / expected;
        assertTrue(
            ratio >= 1 / 1.5 && ratio <= 1.5,
            "seed " + seed + " x " + x + ": " + dirty.tail(x) + " vs mixture law " + expected);
        assertTrue(dirty.tail(x) >= 0.8 * clean.tail(x), "contamination made x more surprising");
      }
      for (double x = 40; x <= 80; x += 5) {
        assertTrue(dirty.tail(x) < 1e-5, "contaminant " + x + " tail " + dirty.tail(x));
      }
    }
  }

  @Test
  void tail_beforeMinSamples_isOneEverywhere() {
    for (int seed = 0; seed < SEEDS; seed++) {
      int minSamples = 10 + seed * 37;
      Calibrator c = new Calibrator(0.1, minSamples, 1024, 0x5EEDL);
      SplittableRandom r = new SplittableRandom(seed);
      for (int i = 0; i < minSamples - 1; i++) {
        c.update(-Math.log(1 - r.nextDouble()));
        assertFalse(c.ready());
        for (double x : new double[] {-1, 0, 1, 5, 1e9, Double.MAX_VALUE}) {
          assertEquals(1.0, c.tail(x));
        }
      }
      c.update(100.0);
      assertTrue(c.ready(), "ready exactly at minSamples");
      assertTrue(c.tail(1e9) < 1e-6);
    }
  }

  /**
   * Non-increasing in x over a fine grid spanning below the minimum to far beyond the maximum, for
   * smooth laws and for a heavily tied integer population (where table cells have zero width).
   */
  @Test
  void tail_increasingX_nonIncreasing() {
    for (int seed = 0; seed < SEEDS; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      Calibrator[] cs = {learned(Population.values()[seed % 3], seed, 0.01), fresh(0.5)};
      for (int i = 0; i < N; i++) {
        // Geometric counts: mostly 0, 1, 2; many equal table entries.
        cs[1].update(Math.floor(Math.log(1 - r.nextDouble()) / Math.log(0.4)));
      }
      for (Calibrator c : cs) {
        double previous = 1.0;
        for (double x = -5; x <= 200; x += 0.01) {
          double t = c.tail(x);
          if (!(t >= 0 && t <= previous)) {
            fail("seed " + seed + ": tail " + t + " at x " + x + " after " + previous);
          }
          previous = t;
        }
      }
    }
  }

  @Test
  void tail_degenerateAllZeroPopulation_usesScaleFloor() {
    for (double floor : new double[] {0.05, 0.25, 1.0}) {
      Calibrator c = fresh(floor);
      for (int i = 0; i < N; i++) {
        c.update(0.0);
      }
      assertEquals(0.0, c.median());
      assertEquals(0.0, c.quantile90());
      assertEquals(1.0, c.tail(0.0), "everyone is at 0: nothing surprising");
      assertEquals(0.1 * Math.exp(-1), c.tail(floor), 1e-12);
      assertEquals(0.1 * Math.exp(-3), c.tail(3 * floor), 1e-12);
      assertTrue(c.tail(1e-12) > 0.09, "a tiny positive value is not infinitely surprising");
    }
  }

  /** Mean plus four binomial standard deviations (see the sketch tests' {@code Stats}). */
  private static int allowedFailures(int trials, double rate) {
    double mean = trials * rate;
    return (int) Math.floor(mean + 4 * Math.sqrt(mean * (1 - rate)) + 1);
  }
}
