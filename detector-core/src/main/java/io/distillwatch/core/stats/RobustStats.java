package io.distillwatch.core.stats;

/**
 * Median, median absolute deviation and robust z-scores over a range of a caller's array.
 *
 * <p>Contract: the input range {@code values[from, to)} is never modified; the work is done in
 * {@code scratch}, which must hold at least {@code to - from} elements (pass {@code null} to let
 * the method allocate). With a scratch array nothing is allocated. The median of an even count is
 * the mean of the two middle values. NaN inputs give unspecified results. An empty range is
 * rejected.
 *
 * <p>Implementation notes: quickselect (Hoare 1961) with median-of-three pivots, expected O(n),
 * instead of sorting; for an even count the lower middle is the maximum of the left partition left
 * by the selection, so one selection suffices. {@link #mad} is scaled by {@value #MAD_TO_SIGMA}
 * ({@code 1 / Phi^-1(3/4)}) so it estimates the standard deviation of normal data (Rousseeuw and
 * Croux 1993).
 */
public final class RobustStats {
  /** Consistency constant making the MAD an estimator of sigma for normal data. */
  public static final double MAD_TO_SIGMA = 1.4826;

  /** The MAD floor used by {@link #robustZ(double, double, double)}. */
  public static final double DEFAULT_MAD_FLOOR = 1e-9;

  private RobustStats() {}

  /** Median of {@code values[from, to)}, using {@code scratch} (or a new array if null). */
  public static double median(double[] values, int from, int to, double[] scratch) {
    int n = checkRange(values, from, to);
    double[] s = scratch(scratch, n);
    System.arraycopy(values, from, s, 0, n);
    return medianInPlace(s, n);
  }

  /**
   * Median absolute deviation of {@code values[from, to)} times {@value #MAD_TO_SIGMA}, using
   * {@code scratch} (or a new array if null).
   */
  public static double mad(double[] values, int from, int to, double[] scratch) {
    int n = checkRange(values, from, to);
    double[] s = scratch(scratch, n);
    System.arraycopy(values, from, s, 0, n);
    double med = medianInPlace(s, n);
    for (int i = 0; i < n; i++) {
      s[i] = Math.abs(values[from + i] - med);
    }
    return MAD_TO_SIGMA * medianInPlace(s, n);
  }

  /**
   * Like {@link #mad(double[], int, int, double[])} around a median the caller already has (saves
   * one selection); {@code median} must be the median of the same range.
   */
  public static double mad(double[] values, int from, int to, double median, double[] scratch) {
    int n = checkRange(values, from, to);
    double[] s = scratch(scratch, n);
    for (int i = 0; i < n; i++) {
      s[i] = Math.abs(values[from + i] - median);
    }
    return MAD_TO_SIGMA * medianInPlace(s, n);
  }

  /** {@code (x - median) / max(mad, DEFAULT_MAD_FLOOR)}. */
  public static double robustZ(double x, double median, double mad) {
    return robustZ(x, median, mad, DEFAULT_MAD_FLOOR);
  }

  /**
   * {@code (x - median) / max(mad, madFloor)}: the floor keeps a constant series (MAD 0) from
   * turning every small change into an infinite score.
   *
   * @param madFloor smallest scale used, {@code > 0}
   */
  public static double robustZ(double x, double median, double mad, double madFloor) {
    if (!(madFloor > 0)) {
      throw new IllegalArgumentException("madFloor must be > 0, got " + madFloor);
    }
    return (x - median) / Math.max(mad, madFloor);
  }

  /** Median of {@code a[0, n)}, reordering {@code a}. */
  static double medianInPlace(double[] a, int n) {
    int k = n >>> 1;
    select(a, n, k);
    if ((n & 1) == 1) {
      return a[k];
    }
    double lowerMiddle = a[0];
    for (int i = 1; i < k; i++) {
      if (a[i] > lowerMiddle) {
        lowerMiddle = a[i];
      }
    }
    return (lowerMiddle + a[k]) * 0.5;
  }

  /**
   * Reorders {@code a[0, n)} so that {@code a[k]} is the k-th smallest, everything before it is
   * {@code <=} and everything after it {@code >=}.
   */
  static void select(double[] a, int n, int k) {
    int lo = 0;
    int hi = n - 1;
    while (hi > lo) {
      int mid = (lo + hi) >>> 1;
      // median of three into a[mid], with a[lo] <= a[mid] <= a[hi]
      if (a[mid] < a[lo]) {
        swap(a, mid, lo);
      }
      if (a[hi] < a[lo]) {
        swap(a, hi, lo);
      }
      if (a[hi] < a[mid]) {
        swap(a, hi, mid);
      }
      double pivot = a[mid];
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (a[i] < pivot) {
          i++;
        }
        while (a[j] > pivot) {
          j--;
        }
        if (i <= j) {
          swap(a, i, j);
          i++;
          j--;
        }
      }
      if (k <= j) {
        hi = j;
      } else if (k >= i) {
        lo = i;
      } else {
        return;
      }
    }
  }

  private static void swap(double[] a, int i, int j) {
    double t = a[i];
    a[i] = a[j];
    a[j] = t;
  }

  private static int checkRange(double[] values, int from, int to) {
    if (from < 0 || to > values.length || from >= to) {
      throw new IllegalArgumentException(
          "need 0 <= from < to <= " + values.length + ", got from=" + from + ", to=" + to);
    }
    return to - from;
  }

  private static double[] scratch(double[] scratch, int n) {
    if (scratch == null) {
      return new double[n];
    }
    if (scratch.length < n) {
      throw new IllegalArgumentException(
          "scratch must hold at least " + n + " values, has " + scratch.length);
    }
    return scratch;
  }
}
