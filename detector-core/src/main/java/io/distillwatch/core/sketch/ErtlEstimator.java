package io.distillwatch.core.sketch;

/**
 * Ertl's improved HyperLogLog estimator [O. Ertl, "New cardinality estimation algorithms for
 * HyperLogLog sketches", 2017, Algorithm 6], computed from the register histogram.
 *
 * <p>With {@code q = 64 - p} and {@code C[k]} the number of registers holding {@code k}, the
 * estimate is {@code alpha_inf m^2 / (m sigma(C[0]/m) + sum_{k=1..q} C[k] 2^-k + m tau(1 -
 * C[q+1]/m) 2^-q)} with {@code alpha_inf = 1 / (2 ln 2)}. The sum is evaluated by Horner's scheme
 * from k = q down to 1 to avoid computing powers of two. sigma and tau converge within ~60
 * iterations for any argument in [0, 1) (their terms shrink doubly exponentially).
 */
final class ErtlEstimator {
  private static final double ALPHA_INF = 0.5 / Math.log(2);

  private ErtlEstimator() {}

  static double estimate(int[] histogram, int p) {
    int m = 1 << p;
    int q = 64 - p;
    double z = m * tau(1.0 - (double) histogram[q + 1] / m);
    for (int k = q; k >= 1; k--) {
      z = 0.5 * (z + histogram[k]);
    }
    z += m * sigma((double) histogram[0] / m);
    return ALPHA_INF * m * ((double) m / z);
  }

  /** sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1); infinite at x = 1 (an empty sketch). */
  static double sigma(double x) {
    if (x == 1.0) {
      return Double.POSITIVE_INFINITY;
    }
    double y = 1.0;
    double z = x;
    double zPrev;
    do {
      x *= x;
      zPrev = z;
      z += x * y;
      y += y;
    } while (z != zPrev);
    return z;
  }

  /** tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3; zero at 0 and 1. */
  static double tau(double x) {
    if (x == 0.0 || x == 1.0) {
      return 0.0;
    }
    double y = 1.0;
    double z = 1.0 - x;
    double zPrev;
    do {
      x = Math.sqrt(x);
      zPrev = z;
      y *= 0.5;
      double d = 1.0 - x;
      z -= d * d * y;
    } while (z != zPrev);
    return z / 3.0;
  }
}
