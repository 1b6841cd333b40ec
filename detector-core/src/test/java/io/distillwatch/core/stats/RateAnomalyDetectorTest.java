package io.distillwatch.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.stats.RateAnomalyDetector.Direction;
import io.distillwatch.core.stats.RateAnomalyDetector.SeriesKind;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RateAnomalyDetectorTest {
  private static final int SEEDS = 40;
  private static final int LENGTH = 2_000;
  private static final double THRESHOLD = 0.99;

  /** Per-minute series with jitter, a daily cycle and noise: mean 100, sd 10. */
  private static long timestamp(SplittableRandom rnd, int i) {
    return 1_700_000_000_000L + i * 60_000L + rnd.nextInt(-5_000, 5_000);
  }

  private static double normalValue(SplittableRandom rnd, int i) {
    return 100 + 10 * Math.sin(2 * Math.PI * i / 1_440.0) + 10 * rnd.nextGaussian();
  }

  @Test
  void score_injectedSpikes_scoreHigh_normalPointsRarelyDo() {
    long normal = 0;
    long normalHigh = 0;
    int spikes = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed);
      RateAnomalyDetector d = RateAnomalyDetector.builder().build();
      for (int i = 0; i < LENGTH; i++) {
        long ts = timestamp(rnd, i);
        boolean spike = i > 100 && rnd.nextInt(100) == 0;
        double x = normalValue(rnd, i);
        if (spike) {
          x += (rnd.nextBoolean() ? 1 : -1) * (80 + rnd.nextInt(40)); // 8 to 12 sigma
        }
        double s = d.score(ts, x);
        assertTrue(s >= 0 && s <= 1, "score in [0,1]: " + s);
        if (spike) {
          spikes++;
          assertTrue(s > THRESHOLD, "spike at " + i + " seed " + seed + " scored " + s);
        } else if (i >= RateAnomalyDetector.DEFAULT_WARM_UP_POINTS) {
          normal++;
          if (s > THRESHOLD) {
            normalHigh++;
          }
        }
      }
    }
    assertTrue(spikes > SEEDS * 10);
    assertTrue(
        normalHigh <= normal / 100,
        normalHigh + " of " + normal + " normal points scored above " + THRESHOLD);
  }

  @Test
  void score_levelShift_firstShiftedPointsScoreHigh() {
    for (int seed = 0; seed < SEEDS; seed++) {
      SplittableRandom rnd = new SplittableRandom(100 + seed);
      RateAnomalyDetector d = RateAnomalyDetector.builder().build();
      int shiftAt = 500 + rnd.nextInt(500);
      double maxFirst = 0;
      int highInFirstFive = 0;
      for (int i = 0; i < shiftAt + 200; i++) {
        double x = normalValue(rnd, i) + (i >= shiftAt ? 80 : 0);
        double s = d.score(timestamp(rnd, i), x);
        if (i >= shiftAt && i < shiftAt + 5) {
          maxFirst = Math.max(maxFirst, s);
          if (s > THRESHOLD) {
            highInFirstFive++;
          }
        }
        if (i >= shiftAt + 100) {
          assertTrue(s < 1.0 || i > shiftAt + 190, "the new level is learned eventually");
        }
      }
      assertTrue(highInFirstFive >= 4, "seed " + seed + ": " + highInFirstFive + " of 5 high");
    }
  }

  @Test
  void score_levelShift_absorbedByBaseline() {
    SplittableRandom rnd = new SplittableRandom(7);
    RateAnomalyDetector d = RateAnomalyDetector.builder().build();
    int high = 0;
    for (int i = 0; i < 1_500; i++) {
      double x = normalValue(rnd, i) + (i >= 500 ? 80 : 0);
      double s = d.score(timestamp(rnd, i), x);
      if (i >= 700 && s > THRESHOLD) {
        high++;
      }
    }
    assertTrue(high <= 8, "after adapting, high scores are rare again: " + high);
  }

  @Test
  void score_poissonCounts_spikesHighNormalsLow() {
    long normal = 0;
    long normalHigh = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      SplittableRandom rnd = new SplittableRandom(200 + seed);
      RateAnomalyDetector d =
          RateAnomalyDetector.builder().kind(SeriesKind.COUNTS).direction(Direction.UPPER).build();
      for (int i = 0; i < LENGTH; i++) {
        boolean spike = i > 100 && rnd.nextInt(100) == 0;
        double x = poisson(rnd, 20) + (spike ? 40 : 0);
        double s = d.score(i * 60_000L, x);
        assertTrue(s >= 0 && s <= 1);
        if (spike) {
          assertTrue(s > THRESHOLD, "count spike seed " + seed + " scored " + s);
        } else if (i >= 20) {
          normal++;
          normalHigh += s > THRESHOLD ? 1 : 0;
        }
      }
    }
    assertTrue(normalHigh <= normal / 100, normalHigh + " of " + normal);
  }

  private static int poisson(SplittableRandom rnd, double lambda) {
    double l = Math.exp(-lambda);
    int k = 0;
    double p = rnd.nextDouble();
    while (p > l) {
      k++;
      p *= rnd.nextDouble();
    }
    return k;
  }

  @Test
  void score_prefix_unchangedWhenPointsAppended() {
    SplittableRandom rnd = new SplittableRandom(11);
    long[] ts = new long[600];
    double[] xs = new double[600];
    for (int i = 0; i < ts.length; i++) {
      ts[i] = timestamp(rnd, i);
      xs[i] = normalValue(rnd, i) + (i % 97 == 0 ? 100 : 0);
    }
    RateAnomalyDetector full = RateAnomalyDetector.builder().build();
    double[] fullScores = new double[ts.length];
    for (int i = 0; i < ts.length; i++) {
      fullScores[i] = full.score(ts[i], xs[i]);
    }
    for (int prefix : new int[] {1, 19, 20, 21, 100, 333}) {
      RateAnomalyDetector d = RateAnomalyDetector.builder().build();
      for (int i = 0; i < prefix; i++) {
        assertEquals(fullScores[i], d.score(ts[i], xs[i]), 0.0, "prefix " + prefix);
      }
    }
    RateAnomalyDetector c = full.copy();
    assertEquals(full.score(ts[0] + 1_000_000_000L, 100), c.score(ts[0] + 1_000_000_000L, 100));
  }

  @Test
  void score_warmUpAndHostileInput_alwaysInUnitInterval() {
    RateAnomalyDetector d = RateAnomalyDetector.builder().build();
    for (int i = 0; i < RateAnomalyDetector.DEFAULT_WARM_UP_POINTS; i++) {
      assertEquals(0.0, d.score(i, 5.0), 0.0);
    }
    SplittableRandom rnd = new SplittableRandom(3);
    double[] hostile = {0, 0, 1e300, -1e300, Double.NaN, Double.POSITIVE_INFINITY, 5, 5, 5, 1e-300};
    for (int i = 0; i < 5_000; i++) {
      double x = rnd.nextInt(3) == 0 ? hostile[rnd.nextInt(hostile.length)] : 5.0;
      double s = d.score(rnd.nextLong(0, 10_000), x); // out-of-order, repeated timestamps
      assertTrue(s >= 0 && s <= 1, "score " + s + " for " + x);
    }
    RateAnomalyDetector counts = RateAnomalyDetector.builder().kind(SeriesKind.COUNTS).build();
    for (int i = 0; i < 500; i++) {
      double s = counts.score(i * 1000L, i % 50 == 49 ? 1e9 : 0);
      assertTrue(s >= 0 && s <= 1);
    }
  }

  @Test
  void builder_badParameters_rejectedNamingTheBound() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RateAnomalyDetector.builder().robustWindow(10).warmUpPoints(11).build());
    assertTrue(e.getMessage().contains("robustWindow=10"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> RateAnomalyDetector.builder().halfLifeMillis(-1).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> RateAnomalyDetector.builder().anomalyThreshold(0).build());
  }

  @Test
  void halfLife_automatic_isThirtyMedianGaps() {
    RateAnomalyDetector d = RateAnomalyDetector.builder().build();
    for (int i = 0; i <= 20; i++) {
      d.score(i * 60_000L, 1.0 + i % 2);
    }
    assertEquals(30 * 60_000L, d.halfLifeMillis());
    RateAnomalyDetector fixed = RateAnomalyDetector.builder().halfLifeMillis(5_000).build();
    assertEquals(5_000, fixed.halfLifeMillis());
  }
}
