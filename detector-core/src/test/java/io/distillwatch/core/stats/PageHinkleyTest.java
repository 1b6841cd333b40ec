package io.distillwatch.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PageHinkleyTest {
  private static final int SEEDS = 200;
  private static final int CHANGE_AT = 500;

  /** Samples after the change until the signal, or -1 if none within 1000 samples. */
  private static int delay(PageHinkley ph, SplittableRandom rnd, double shift) {
    for (int i = 0; i < CHANGE_AT; i++) {
      if (ph.update(rnd.nextGaussian())) {
        return -2; // false alarm before the change
      }
    }
    for (int i = 0; i < 1000; i++) {
      if (ph.update(shift + rnd.nextGaussian())) {
        return i + 1;
      }
    }
    return -1;
  }

  @Test
  void update_upwardStep_detectedWithinExpectedDelay() {
    // Expected delay ~ lambda / (shift - delta) = 50 / 1.5 ~ 33, plus the drag of the running
    // mean, which absorbs part of the shift.
    int[] delays = new int[SEEDS];
    for (int seed = 0; seed < SEEDS; seed++) {
      PageHinkley ph = new PageHinkley();
      delays[seed] = delay(ph, new SplittableRandom(seed), 2.0);
      assertTrue(delays[seed] > 0, "seed " + seed + " delay " + delays[seed]);
      assertTrue(delays[seed] <= 120, "seed " + seed + " delay " + delays[seed]);
      assertEquals(1, ph.lastDirection());
    }
    Arrays.sort(delays);
    assertTrue(delays[SEEDS / 2] <= 60, "median delay " + delays[SEEDS / 2]);
  }

  @Test
  void update_downwardStep_detectedOnlyWhenTwoSided() {
    for (int seed = 0; seed < 50; seed++) {
      PageHinkley two = new PageHinkley(0.5, 50, 30, true);
      int d = delay(two, new SplittableRandom(seed), -2.0);
      assertTrue(d > 0 && d <= 120, "seed " + seed + " delay " + d);
      assertEquals(-1, two.lastDirection());
      PageHinkley up = new PageHinkley();
      assertEquals(-1, delay(up, new SplittableRandom(seed), -2.0), "upward-only must not fire");
    }
  }

  @Test
  void update_stationarySeries_falseAlarmsRare() {
    // The upward statistic is a random walk with drift -delta; rising lambda above its minimum
    // has probability about exp(-2 delta lambda / sigma^2) = e^-50 per excursion, so alarms on
    // 200 x 5000 stationary samples should essentially never happen. Bound: at most 1% of seeds.
    int seedsWithAlarm = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      SplittableRandom rnd = new SplittableRandom(1_000 + seed);
      PageHinkley ph = new PageHinkley(0.5, 50, 30, true);
      boolean alarm = false;
      for (int i = 0; i < 5_000; i++) {
        alarm |= ph.update(rnd.nextGaussian());
      }
      if (alarm) {
        seedsWithAlarm++;
      }
    }
    assertTrue(seedsWithAlarm <= SEEDS / 100, "seeds with a false alarm: " + seedsWithAlarm);
  }

  @Test
  void update_afterSignal_resetsAndReset_clearsState() {
    PageHinkley ph = new PageHinkley(0, 1, 1, false);
    ph.update(0);
    assertTrue(ph.update(5));
    assertEquals(0, ph.samples());
    ph.update(1);
    ph.reset();
    assertEquals(0, ph.samples());
    assertEquals(0.0, ph.upwardStatistic());
    assertFalse(ph.update(Double.NaN));
    PageHinkley c = ph.copy();
    assertEquals(ph.samples(), c.samples());
  }

  @Test
  void constructor_badParameters_rejected() {
    assertThrows(IllegalArgumentException.class, () -> new PageHinkley(-1, 50, 30, false));
    assertThrows(IllegalArgumentException.class, () -> new PageHinkley(0.5, 0, 30, false));
    assertThrows(IllegalArgumentException.class, () -> new PageHinkley(0.5, 50, 0, false));
  }
}
