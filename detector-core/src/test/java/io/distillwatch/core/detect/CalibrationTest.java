package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.link.AccountSignals;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CalibrationTest {
  private static final int N = Signal.values().length;
  private static final int RATE = Signal.RATE_VS_POPULATION.ordinal();
  private static final int TIMING = Signal.TIMING_REGULARITY.ordinal();
  private static final int OUTPUT = Signal.OUTPUT_HARVEST.ordinal();

  private static AccountSignals signals(double rate, double timing) {
    double[] v = new double[N];
    Arrays.fill(v, Double.NaN);
    v[RATE] = rate;
    v[TIMING] = timing;
    v[OUTPUT] = 1.0;
    return new AccountSignals(v, new double[6]);
  }

  /**
   * The behaviour group of an account whose only active behaviour signal is its rate (no ASNs, too
   * short a history for timing) is that signal. Accounts evaluated that way are a quiet selection
   * of the stratum, mostly scoring 0, and moments learned over them put an ordinary rate far in the
   * tail.
   */
  @Test
  void groupOfOneSignal_hasThatSignalsTail_evenWhereItsAccountsAreAQuietSelection() {
    for (long seed = 1; seed <= 5; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      Calibration c = new Calibration(DetectorConfig.builder().config());
      // Stratum 0 (under 32 exchanges): accounts with a second behaviour signal have rates spread
      // over [1, 3); those with the rate alone, over [0, 1).
      for (int i = 0; i < 6000; i++) {
        boolean alone = r.nextBoolean();
        c.score(
            alone
                ? signals(r.nextDouble(), Double.NaN)
                : signals(1 + 2 * r.nextDouble(), r.nextGaussian()),
            10);
        c.learn();
      }
      assertTrue(c.calibrated, "seed " + seed);
      // P(rate >= 1.64) = 0.5 * (3 - 1.64) / 2 = 0.34 over the stratum.
      c.score(signals(1.64, Double.NaN), 10);
      assertEquals(0.34, c.pBehaviour, 0.05, "seed " + seed);
      // With a second signal the combiner's learned moments apply as before.
      c.score(signals(1.64, 0.0), 10);
      assertTrue(c.pBehaviour > 0.05 && c.pBehaviour < 1, "seed " + seed + ": " + c.pBehaviour);
    }
  }
}
