package io.distillwatch.core.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RobustStatsTest {

  private static double sortedMedian(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    int n = s.length;
    return (n & 1) == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  @Test
  void medianAndMad_randomArraysWithTies_matchSortedBruteForce() {
    double[] scratch = new double[200];
    for (int seed = 0; seed < 2_000; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed);
      int len = 1 + rnd.nextInt(120);
      double[] values = new double[len + 10];
      for (int i = 0; i < values.length; i++) {
        values[i] = seed % 3 == 0 ? rnd.nextInt(5) : rnd.nextGaussian() * 10;
      }
      int from = rnd.nextInt(10);
      int to = from + len;
      double[] before = values.clone();
      double[] range = Arrays.copyOfRange(values, from, to);
      double med = sortedMedian(range);
      double[] dev = new double[len];
      for (int i = 0; i < len; i++) {
        dev[i] = Math.abs(range[i] - med);
      }
      assertEquals(med, RobustStats.median(values, from, to, scratch), 0.0, "seed " + seed);
      assertEquals(1.4826 * sortedMedian(dev), RobustStats.mad(values, from, to, scratch), 1e-12);
      assertEquals(med, RobustStats.median(values, from, to, null), 0.0);
      assertEquals(
          RobustStats.mad(values, from, to, scratch),
          RobustStats.mad(values, from, to, med, scratch),
          0.0);
      assertArrayEquals(before, values, "input must not change");
    }
  }

  @Test
  void mad_normalSample_estimatesSigma() {
    SplittableRandom rnd = new SplittableRandom(1);
    double[] v = new double[20_001];
    for (int i = 0; i < v.length; i++) {
      v[i] = 5 + 3 * rnd.nextGaussian();
    }
    assertEquals(3.0, RobustStats.mad(v, 0, v.length, null), 0.1);
  }

  @Test
  void robustZ_zeroMad_usesFloor() {
    assertEquals(2e9, RobustStats.robustZ(3, 1, 0), 1e-3);
    assertEquals(2.0, RobustStats.robustZ(3, 1, 0, 1.0), 0.0);
    assertEquals(-1.0, RobustStats.robustZ(1, 3, 2), 0.0);
    assertThrows(IllegalArgumentException.class, () -> RobustStats.robustZ(1, 1, 1, 0));
  }

  @Test
  void median_badRangeOrSmallScratch_rejected() {
    double[] v = {1, 2, 3};
    assertThrows(IllegalArgumentException.class, () -> RobustStats.median(v, 1, 1, null));
    assertThrows(IllegalArgumentException.class, () -> RobustStats.median(v, 0, 4, null));
    assertThrows(IllegalArgumentException.class, () -> RobustStats.median(v, 0, 3, new double[2]));
  }
}
