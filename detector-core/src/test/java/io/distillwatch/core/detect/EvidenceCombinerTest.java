package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The combiner must turn a group of per-signal tails into a calibrated tail: uniform under the null
 * for independent signals, and still near its nominal false-alarm rate when the signals are totally
 * dependent, once it has learned the population's moments (Brown's idea applied to Stouffer's sum).
 */
class EvidenceCombinerTest {
  private static final int SAMPLES = 5_000;
  private static final int SEEDS = 3;

  /** Kolmogorov-Smirnov critical value at significance 0.001 for {@code SAMPLES} samples. */
  private static final double KS_CRITICAL = 1.95 / Math.sqrt(SAMPLES);

  private static double independentSum(SplittableRandom r, int k, boolean twoSided) {
    double s = 0;
    for (int i = 0; i < k; i++) {
      s += EvidenceCombiner.score(1 - r.nextDouble(), twoSided);
    }
    return s;
  }

  private static double correlatedSum(SplittableRandom r, int k, boolean twoSided) {
    return k * EvidenceCombiner.score(1 - r.nextDouble(), twoSided);
  }

  private static double ks(double[] tails) {
    double[] sorted = tails.clone();
    Arrays.sort(sorted);
    double d = 0;
    for (int i = 0; i < sorted.length; i++) {
      d =
          Math.max(
              d,
              Math.max(
                  (i + 1.0) / sorted.length - sorted[i], sorted[i] - i / (double) sorted.length));
    }
    return d;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 5, 10})
  void tail_independentTwoSidedSignals_nearUniformAndConservativeInTheTail(int k) {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SplittableRandom r = new SplittableRandom(seed * 31 + k);
      EvidenceCombiner c = new EvidenceCombiner(16, 100);
      double[] tails = new double[SAMPLES];
      int alarms = 0;
      for (int i = 0; i < SAMPLES; i++) {
        tails[i] = c.tail(independentSum(r, k, true), k, 0, k, k);
        alarms += tails[i] <= 0.01 ? 1 : 0;
      }
      // The shifted gamma is slightly right-skewed where the true sum is symmetric: close to
      // uniform overall, and never more alarms than nominal in the upper tail.
      assertTrue(ks(tails) < KS_CRITICAL + 0.03, "k=" + k + " KS " + ks(tails));
      double slack = 3 * Math.sqrt(0.01 * 0.99 / SAMPLES);
      assertTrue(alarms / (double) SAMPLES <= 0.01 + slack, "k=" + k + " alarms " + alarms);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 5, 10})
  void tail_independentTruncatedSignals_afterLearning_nearNominalFalseAlarms(int k) {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SplittableRandom r = new SplittableRandom(seed * 17 + k);
      EvidenceCombiner c = new EvidenceCombiner(16, 100);
      for (int i = 0; i < 20_000; i++) {
        c.learn(independentSum(r, k, false), k);
      }
      double mu = k * EvidenceCombiner.TRUNCATED_MEAN;
      double var = k * EvidenceCombiner.TRUNCATED_VARIANCE;
      int alarms = 0;
      for (int i = 0; i < SAMPLES; i++) {
        if (c.tail(independentSum(r, k, false), k, mu, var, 0) <= 0.01) {
          alarms++;
        }
      }
      // A sum of few truncated normals is skewed; the gamma reading follows the skew, where a
      // normal reading gives about 2.8x nominal at k = 3.
      double rate = alarms / (double) SAMPLES;
      double slack = 3 * Math.sqrt(0.01 * 0.99 / SAMPLES);
      assertTrue(rate <= 0.01 + slack, "k=" + k + " false alarms " + rate);
      assertTrue(rate >= 0.002, "k=" + k + " test has no power: " + rate);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 5, 10})
  void tail_perfectlyCorrelatedSignals_afterLearning_keepsNominalRate_whereNaiveSumDoesNot(int k) {
    SplittableRandom r = new SplittableRandom(99 + k);
    EvidenceCombiner learned = new EvidenceCombiner(16, 100);
    for (int i = 0; i < 20_000; i++) {
      learned.learn(correlatedSum(r, k, true), k);
    }
    EvidenceCombiner naive = new EvidenceCombiner(16, Integer.MAX_VALUE);
    int learnedAlarms = 0;
    int naiveAlarms = 0;
    for (int i = 0; i < SAMPLES; i++) {
      double s = correlatedSum(r, k, true);
      if (learned.tail(s, k, 0, k, k) <= 0.01) {
        learnedAlarms++;
      }
      if (naive.tail(s, k, 0, k, k) <= 0.01) {
        naiveAlarms++;
      }
    }
    double slack = 3 * Math.sqrt(0.01 * 0.99 / SAMPLES);
    assertTrue(learnedAlarms / (double) SAMPLES <= 0.01 + slack, "learned " + learnedAlarms);
    assertTrue(naiveAlarms >= 3 * Math.max(1, learnedAlarms), "naive " + naiveAlarms);
  }

  @Test
  void tail_learnedVarianceBelowIndependent_isFlooredAtIndependent() {
    EvidenceCombiner c = new EvidenceCombiner(16, 10);
    SplittableRandom r = new SplittableRandom(5);
    for (int i = 0; i < 1_000; i++) {
      c.learn(1.0 + 0.001 * r.nextGaussian(), 3); // nearly constant: tiny variance
    }
    // With the variance floored at 3, a sum one independent sd above the learned mean has tail
    // about 0.16, not the vanishing value a tiny learned variance would give.
    double t = c.tail(1.0 + Math.sqrt(3), 3, 0, 3, 3);
    assertEquals(0.1587, t, 0.02);
  }

  @Test
  void learn_bucketsAreSeparate_andMinSamplesRespected() {
    EvidenceCombiner c = new EvidenceCombiner(16, 100);
    for (int i = 0; i < 99; i++) {
      c.learn(10.0 + (i % 2), 4);
    }
    // 99 samples: theoretical moments still stand in.
    double before = c.tail(0.0, 4, 0, 4, 4);
    assertEquals(0.5, before, 0.05);
    c.learn(10.0, 4);
    // 100 samples: the learned mean (about 10.5) now applies to bucket 4 only.
    assertTrue(c.tail(0.0, 4, 0, 4, 4) > 0.99);
    assertEquals(before, c.tail(0.0, 5, 0, 4, 4), 1e-12);
  }

  @Test
  void tail_noSignals_isOne() {
    assertEquals(1.0, new EvidenceCombiner(16, 10).tail(123.0, 0, 0, 0, 0));
  }

  @Test
  void score_clipsExtremeTails_andTruncatesPresenceOnlySignals() {
    assertEquals(EvidenceCombiner.score(1e-4, true), EvidenceCombiner.score(1e-30, true));
    assertEquals(0.0, EvidenceCombiner.score(0.9, false));
    assertTrue(EvidenceCombiner.score(0.9, true) < -1.2);
    assertEquals(1.2816, EvidenceCombiner.score(0.1, true), 1e-3);
  }

  /** The score as first written, without the shortcuts: the shortcuts must not change a bit. */
  private static double unshortcutScore(double tail, boolean twoSided) {
    double p = Math.min(1 - EvidenceCombiner.MIN_TAIL, Math.max(EvidenceCombiner.MIN_TAIL, tail));
    double z = Math.sqrt(2) * Erf.erfcInv(2 * p);
    return twoSided ? z : Math.max(0, z);
  }

  @Test
  void score_shortcuts_equalTheFullComputationBitForBit() {
    SplittableRandom r = new SplittableRandom(7);
    double[] edges = {
      0,
      1e-300,
      1e-4,
      0.1,
      0.5,
      Math.nextDown(0.5),
      Math.nextUp(0.5),
      0.75,
      1 - 1e-4,
      Math.nextDown(1 - 1e-4),
      Math.nextUp(1 - 1e-4),
      Math.nextDown(1.0),
      1.0,
      1.5
    };
    double[] tails = new double[edges.length + 200_000];
    System.arraycopy(edges, 0, tails, 0, edges.length);
    for (int i = edges.length; i < tails.length; i++) {
      tails[i] = i % 2 == 0 ? r.nextDouble() : 0.5 + 0.5 * r.nextDouble();
    }
    for (double t : tails) {
      for (boolean twoSided : new boolean[] {false, true}) {
        assertEquals(
            Double.doubleToRawLongBits(unshortcutScore(t, twoSided)),
            Double.doubleToRawLongBits(EvidenceCombiner.score(t, twoSided)),
            () -> "tail " + t + ", two-sided " + twoSided);
      }
    }
  }
}
