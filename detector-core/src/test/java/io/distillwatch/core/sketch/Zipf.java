package io.distillwatch.core.sketch;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A reproducible Zipf-like stream: rank r in [1, universe] with probability proportional to r^-s.
 */
final class Zipf {
  private final double[] cumulative;

  Zipf(int universe, double exponent) {
    cumulative = new double[universe];
    double sum = 0;
    for (int r = 1; r <= universe; r++) {
      sum += Math.pow(r, -exponent);
      cumulative[r - 1] = sum;
    }
    for (int i = 0; i < universe; i++) {
      cumulative[i] /= sum;
    }
  }

  /** {@code length} ranks drawn with this seed. */
  int[] ranks(long seed, int length) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] out = new int[length];
    for (int i = 0; i < length; i++) {
      int pos = Arrays.binarySearch(cumulative, random.nextDouble());
      out[i] = (pos >= 0 ? pos : -pos - 1) + 1;
    }
    return out;
  }

  /** The key hashed for rank r in trial seed: distinct trials see unrelated hashes. */
  static long key(long seed, int rank) {
    return Hash64.hash(seed * 0x1_0000_0000L + rank);
  }
}
