package io.distillwatch.core.sketch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.junit.jupiter.api.Test;

/**
 * Accuracy against Apache DataSketches 6.2.0 {@code HllSketch} (HLL_6, lgConfigK = p: the same 0.75
 * m bytes of registers) on the same streams of distinct items (DataSketches hashes its input
 * itself, so both see the same items, not the same hashes).
 *
 * <p>What is compared. DataSketches reports two estimators: {@code getEstimate()} is HIP (the
 * historic-inverse-probability martingale, ~0.83/sqrt(m)) while the sketch has never been merged,
 * and exact coupon counting while n is below ~m/8; {@code getCompositeEstimate()} is its
 * register-only estimator, the one it falls back to after a union. Ours is register-only by design
 * (exact merges, no per-stream state), so the like-for-like bar is RMSE <= 1.15x their composite
 * estimator, asserted per band of cardinalities where DataSketches is in HLL mode. Against HIP the
 * theoretical ratio is 1.04 / 0.836 = 1.24; we assert <= 1.15 x 1.24.
 */
class HyperLogLogVsDataSketchesTest {

  @Test
  void rmse_perCardinalityBand_atMost115PercentOfDataSketches() {
    int p = 10;
    int m = 1 << p;
    // Bands of n/m: around the first HLL-mode sizes, the classic transition, and large n.
    double[][] bands = {{1, 1.5, 2}, {2.5, 3, 3.5, 4, 5}, {10, 20}, {30}};
    // 1000 trials: the RMSE ratio of two independent estimators has sd ~ 1/sqrt(trials) = 0.03,
    // so the 1.15 bar is ~4 sd above the measured ~1.02 (measured: 0.96, 1.03, 1.01, 1.02).
    int trials = 1_000;
    int points = 0;
    for (double[] band : bands) {
      points += band.length;
    }
    long[] checkpoints = new long[points];
    int c0 = 0;
    for (double[] band : bands) {
      for (double x : band) {
        checkpoints[c0++] = Math.round(x * m);
      }
    }
    double[][] ours = new double[points][trials];
    double[][] composite = new double[points][trials];
    double[][] hip = new double[points][trials];
    for (int t = 0; t < trials; t++) {
      SplittableRandom random = new SplittableRandom(90_000 + t);
      HyperLogLog hll = new HyperLogLog(p);
      HllSketch ds = new HllSketch(p, TgtHllType.HLL_6);
      long n = 0;
      for (int c = 0; c < points; c++) {
        for (; n < checkpoints[c]; n++) {
          long item = random.nextLong();
          hll.add(Hash64.hash(item));
          ds.update(item);
        }
        ours[c][t] = hll.estimate() / n - 1;
        composite[c][t] = ds.getCompositeEstimate() / n - 1;
        hip[c][t] = ds.getEstimate() / n - 1;
      }
    }
    StringBuilder report = new StringBuilder();
    boolean ok = true;
    int c = 0;
    for (double[] band : bands) {
      double sumOurs = 0;
      double sumComposite = 0;
      double sumHip = 0;
      for (int i = 0; i < band.length; i++, c++) {
        sumOurs += sq(Stats.rms(ours[c]));
        sumComposite += sq(Stats.rms(composite[c]));
        sumHip += sq(Stats.rms(hip[c]));
      }
      double vsComposite = Math.sqrt(sumOurs / sumComposite);
      double vsHip = Math.sqrt(sumOurs / sumHip);
      report.append(
          String.format(
              "n/m %s..%s: rmse ours %.4f composite %.4f hip %.4f ratio %.3f / %.3f%n",
              band[0],
              band[band.length - 1],
              Math.sqrt(sumOurs / band.length),
              Math.sqrt(sumComposite / band.length),
              Math.sqrt(sumHip / band.length),
              vsComposite,
              vsHip));
      ok &= vsComposite <= 1.15 && vsHip <= 1.15 * 1.04 / 0.836;
    }
    assertTrue(ok, report.toString());
  }

  private static double sq(double x) {
    return x * x;
  }
}
