package io.distillwatch.core.sketch;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A count-min sketch of non-negative weights per pre-hashed 64-bit key.
 *
 * <p>Contract: {@link #estimate} never underestimates the total weight added for a key, and with
 * {@code N = totalCount()} it exceeds the truth by more than {@code epsilon() * N} with probability
 * at most {@code delta()}, where {@code epsilon = e / width} and {@code delta = e^-depth}. Example:
 * {@code withError(0.001, 0.01)} has width 4096 and depth 5 (160 KiB): a key's estimate is within
 * 0.1% of the stream total of its true count in at least 99% of queries. With conservative update
 * the same bound holds and estimates are never larger than plain update's (usually much smaller for
 * skewed streams), but merging conservative sketches only yields an upper bound (see {@link
 * #merge}). Not thread-safe.
 *
 * <p>Implementation notes. Counters are one row-major {@code long[depth * width]}; the width is a
 * power of two so a row index is a shift. The d row indices come from one 64-bit hash by double
 * hashing [3]: {@code g_i = h1 + i * h2} with {@code h1 = hash ^ seed}, {@code h2 = mix(h1) | 1}
 * (odd, so the d indices differ for a key), and the row index is the top {@code log2 width} bits of
 * {@code g_i}. Rows are then pairwise-independent for a random hash but not fully independent: two
 * keys collide in every row with probability about {@code 1/width^2} instead of {@code
 * 1/width^depth}, which adds at most {@code 1 / (epsilon width^2)} to the failure probability (the
 * keys heavy enough to matter number at most {@code 1/epsilon}), negligible next to delta. Counts
 * are longs; {@code totalCount()} is summed with {@link Math#addExact}, and since no counter
 * exceeds it, no counter can overflow silently. Conservative update [2] raises each of the key's
 * counters only to {@code min + count}.
 *
 * <p>[1] G. Cormode, S. Muthukrishnan, "An improved data stream summary: the count-min sketch and
 * its applications", J. Algorithms 55, 2005. [2] C. Estan, G. Varghese, "New directions in traffic
 * measurement and accounting", SIGCOMM 2002. [3] A. Kirsch, M. Mitzenmacher, "Less hashing, same
 * performance: building a better Bloom filter", ESA 2006.
 */
public final class CountMinSketch {
  /** The largest accepted depth (delta = e^-32 is below 10^-13). */
  public static final int MAX_DEPTH = 32;

  /** The largest accepted width. */
  public static final int MAX_WIDTH = 1 << 26;

  /** The seed used when none is given. */
  public static final long DEFAULT_SEED = 0x5851F42D4C957F2DL;

  private static final String NAME = "CountMinSketch";

  private final int width;
  private final int depth;
  private final int lgWidth;
  private final boolean conservative;
  private final long seed;
  private final long[] counters;
  private final int[] scratch; // counter indices of the key being added (conservative update)
  private long totalCount;

  /**
   * A sketch with {@code width >= e / epsilon} (rounded up to a power of two) and {@code depth =
   * ceil(ln(1 / delta))}, plain (non-conservative) update.
   *
   * @param epsilon the error as a fraction of the total count, in (0, 1)
   * @param delta the probability of exceeding it, in (0, 1)
   */
  public static CountMinSketch withError(double epsilon, double delta) {
    if (!(epsilon > 0 && epsilon < 1)) {
      throw new IllegalArgumentException("epsilon must be in (0, 1), got " + epsilon);
    }
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    double rawWidth = Math.ceil(Math.E / epsilon);
    if (rawWidth > MAX_WIDTH) {
      throw new IllegalArgumentException(
          "epsilon " + epsilon + " needs width " + rawWidth + " > " + MAX_WIDTH);
    }
    int w = Math.max(2, Integer.highestOneBit((int) rawWidth - 1) << 1);
    int d = Math.max(1, (int) Math.ceil(Math.log(1 / delta)));
    return new CountMinSketch(w, d, false);
  }

  /**
   * @param width counters per row, a power of two in [2, 2^26]
   * @param depth rows, in [1, 32]
   * @param conservativeUpdate whether to use conservative update
   */
  public CountMinSketch(int width, int depth, boolean conservativeUpdate) {
    this(width, depth, conservativeUpdate, DEFAULT_SEED);
  }

  /** As {@link #CountMinSketch(int, int, boolean)} with an explicit seed for the row hashes. */
  public CountMinSketch(int width, int depth, boolean conservativeUpdate, long seed) {
    if (width < 2 || width > MAX_WIDTH || Integer.bitCount(width) != 1) {
      throw new IllegalArgumentException(
          "width must be a power of two in [2, " + MAX_WIDTH + "], got " + width);
    }
    if (depth < 1 || depth > MAX_DEPTH) {
      throw new IllegalArgumentException("depth must be in [1, " + MAX_DEPTH + "], got " + depth);
    }
    this.width = width;
    this.depth = depth;
    this.lgWidth = Integer.numberOfTrailingZeros(width);
    this.conservative = conservativeUpdate;
    this.seed = seed;
    this.counters = new long[width * depth];
    this.scratch = new int[depth];
  }

  /**
   * Adds {@code count} occurrences of the key with this hash.
   *
   * @throws IllegalArgumentException if count is negative
   * @throws ArithmeticException if the total count would overflow a long
   */
  public void add(long hash, long count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, got " + count);
    }
    totalCount = Math.addExact(totalCount, count);
    long h1 = hash ^ seed;
    long h2 = Hash64.mix(h1) | 1L;
    int shift = 64 - lgWidth;
    long[] counters = this.counters;
    if (!conservative) {
      long g = h1;
      for (int row = 0, base = 0; row < depth; row++, base += width) {
        counters[base + (int) (g >>> shift)] += count;
        g += h2;
      }
      return;
    }
    // Conservative update: indices are computed once into a scratch array (allocated with the
    // sketch) and the raise is a branch-free max: SketchBenchmark.cmsAddConservative went from
    // 50.4 +- 9.4 ns (recompute indices, branchy raise) to 23.5 +- 7.9 ns on the shared 2-core box.
    int[] index = this.scratch;
    long min = Long.MAX_VALUE;
    long g = h1;
    for (int row = 0, base = 0; row < depth; row++, base += width) {
      int i = base + (int) (g >>> shift);
      index[row] = i;
      min = Math.min(min, counters[i]);
      g += h2;
    }
    long target = min + count;
    for (int row = 0; row < depth; row++) {
      int i = index[row];
      counters[i] = Math.max(counters[i], target);
    }
  }

  /** An upper bound of the total count added for the key with this hash. */
  public long estimate(long hash) {
    long h1 = hash ^ seed;
    long h2 = Hash64.mix(h1) | 1L;
    int shift = 64 - lgWidth;
    long min = Long.MAX_VALUE;
    long g = h1;
    for (int row = 0, base = 0; row < depth; row++, base += width) {
      min = Math.min(min, counters[base + (int) (g >>> shift)]);
      g += h2;
    }
    return min;
  }

  /** The sum of all counts added (N). */
  public long totalCount() {
    return totalCount;
  }

  /** The error bound as a fraction of the total count: {@code e / width}. */
  public double epsilon() {
    return Math.E / width;
  }

  /** The probability of exceeding the error bound: {@code e^-depth}. */
  public double delta() {
    return Math.exp(-depth);
  }

  public int width() {
    return width;
  }

  public int depth() {
    return depth;
  }

  public boolean conservative() {
    return conservative;
  }

  /** The seed of the row hashes; merge requires equal seeds. */
  public long seed() {
    return seed;
  }

  /**
   * Adds {@code other}'s counters to this sketch. For two plain sketches the result equals the
   * sketch of the concatenated streams. For two conservative sketches the sum is still a valid
   * conservative sketch (every counter stays at least the true count of each key mapping to it, so
   * estimates never underestimate and the epsilon-delta bound holds), but it is generally larger
   * than the conservative sketch of the concatenated stream.
   *
   * @throws IllegalArgumentException if width, depth, seed or update mode differ
   */
  public void merge(CountMinSketch other) {
    if (other.width != width
        || other.depth != depth
        || other.seed != seed
        || other.conservative != conservative) {
      throw new IllegalArgumentException(
          "cannot merge CountMinSketch width="
              + other.width
              + " depth="
              + other.depth
              + " seed="
              + other.seed
              + " conservative="
              + other.conservative
              + " into width="
              + width
              + " depth="
              + depth
              + " seed="
              + seed
              + " conservative="
              + conservative);
    }
    long total = Math.addExact(totalCount, other.totalCount);
    for (int i = 0; i < counters.length; i++) {
      counters[i] += other.counters[i];
    }
    totalCount = total;
  }

  /** An independent copy. */
  public CountMinSketch copy() {
    CountMinSketch copy = new CountMinSketch(width, depth, conservative, seed);
    System.arraycopy(counters, 0, copy.counters, 0, counters.length);
    copy.totalCount = totalCount;
    return copy;
  }

  /*
   * Serialized form (little-endian, see SketchBytes for the envelope):
   *
   * offset   size      field
   *   0      1         format version = 1
   *   1      1         family id = 2 (CountMinSketch)
   *   2      1         log2(width), in [1, 26]
   *   3      1         depth, in [1, 32]
   *   4      1         flags: bit 0 = conservative update; other bits 0
   *   5      8         seed
   *  13      8         total count N >= 0
   *  21      8 w d     counters, row-major, each in [0, N]; for a plain sketch each row sums to N
   *  21+8wd  4         CRC32C of all preceding bytes
   */

  /** The versioned binary form; {@link #fromBytes} reads it back exactly. */
  public byte[] toBytes() {
    ByteBuffer buf = SketchBytes.writer(SketchBytes.FAMILY_CMS, 19 + 8 * counters.length);
    buf.put((byte) lgWidth).put((byte) depth).put((byte) (conservative ? 1 : 0));
    buf.putLong(seed).putLong(totalCount);
    for (long c : counters) {
      buf.putLong(c);
    }
    return SketchBytes.seal(buf);
  }

  /**
   * Reads a sketch written by {@link #toBytes}.
   *
   * @throws SketchFormatException if the bytes are not a valid count-min sketch
   */
  public static CountMinSketch fromBytes(byte[] bytes) {
    ByteBuffer buf = SketchBytes.reader(bytes, SketchBytes.FAMILY_CMS, NAME, 19);
    int lgWidth = buf.get();
    int depth = buf.get();
    int flags = buf.get();
    if (lgWidth < 1 || lgWidth > 26) {
      throw SketchBytes.bad(NAME, "log2(width) " + lgWidth + " out of range [1, 26]");
    }
    if (depth < 1 || depth > MAX_DEPTH) {
      throw SketchBytes.bad(NAME, "depth " + depth + " out of range [1, " + MAX_DEPTH + "]");
    }
    if ((flags & ~1) != 0) {
      throw SketchBytes.bad(NAME, "unknown flags " + flags);
    }
    int width = 1 << lgWidth;
    SketchBytes.verify(bytes, 19 + 8 * width * depth, NAME);
    CountMinSketch sketch = new CountMinSketch(width, depth, flags == 1, buf.getLong());
    long total = buf.getLong();
    if (total < 0) {
      throw SketchBytes.bad(NAME, "negative total count " + total);
    }
    sketch.totalCount = total;
    for (int row = 0; row < depth; row++) {
      long rowSum = 0;
      for (int j = 0; j < width; j++) {
        long c = buf.getLong();
        if (c < 0 || c > total) {
          throw SketchBytes.bad(
              NAME,
              "counter " + row + "/" + j + " value " + c + " out of range [0, " + total + "]");
        }
        // Each add raises a row's sum by at most its count, so no row may sum to more than N.
        rowSum += c;
        if (rowSum < 0 || rowSum > total) {
          throw SketchBytes.bad(NAME, "row " + row + " sums to more than the total " + total);
        }
        sketch.counters[row * width + j] = c;
      }
      if (!sketch.conservative && rowSum != total) {
        throw SketchBytes.bad(
            NAME, "row " + row + " sums to " + rowSum + ", plain sketch total is " + total);
      }
    }
    return sketch;
  }

  /** Equal if same shape, mode, seed, total and counters. */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CountMinSketch)) {
      return false;
    }
    CountMinSketch that = (CountMinSketch) o;
    return width == that.width
        && depth == that.depth
        && conservative == that.conservative
        && seed == that.seed
        && totalCount == that.totalCount
        && Arrays.equals(counters, that.counters);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(seed) * 31 + Arrays.hashCode(counters);
  }

  @Override
  public String toString() {
    return "CountMinSketch{width="
        + width
        + ", depth="
        + depth
        + ", conservative="
        + conservative
        + ", total="
        + totalCount
        + "}";
  }
}
