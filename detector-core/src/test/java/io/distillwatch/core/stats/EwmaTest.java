package io.distillwatch.core.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EwmaTest {

  @Test
  void update_irregularOutOfOrderSeries_matchesBruteForceWeightedFormulas() {
    for (int seed = 0; seed < 50; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed);
      long halfLife = 1 + rnd.nextLong(10_000);
      Ewma e = new Ewma(halfLife);
      int n = 1 + rnd.nextInt(300);
      long[] ts = new long[n];
      double[] xs = new double[n];
      long t = rnd.nextLong(-1_000_000, 1_000_000);
      for (int i = 0; i < n; i++) {
        t += rnd.nextInt(4) == 0 ? 0 : rnd.nextLong(3 * halfLife); // irregular, with ties
        ts[i] = rnd.nextInt(5) == 0 ? t - rnd.nextLong(2 * halfLife) : t; // 20% out of order
        xs[i] = 100 + 10 * rnd.nextGaussian();
        e.update(ts[i], xs[i]);
      }
      long tMax = Long.MIN_VALUE;
      for (long x : ts) {
        tMax = Math.max(tMax, x);
      }
      double w = 0;
      double sw = 0;
      for (int i = 0; i < n; i++) {
        double wi = Math.pow(2, -(double) (tMax - ts[i]) / halfLife);
        w += wi;
        sw += wi * xs[i];
      }
      double mean = sw / w;
      double ss = 0;
      for (int i = 0; i < n; i++) {
        double wi = Math.pow(2, -(double) (tMax - ts[i]) / halfLife);
        ss += wi * (xs[i] - mean) * (xs[i] - mean);
      }
      assertEquals(w, e.weight(), 1e-9 * w, "weight seed " + seed);
      assertEquals(mean, e.mean(), 1e-9 * Math.abs(mean), "mean seed " + seed);
      assertEquals(ss / w, e.variance(), 1e-7 * (ss / w) + 1e-12, "variance seed " + seed);
      assertEquals(Math.sqrt(ss / w), e.stdDev(), 1e-7 * Math.sqrt(ss / w) + 1e-9);
      assertEquals(tMax, e.lastTimestamp());
    }
  }

  @Test
  void weight_regularSteadyState_isGeometricSum() {
    Ewma e = new Ewma(100);
    for (int i = 0; i < 10_000; i++) {
      e.update(i, 1.0);
    }
    assertEquals(1.0 / (1.0 - Math.pow(2, -1.0 / 100)), e.weight(), 1e-6);
    assertEquals(0.0, e.variance(), 1e-15);
    assertEquals(e.weight() / 2, e.weight(9_999 + 100), 1e-9);
  }

  @Test
  void update_beforeAnyUpdate_zeroAndNonFiniteIgnored() {
    Ewma e = new Ewma(10);
    assertEquals(0.0, e.mean());
    assertEquals(0.0, e.variance());
    assertEquals(0.0, e.weight());
    e.update(5, Double.NaN);
    e.update(5, Double.POSITIVE_INFINITY);
    assertEquals(0.0, e.weight());
  }

  @Test
  void toBytes_roundTripAndCopy_identicalState() {
    Ewma e = new Ewma(60_000);
    for (int i = 0; i < 100; i++) {
      e.update(i * 1_000L, i % 7);
    }
    Ewma r = Ewma.fromBytes(e.toBytes());
    assertArrayEquals(e.toBytes(), r.toBytes());
    // version 2: 1 version byte, 3 for the half-life of 60,000 ms, 3 for the last timestamp of
    // 99,000 ms (zigzag 198,000 < 2^21), three doubles
    assertEquals(31, e.toBytes().length);
    Ewma c = e.copy();
    c.update(200_000, 100);
    assertEquals(r.mean(), e.mean(), 0.0);
    r.update(200_000, 100);
    assertEquals(c.mean(), r.mean(), 0.0);
  }

  @Test
  void constructor_badHalfLife_rejected() {
    assertThrows(IllegalArgumentException.class, () -> new Ewma(0));
    byte[] bytes = new Ewma(5).toBytes();
    bytes[0] = 3; // a serial version this build does not know
    assertThrows(IllegalArgumentException.class, () -> Ewma.fromBytes(bytes));
  }
}
