package io.distillwatch.core.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InterArrivalStatsTest {
  private static final int SEEDS = 30;
  private static final int EVENTS = 5_000;

  @Test
  void burstiness_periodicScheduler_nearMinusOne() {
    for (int seed = 0; seed < SEEDS; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed);
      InterArrivalStats s = new InterArrivalStats();
      long t = 0;
      for (int i = 0; i < EVENTS; i++) {
        t += 60_000 + rnd.nextInt(-500, 500); // a cron job with +-0.5 s jitter
        s.add(t);
      }
      assertTrue(s.burstiness() < -0.98, "seed " + seed + ": " + s.burstiness());
      assertTrue(s.coefficientOfVariation() < 0.01);
    }
  }

  @Test
  void burstiness_poissonProcess_nearZero() {
    for (int seed = 0; seed < SEEDS; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed);
      InterArrivalStats s = new InterArrivalStats();
      long t = 0;
      for (int i = 0; i < EVENTS; i++) {
        t += Math.round(-Math.log(1 - rnd.nextDouble()) * 30_000);
        s.add(t);
      }
      // sd of the CV estimate for exponential gaps is about 1/sqrt(n) -> 0.014; B ~ (CV-1)/2
      assertEquals(0.0, s.burstiness(), 0.05, "seed " + seed);
      assertEquals(1.0, s.coefficientOfVariation(), 0.1, "seed " + seed);
    }
  }

  @Test
  void burstiness_burstyTraffic_positive() {
    for (int seed = 0; seed < SEEDS; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed);
      InterArrivalStats s = new InterArrivalStats();
      long t = 0;
      for (int i = 0; i < EVENTS; i++) {
        // bursts of ~20 requests 0-2 s apart, separated by exponential pauses of mean 1 h
        t +=
            rnd.nextInt(20) == 0
                ? Math.round(-Math.log(1 - rnd.nextDouble()) * 3_600_000)
                : rnd.nextInt(2_000);
        s.add(t);
      }
      assertTrue(s.burstiness() > 0.3, "seed " + seed + ": " + s.burstiness());
    }
  }

  @Test
  void add_outOfOrderEvent_countedAndIgnored() {
    InterArrivalStats s = new InterArrivalStats();
    assertTrue(Double.isNaN(s.burstiness()));
    s.add(1_000);
    s.add(2_000);
    s.add(500);
    s.add(3_000);
    assertEquals(1, s.outOfOrderCount());
    assertEquals(2, s.gapCount());
    assertEquals(1_000.0, s.meanGap(), 0.0);
    assertEquals(0.0, s.variance(), 0.0);
    assertEquals(-1.0, s.burstiness(), 0.0);
    InterArrivalStats r = InterArrivalStats.fromBytes(s.toBytes());
    assertArrayEquals(s.toBytes(), r.toBytes());
    assertArrayEquals(s.toBytes(), s.copy().toBytes());
  }

  @Test
  void variance_welford_matchesTwoPass() {
    SplittableRandom rnd = new SplittableRandom(3);
    InterArrivalStats s = new InterArrivalStats();
    long[] ts = new long[1000];
    long t = 1_700_000_000_000L;
    for (int i = 0; i < ts.length; i++) {
      t += rnd.nextInt(10_000);
      ts[i] = t;
      s.add(t);
    }
    double mean = 0;
    for (int i = 1; i < ts.length; i++) {
      mean += ts[i] - ts[i - 1];
    }
    mean /= ts.length - 1;
    double ss = 0;
    for (int i = 1; i < ts.length; i++) {
      double d = ts[i] - ts[i - 1] - mean;
      ss += d * d;
    }
    assertEquals(mean, s.meanGap(), 1e-9 * mean);
    assertEquals(ss / (ts.length - 1), s.variance(), 1e-9 * ss / ts.length);
  }
}
