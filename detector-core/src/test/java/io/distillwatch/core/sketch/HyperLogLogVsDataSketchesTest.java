package io.distillwatch.core.sketch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;
import org.junit.jupiter.api.Test;

/**
 * Accuracy against Apache DataSketches 6.2.0 {@code HllSketch} (HLL_6, lgConfigK = p: the same 0.75
 * m bytes of registers) on the same streams of distinct items (DataSketches hashes its input
 * itself, so both see the same items, not the same hashes). Requirement: at equal memory on the
 * same streams our RMSE is at most 1.15x theirs, per band of cardinalities, for each pair of
 * corresponding estimators:
 *
 * <ul>
 *   <li>single stream: our {@link HyperLogLog#estimate()} (HIP) vs their {@code getEstimate()} (HIP
 *       while never merged);
 *   <li>single stream: our {@link HyperLogLog#registerEstimate()} vs their {@code
 *       getCompositeEstimate()} (their register-only estimator);
 *   <li>merged: the stream split at random into two sketches, our {@link HyperLogLog#merge} vs
 *       their {@code Union} of the two (both then estimate from registers).
 * </ul>
 *
 * <p>Band limits. Below n = 3m/32 DataSketches is not in HLL mode: it keeps 26-bit coupons (LIST,
 * then SET) and counts exactly (checked below: zero error), and at the promotion to HLL it seeds
 * its HIP accumulator with that exact count. Ours has HIP variance n^2/(3m) from the first item. In
 * HIP variance terms that head start is worth (3m/32)^2/(3m) = 0.003m, which is a large share of
 * the total just after promotion (measured ratio ~1.1-1.5 at n/m = 0.125..0.25) but below 2% of it
 * from n = m/2 on. So the asserted bands start at n = m/2; the [m/8, m/4] band is measured and
 * reported, not asserted (closing it would need a sparse exact mode, which this sketch does not
 * have). For the merged comparison each half must itself be in HLL mode (n/2 > 3m/32), else their
 * union is an exact coupon union; n >= m/2 satisfies that too.
 */
class HyperLogLogVsDataSketchesTest {

  private static final int P = 10;
  private static final int M = 1 << P;

  /** Bands of n/m; the first is reported only (see the class comment). */
  private static final double[][] BANDS = {
    {0.125, 0.25}, {0.5, 0.75, 1}, {1.5, 2, 2.5, 3}, {3.5, 4, 5}, {10, 20}, {30, 60}
  };

  private static final int FIRST_ASSERTED_BAND = 1;

  /**
   * 1000 trials: the RMSE ratio of two independent estimators has sd ~ 1/sqrt(trials) = 0.03 per
   * point (less for a band of several points), so the 1.15 bar is ~4 sd above a true ratio of 1.
   */
  private static final int TRIALS = 1_000;

  @Test
  void rmse_perCardinalityBand_atMost115PercentOfDataSketches() {
    int points = 0;
    for (double[] band : BANDS) {
      points += band.length;
    }
    long[] checkpoints = new long[points];
    int c0 = 0;
    for (double[] band : BANDS) {
      for (double x : band) {
        checkpoints[c0++] = Math.round(x * M);
      }
    }
    String[] names = {
      "ours estimate (HIP)", "DS getEstimate (HIP)",
      "ours registerEstimate", "DS getCompositeEstimate",
      "ours merged", "DS Union"
    };
    double[][][] errors = new double[names.length][points][TRIALS];
    for (int t = 0; t < TRIALS; t++) {
      SplittableRandom random = new SplittableRandom(90_000 + t);
      HyperLogLog hll = new HyperLogLog(P);
      HllSketch ds = new HllSketch(P, TgtHllType.HLL_6);
      HyperLogLog[] halves = {new HyperLogLog(P), new HyperLogLog(P)};
      HllSketch[] dsHalves = {
        new HllSketch(P, TgtHllType.HLL_6), new HllSketch(P, TgtHllType.HLL_6)
      };
      long n = 0;
      for (int c = 0; c < points; c++) {
        for (; n < checkpoints[c]; n++) {
          long item = random.nextLong();
          long hash = Hash64.hash(item);
          hll.add(hash);
          ds.update(item);
          int half = random.nextInt(2);
          halves[half].add(hash);
          dsHalves[half].update(item);
        }
        HyperLogLog merged = halves[0].copy();
        merged.merge(halves[1]);
        Union union = new Union(P);
        union.update(dsHalves[0]);
        union.update(dsHalves[1]);
        // Both merged sketches must have left HIP: ours by contract, theirs by its union (once
        // both halves are in HLL mode; before that their union is an exact coupon union).
        assertFalse(merged.usesHipEstimate());
        if (n >= M / 2) {
          assertEquals(union.getCompositeEstimate(), union.getEstimate(), "n=" + n);
        }
        double[] estimates = {
          hll.estimate(),
          ds.getEstimate(),
          hll.registerEstimate(),
          ds.getCompositeEstimate(),
          merged.estimate(),
          union.getEstimate()
        };
        for (int k = 0; k < names.length; k++) {
          errors[k][c][t] = estimates[k] / n - 1;
        }
      }
    }
    StringBuilder report = new StringBuilder();
    boolean ok = true;
    int c = 0;
    for (int b = 0; b < BANDS.length; b++) {
      double[] band = BANDS[b];
      double[] bandRmse = new double[names.length];
      for (int k = 0; k < names.length; k++) {
        double sum = 0;
        for (int i = 0; i < band.length; i++) {
          sum += sq(Stats.rms(errors[k][c + i]));
        }
        bandRmse[k] = Math.sqrt(sum / band.length);
      }
      c += band.length;
      boolean asserted = b >= FIRST_ASSERTED_BAND;
      report.append(
          String.format(
              "n/m %s..%s%s:", band[0], band[band.length - 1], asserted ? "" : " (info)"));
      for (int k = 0; k < names.length; k += 2) {
        double ratio = bandRmse[k] / bandRmse[k + 1];
        report.append(
            String.format(
                " | %s %.4f vs %s %.4f ratio %.3f",
                names[k], bandRmse[k], names[k + 1], bandRmse[k + 1], ratio));
        ok &= !asserted || ratio <= 1.15;
      }
      report.append(System.lineSeparator());
    }
    System.out.print(report);
    assertTrue(ok, report.toString());
  }

  @Test
  void dataSketches_belowThreeThirtySecondsOfM_countsExactly() {
    // The reason the comparison bands start in HLL mode: in LIST/SET mode their error is ~0.
    SplittableRandom random = new SplittableRandom(7);
    HllSketch ds = new HllSketch(P, TgtHllType.HLL_6);
    int coupons = 3 * M / 32;
    for (int n = 1; n <= coupons; n++) {
      ds.update(random.nextLong());
      assertEquals(n, ds.getEstimate(), 1e-4 * n, "n=" + n);
    }
  }

  private static double sq(double x) {
    return x * x;
  }
}
