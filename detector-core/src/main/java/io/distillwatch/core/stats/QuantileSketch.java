package io.distillwatch.core.stats;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * A KLL streaming quantile sketch over doubles (Karnin, Lang and Liberty 2016), used to learn the
 * population distribution of a detection signal online and read tail probabilities from it.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #rank(double)} estimates the fraction of values {@code <= x}; {@link
 *       #quantile(double)} returns the smallest retained value whose estimated rank is {@code >= q}
 *       ({@code quantile(0)} is the exact minimum, {@code quantile(1)} the exact maximum).
 *   <li>Error: for any fixed {@code x}, with probability at least {@code 1 - delta}, {@code
 *       |rank(x) - trueRank(x)| <= rankErrorBound(delta)}. The bound is computed from this sketch's
 *       own compaction history (see below), so it is exact for small {@code n} (0: no compaction
 *       yet means exact ranks) and about {@code 2.3 / k} at {@code delta = 0.01} for large streams;
 *       it survives {@link #merge} and serialisation.
 *   <li>Space: about {@code 3k} retained values ({@code ~ 4.8 KB} serialised at the default {@code
 *       k = 200}), growing only with {@code log(n / k)} extra levels of at least 8 items.
 *   <li>{@link #update(double)} is amortised O(1) (O(log k) for the occasional sort) and allocates
 *       only when a level outgrows its array, which happens O(log n) times in a sketch's life. NaN
 *       values are ignored.
 * </ul>
 *
 * <p>Implementation notes. Level {@code h} holds items of weight {@code 2^h}; level 0 is an
 * unsorted buffer, levels {@code >= 1} are sorted. Level capacities are {@code max(8, ceil(k *
 * (2/3)^depth))} with depth counted from the top level (the KLL paper's geometric capacities, as in
 * Apache DataSketches). Compaction is lazy, as in DataSketches: only when the total retained count
 * reaches the total capacity is the lowest level at or above its capacity compacted: sorted, an odd
 * item left in place, and every other item (random offset) promoted, merged into the next level.
 * For a fixed {@code x}, a compaction at level {@code h} changes the estimated count of items
 * {@code <= x} by 0 or {@code +-2^h} with equal probability, so the error is a martingale with
 * bounded increments and Azuma-Hoeffding gives {@code P(|err| >= t) <= 2 exp(-t^2 / (2 sum_c
 * w_c^2))}. The sketch keeps {@code sum_c w_c^2} over its compactions (merges add the other's sum),
 * which is what {@link #rankErrorBound(double)} uses. Coin flips come from a xorshift64 generator
 * whose state is part of the sketch, so runs are reproducible.
 */
public final class QuantileSketch {
  /** Default accuracy parameter. */
  public static final int DEFAULT_K = 200;

  /** Smallest accepted {@code k}. */
  public static final int MIN_K = 8;

  /** Largest accepted {@code k}. */
  public static final int MAX_K = 1 << 15;

  static final byte SERIAL_VERSION = 1;
  private static final int MIN_LEVEL_CAPACITY = 8;
  private static final int MAX_LEVELS = 61;
  private static final double CAPACITY_RATIO = 2.0 / 3.0;

  private final int k;
  private long n;
  private double min = Double.NaN;
  private double max = Double.NaN;
  private int numLevels;
  private double[][] levels;
  private int[] sizes;
  private int[] capacities;
  private int totalCapacity;
  private int retained;
  private double[] buffer;
  private long rng;
  private double errorVariance;

  /** A sketch with {@code k = 200} and a time-derived seed. */
  public QuantileSketch() {
    this(DEFAULT_K);
  }

  /** A sketch with the given {@code k} and a time-derived seed. */
  public QuantileSketch(int k) {
    this(k, System.nanoTime());
  }

  /**
   * @param k accuracy parameter in {@code [MIN_K, MAX_K]}: error scales as about {@code 1 / k}
   * @param seed seed of the compaction coin flips
   */
  public QuantileSketch(int k, long seed) {
    if (k < MIN_K || k > MAX_K) {
      throw new IllegalArgumentException("k must be in [" + MIN_K + ", " + MAX_K + "], got " + k);
    }
    this.k = k;
    this.rng = mix(seed);
    this.levels = new double[][] {new double[k]};
    this.sizes = new int[1];
    this.numLevels = 1;
    this.buffer = new double[k];
    recomputeCapacities();
  }

  private static long mix(long seed) {
    long z = seed + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return z == 0 ? 0x2545F4914F6CDD1DL : z;
  }

  private void recomputeCapacities() {
    capacities = new int[numLevels];
    int totalCap = 0;
    for (int h = 0; h < numLevels; h++) {
      int depth = numLevels - 1 - h;
      int cap = (int) Math.ceil(k * Math.pow(CAPACITY_RATIO, depth));
      capacities[h] = Math.max(MIN_LEVEL_CAPACITY, cap);
      totalCap += capacities[h];
    }
    totalCapacity = totalCap;
  }

  /** Adds a value; NaN is ignored. */
  public void update(double x) {
    if (Double.isNaN(x)) {
      return;
    }
    if (n == 0) {
      min = x;
      max = x;
    } else if (x < min) {
      min = x;
    } else if (x > max) {
      max = x;
    }
    n++;
    int s = sizes[0];
    double[] level0 = levels[0];
    if (s == level0.length) {
      level0 = grow(0, s + 1);
    }
    level0[s] = x;
    sizes[0] = s + 1;
    if (++retained >= totalCapacity) {
      compress();
    }
  }

  private double[] grow(int h, int minLength) {
    double[] a = Arrays.copyOf(levels[h], Math.max(minLength, levels[h].length * 2));
    levels[h] = a;
    return a;
  }

  private void compress() {
    while (retained >= totalCapacity) {
      int h = 0;
      while (sizes[h] < capacities[h]) {
        h++;
      }
      if (h == numLevels - 1) {
        addLevel();
      }
      compactLevel(h);
    }
  }

  private void addLevel() {
    if (numLevels == MAX_LEVELS) {
      throw new IllegalStateException("QuantileSketch exceeded " + MAX_LEVELS + " levels");
    }
    levels = Arrays.copyOf(levels, numLevels + 1);
    levels[numLevels] = new double[k];
    sizes = Arrays.copyOf(sizes, numLevels + 1);
    numLevels++;
    recomputeCapacities();
  }

  /** Halves level h (sorting it first if h = 0) and merges the survivors into level h + 1. */
  private void compactLevel(int h) {
    double[] a = levels[h];
    int s = sizes[h];
    if (h == 0) {
      Arrays.sort(a, 0, s);
    }
    int start = s & 1; // an odd item (the smallest) stays at this level
    int promoted = (s - start) >>> 1;
    int from = start + nextBit();
    double[] up = levels[h + 1];
    int upSize = sizes[h + 1];
    int total = promoted + upSize;
    if (buffer.length < total) {
      buffer = new double[Math.max(total, buffer.length * 2)];
    }
    double[] out = buffer;
    int i = 0;
    int j = 0;
    int o = 0;
    while (i < promoted && j < upSize) {
      double x = a[from + 2 * i];
      double y = up[j];
      if (x <= y) {
        out[o++] = x;
        i++;
      } else {
        out[o++] = y;
        j++;
      }
    }
    while (i < promoted) {
      out[o++] = a[from + 2 * i++];
    }
    while (j < upSize) {
      out[o++] = up[j++];
    }
    // swap the merged buffer in as level h + 1; the old level array becomes the buffer
    levels[h + 1] = out;
    buffer = up;
    sizes[h + 1] = total;
    sizes[h] = start;
    retained -= promoted;
    double w = Math.scalb(1.0, h);
    errorVariance += w * w;
  }

  private int nextBit() {
    long x = rng;
    x ^= x << 13;
    x ^= x >>> 7;
    x ^= x << 17;
    rng = x;
    return (int) (x >>> 63);
  }

  /** Number of values added (NaN excluded). */
  public long n() {
    return n;
  }

  /** Whether no value was added. */
  public boolean isEmpty() {
    return n == 0;
  }

  /** The accuracy parameter. */
  public int k() {
    return k;
  }

  /** Number of values currently retained. */
  public int retained() {
    return retained;
  }

  /** Exact minimum, NaN when empty. */
  public double min() {
    return min;
  }

  /** Exact maximum, NaN when empty. */
  public double max() {
    return max;
  }

  /** Estimated fraction of values {@code <= x}; NaN when empty. O(retained). */
  public double rank(double x) {
    if (n == 0) {
      return Double.NaN;
    }
    long weight = 0;
    double[] level0 = levels[0];
    for (int i = 0, s = sizes[0]; i < s; i++) {
      if (level0[i] <= x) {
        weight++;
      }
    }
    for (int h = 1; h < numLevels; h++) {
      weight += ((long) upperBound(levels[h], sizes[h], x)) << h;
    }
    return (double) weight / n;
  }

  /** Number of items in sorted a[0, size) that are <= x. */
  private static int upperBound(double[] a, int size, double x) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] <= x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * The smallest retained value whose estimated rank is {@code >= q}; exact min at {@code q = 0}
   * and exact max at {@code q = 1}; NaN when empty. Allocates a sorted view (read path only).
   *
   * @param q in {@code [0, 1]}
   */
  public double quantile(double q) {
    checkQuantile(q);
    if (n == 0) {
      return Double.NaN;
    }
    if (q == 0) {
      return min;
    }
    if (q == 1) {
      return max;
    }
    double[] items = new double[retained];
    long[] weights = new long[retained];
    sortedView(items, weights);
    return quantileOf(items, weights, q);
  }

  /**
   * {@link #quantile(double)} of each {@code qs[i]} into {@code out[i]}, with the same results as
   * that many calls but from one sorted view (read path only: allocates the view once).
   *
   * @param qs each in {@code [0, 1]}
   * @param out at least {@code qs.length} long
   */
  public void quantiles(double[] qs, double[] out) {
    for (double q : qs) {
      checkQuantile(q);
    }
    double[] items = null;
    long[] weights = null;
    for (int i = 0; i < qs.length; i++) {
      double q = qs[i];
      if (n == 0) {
        out[i] = Double.NaN;
      } else if (q == 0) {
        out[i] = min;
      } else if (q == 1) {
        out[i] = max;
      } else {
        if (items == null) {
          items = new double[retained];
          weights = new long[retained];
          sortedView(items, weights);
          for (int j = 1; j < weights.length; j++) {
            weights[j] += weights[j - 1]; // now cumulative
          }
        }
        out[i] = quantileOfCumulative(items, weights, q);
      }
    }
  }

  /**
   * {@link #quantileOf} from cumulative weights: the first item whose cumulative weight reaches the
   * target, found by binary search (the sums only grow) where quantileOf scans; the same item, so
   * the same value. A calibrator's refresh reads 35 quantiles of about 600 items.
   */
  private double quantileOfCumulative(double[] items, long[] cumulative, double q) {
    double target = q * n;
    int lo = 0;
    int hi = items.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] >= target) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo < items.length ? items[lo] : max;
  }

  private static void checkQuantile(double q) {
    if (!(q >= 0 && q <= 1)) {
      throw new IllegalArgumentException("q must be in [0, 1], got " + q);
    }
  }

  /**
   * Fills {@code items} (of length {@code retained}) with the retained items in ascending order by
   * {@link Double#compare}, and {@code weights} with their weights: exactly what {@link
   * #sortedViewBySort} gives.
   *
   * <p>Implementation note: only level 0 is unsorted; every higher level is the merge output of a
   * compaction, so it is sorted already. Level 0 is sorted on its own and the levels are merged in
   * order, bottom up, each merge taking from the lower levels on ties: a stable merge of the levels
   * in the order {@link #sortedViewBySort} lays them out, so the result is that of its stable sort.
   * This is O(retained) per level instead of a sort of every item through an index permutation; a
   * calibrator builds this view every 1,024 updates. A level that is not in {@code Double.compare}
   * order (compaction merges with {@code <=}, which takes {@code 0.0} and {@code -0.0} as equal)
   * falls back to the sort.
   */
  void sortedView(double[] items, long[] weights) {
    int m = sizes[0];
    System.arraycopy(levels[0], 0, items, 0, m);
    Arrays.sort(items, 0, m); // equal doubles (by compare) are identical, and all weigh 1
    Arrays.fill(weights, 0, m, 1L);
    for (int h = 1; h < numLevels; h++) {
      if (!ascending(levels[h], sizes[h])) {
        sortedViewBySort(items, weights);
        return;
      }
    }
    double[] ai = items;
    long[] aw = weights;
    double[] bi = new double[items.length];
    long[] bw = new long[items.length];
    for (int h = 1; h < numLevels; h++) {
      double[] level = levels[h];
      int s = sizes[h];
      if (s == 0) {
        continue;
      }
      long w = 1L << h;
      int i = 0;
      int j = 0;
      int o = 0;
      while (i < m && j < s) {
        // The higher level's item goes first only if strictly smaller: stable.
        if (Double.compare(level[j], ai[i]) < 0) {
          bi[o] = level[j++];
          bw[o++] = w;
        } else {
          bi[o] = ai[i];
          bw[o++] = aw[i++];
        }
      }
      while (i < m) {
        bi[o] = ai[i];
        bw[o++] = aw[i++];
      }
      while (j < s) {
        bi[o] = level[j++];
        bw[o++] = w;
      }
      m = o;
      double[] ti = ai;
      ai = bi;
      bi = ti;
      long[] tw = aw;
      aw = bw;
      bw = tw;
    }
    if (ai != items) {
      System.arraycopy(ai, 0, items, 0, m);
      System.arraycopy(aw, 0, weights, 0, m);
    }
  }

  private static boolean ascending(double[] a, int size) {
    for (int i = 1; i < size; i++) {
      if (Double.compare(a[i - 1], a[i]) > 0) {
        return false;
      }
    }
    return true;
  }

  /** The sorted view by a stable sort of every retained item: the reference for the merge. */
  void sortedViewBySort(double[] items, long[] weights) {
    int o = 0;
    for (int h = 0; h < numLevels; h++) {
      for (int i = 0; i < sizes[h]; i++) {
        items[o] = levels[h][i];
        weights[o++] = 1L << h;
      }
    }
    sortTogether(items, weights);
  }

  private double quantileOf(double[] items, long[] weights, double q) {
    double target = q * n;
    long cumulative = 0;
    for (int i = 0; i < items.length; i++) {
      cumulative += weights[i];
      if (cumulative >= target) {
        return items[i];
      }
    }
    return max;
  }

  /**
   * Sorts {@code items} ascending by {@link Double#compare}, permuting {@code weights} alike;
   * stable: equal items keep their order, so the result is exactly that of a stable sort of the
   * indexes by that comparison (what this did with {@code Arrays.sort} of boxed indexes).
   *
   * <p>Implementation note: insertion sort of runs of {@value #RUN} indexes, then bottom-up merges,
   * over an {@code int[]} permutation: no boxing and no comparator call (the boxed sort was about a
   * third of {@code DetectorBenchmark}'s time in a calibrator's refresh and allocated an {@code
   * Integer} per item). Since stop 19 {@link #sortedView} merges the levels instead and sorts only
   * when a level is out of {@code Double.compare} order.
   */
  static void sortTogether(double[] items, long[] weights) {
    int n = items.length;
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int lo = 0; lo < n; lo += RUN) {
      int hi = Math.min(lo + RUN, n);
      for (int i = lo + 1; i < hi; i++) {
        int x = order[i];
        double v = items[x];
        int j = i - 1;
        // Strictly greater moves right: equal items keep their order.
        while (j >= lo && Double.compare(items[order[j]], v) > 0) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = x;
      }
    }
    int[] from = order;
    int[] to = new int[n];
    for (int width = RUN; width < n; width *= 2) {
      for (int lo = 0; lo < n; lo += 2 * width) {
        int mid = Math.min(lo + width, n);
        int hi = Math.min(lo + 2 * width, n);
        int i = lo;
        int j = mid;
        int o = lo;
        while (i < mid && j < hi) {
          // The right run's item goes first only if strictly smaller: stable.
          if (Double.compare(items[from[j]], items[from[i]]) < 0) {
            to[o++] = from[j++];
          } else {
            to[o++] = from[i++];
          }
        }
        while (i < mid) {
          to[o++] = from[i++];
        }
        while (j < hi) {
          to[o++] = from[j++];
        }
      }
      int[] t = from;
      from = to;
      to = t;
    }
    double[] si = new double[n];
    long[] sw = new long[n];
    for (int i = 0; i < n; i++) {
      si[i] = items[from[i]];
      sw[i] = weights[from[i]];
    }
    System.arraycopy(si, 0, items, 0, n);
    System.arraycopy(sw, 0, weights, 0, n);
  }

  /** Length of the runs {@link #sortTogether} insertion-sorts before merging. */
  private static final int RUN = 16;

  /**
   * Bound on the rank error that holds for any fixed {@code x} with probability at least {@code 1 -
   * delta}: {@code sqrt(2 ln(2 / delta) sum_c w_c^2) / n} (Azuma-Hoeffding over this sketch's
   * compactions). 0 while no compaction happened (ranks are exact).
   *
   * @param delta failure probability in {@code (0, 1)}
   */
  public double rankErrorBound(double delta) {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    if (n == 0) {
      return 0.0;
    }
    return Math.sqrt(2.0 * Math.log(2.0 / delta) * errorVariance) / n;
  }

  /**
   * Adds the other sketch's values to this one (the other is unchanged); afterwards this sketch is
   * a sketch of the union, with the error bounds of both combined.
   *
   * @throws IllegalArgumentException if the sketches have different {@code k}
   */
  public void merge(QuantileSketch other) {
    if (other.k != k) {
      throw new IllegalArgumentException(
          "can only merge sketches with the same k: " + k + " vs " + other.k);
    }
    if (other.n == 0) {
      return;
    }
    if (n == 0) {
      min = other.min;
      max = other.max;
    } else {
      min = Math.min(min, other.min);
      max = Math.max(max, other.max);
    }
    while (numLevels < other.numLevels) {
      addLevel();
    }
    for (int h = 0; h < other.numLevels; h++) {
      int os = other.sizes[h];
      if (os == 0) {
        continue;
      }
      int s = sizes[h];
      if (levels[h].length < s + os) {
        grow(h, s + os);
      }
      System.arraycopy(other.levels[h], 0, levels[h], s, os);
      sizes[h] = s + os;
      if (h > 0) {
        mergeSortedInPlace(levels[h], s, s + os);
      }
    }
    n += other.n;
    retained += other.retained;
    errorVariance += other.errorVariance;
    compress();
  }

  private void mergeSortedInPlace(double[] a, int mid, int end) {
    if (buffer.length < end) {
      buffer = new double[Math.max(end, buffer.length * 2)];
    }
    System.arraycopy(a, 0, buffer, 0, end);
    int i = 0;
    int j = mid;
    int o = 0;
    while (i < mid && j < end) {
      a[o++] = buffer[i] <= buffer[j] ? buffer[i++] : buffer[j++];
    }
    while (i < mid) {
      a[o++] = buffer[i++];
    }
    while (j < end) {
      a[o++] = buffer[j++];
    }
  }

  /** An independent deep copy (same coin-flip state). */
  public QuantileSketch copy() {
    return fromBytes(toBytes());
  }

  /**
   * Serial form version 1.
   *
   * <pre>
   * size      field
   * 1         version (1)
   * 4         k (int)
   * 8         n (long); if 0 nothing follows
   * 8, 8      min, max (double)
   * 8         coin-flip generator state (long)
   * 8         sum of squared compaction weights (double)
   * 1         numLevels
   * 4 each    size of level 0 .. numLevels-1 (int)
   * 8 each    items, level 0 first (double)
   * </pre>
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeByte(SERIAL_VERSION);
    out.writeInt(k);
    out.writeLong(n);
    if (n == 0) {
      return;
    }
    out.writeDouble(min);
    out.writeDouble(max);
    out.writeLong(rng);
    out.writeDouble(errorVariance);
    out.writeByte(numLevels);
    for (int h = 0; h < numLevels; h++) {
      out.writeInt(sizes[h]);
    }
    for (int h = 0; h < numLevels; h++) {
      for (int i = 0; i < sizes[h]; i++) {
        out.writeDouble(levels[h][i]);
      }
    }
  }

  /** Reads the form written by {@link #writeTo}. */
  public static QuantileSketch readFrom(DataInput in) throws IOException {
    int version = in.readByte();
    if (version != SERIAL_VERSION) {
      throw new IOException("unsupported QuantileSketch serial version " + version);
    }
    int k = in.readInt();
    if (k < MIN_K || k > MAX_K) {
      throw new IOException("corrupt QuantileSketch: k " + k);
    }
    long n = in.readLong();
    QuantileSketch s = new QuantileSketch(k, 0);
    if (n == 0) {
      return s;
    }
    if (n < 0) {
      throw new IOException("corrupt QuantileSketch: n " + n);
    }
    s.n = n;
    s.min = in.readDouble();
    s.max = in.readDouble();
    s.rng = in.readLong();
    s.errorVariance = in.readDouble();
    int numLevels = in.readByte();
    if (numLevels < 1 || numLevels > MAX_LEVELS) {
      throw new IOException("corrupt QuantileSketch: " + numLevels + " levels");
    }
    while (s.numLevels < numLevels) {
      s.addLevel();
    }
    long weight = 0;
    for (int h = 0; h < numLevels; h++) {
      int size = in.readInt();
      if (size < 0 || size > 64 * MAX_K) {
        throw new IOException("corrupt QuantileSketch: level size " + size);
      }
      s.sizes[h] = size;
      s.retained += size;
      weight += ((long) size) << h;
    }
    if (weight != n) {
      throw new IOException("corrupt QuantileSketch: weights sum to " + weight + ", n is " + n);
    }
    for (int h = 0; h < numLevels; h++) {
      if (s.levels[h].length < s.sizes[h]) {
        s.levels[h] = new double[s.sizes[h]];
      }
      for (int i = 0; i < s.sizes[h]; i++) {
        s.levels[h][i] = in.readDouble();
      }
    }
    return s;
  }

  /** The serial form as bytes. */
  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 8 * retained);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads the form produced by {@link #toBytes()}. */
  public static QuantileSketch fromBytes(byte[] bytes) {
    try {
      return readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read QuantileSketch: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "QuantileSketch{k="
        + k
        + ", n="
        + n
        + ", retained="
        + retained
        + ", levels="
        + numLevels
        + '}';
  }
}
