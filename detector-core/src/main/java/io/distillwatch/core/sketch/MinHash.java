package io.distillwatch.core.sketch;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * A one-permutation MinHash sketch of a set of 64-bit feature hashes, for Jaccard similarity and
 * LSH banding.
 *
 * <p>Contract: for sets A and B with Jaccard similarity {@code J = |A n B| / |A u B|}, {@link
 * #jaccard} is an unbiased estimate of J with standard deviation about {@code sqrt(J (1 - J) / k)}
 * (k = 128: at most 0.044, so about 99.7% of estimates within 0.13); it is exactly 0 for disjoint
 * sets and exactly 1 for equal sets. {@link #bandKeys} with b bands of {@code r = k / b} rows makes
 * two sets share at least one band key with probability close to {@code 1 - (1 - J^r)^b}. The merge
 * of two sketches equals the sketch of the union. Adding the same feature twice has no effect. Not
 * thread-safe.
 *
 * <p>Implementation notes. One-permutation hashing [1]: each feature is remixed once; the top
 * {@code log2 k} bits pick a bin and the remaining bits are the value kept if smaller than the
 * bin's minimum. So an add is one mix, one compare and rarely one write, instead of k hashes for
 * classic MinHash. Sets smaller than about {@code k ln k} leave bins empty; at read time each empty
 * bin borrows the value of the first non-empty bin on a probe sequence {@code h(i, 1), h(i, 2),
 * ...} that is the same for every sketch ("optimal densification" [2]), which keeps the estimator
 * unbiased with variance close to that of k independent permutations. Raw bins, not the densified
 * signature, are stored and merged, so densification never leaks into the union.
 *
 * <p>[1] P. Li, A. Owen, C.-H. Zhang, "One permutation hashing", NIPS 2012. [2] A. Shrivastava,
 * "Optimal densification for fast and accurate minwise hashing", ICML 2017. [3] A. Broder, "On the
 * resemblance and containment of documents", 1997.
 */
public final class MinHash {
  /** Smallest accepted number of bins. */
  public static final int MIN_K = 8;

  /** Largest accepted number of bins. */
  public static final int MAX_K = 4096;

  private static final String NAME = "MinHash";
  private static final long EMPTY = Long.MAX_VALUE;
  private static final long FEATURE_SALT = 0xD6E8FEB86659FD93L;
  private static final long PROBE_SALT = 0xA0761D6478BD642FL;
  private static final long BAND_SALT = 0xE7037ED1A0B428DBL;

  private final int k;
  private final int lgK;
  private final int binShift;
  private final long valueMask;
  private final long[] bins;

  /**
   * @param k the number of bins, a power of two in [8, 4096]
   */
  public MinHash(int k) {
    if (k < MIN_K || k > MAX_K || Integer.bitCount(k) != 1) {
      throw new IllegalArgumentException(
          "k must be a power of two in [" + MIN_K + ", " + MAX_K + "], got " + k);
    }
    this.k = k;
    this.lgK = Integer.numberOfTrailingZeros(k);
    this.binShift = 64 - lgK;
    this.valueMask = -1L >>> lgK;
    this.bins = new long[k];
    Arrays.fill(bins, EMPTY);
  }

  /** Adds one feature (a hash; it is remixed, so sequential or weak hashes are fine). */
  public void add(long featureHash) {
    long h = Hash64.mix(featureHash ^ FEATURE_SALT);
    int bin = (int) (h >>> binShift);
    long value = h & valueMask;
    if (value < bins[bin]) {
      bins[bin] = value;
    }
  }

  /** The number of bins k. */
  public int k() {
    return k;
  }

  /** True if no feature has been added. */
  public boolean isEmpty() {
    for (long b : bins) {
      if (b != EMPTY) {
        return false;
      }
    }
    return true;
  }

  /**
   * The densified signature (a copy): k values, equal positions between two sketches meaning a
   * shared minimum. All {@code Long.MAX_VALUE} for an empty sketch.
   */
  public long[] signature() {
    long[] out = bins.clone();
    if (isEmpty()) {
      return out;
    }
    for (int i = 0; i < k; i++) {
      if (bins[i] == EMPTY) {
        for (long attempt = 1; ; attempt++) {
          int j = (int) (Hash64.mix(PROBE_SALT + ((long) i << 32) + attempt) >>> binShift);
          if (bins[j] != EMPTY) {
            out[i] = bins[j];
            break;
          }
        }
      }
    }
    return out;
  }

  /**
   * The estimated Jaccard similarity with {@code other}: the share of equal densified positions; 1
   * if both are empty, 0 if exactly one is.
   *
   * @throws IllegalArgumentException if k differs
   */
  public double jaccard(MinHash other) {
    requireSameK(other);
    boolean empty = isEmpty();
    boolean otherEmpty = other.isEmpty();
    if (empty || otherEmpty) {
      return empty && otherEmpty ? 1.0 : 0.0;
    }
    long[] a = signature();
    long[] b = other.signature();
    int equal = 0;
    for (int i = 0; i < k; i++) {
      if (a[i] == b[i]) {
        equal++;
      }
    }
    return (double) equal / k;
  }

  /**
   * LSH band keys: band {@code j} hashes its {@code r = k / bands} consecutive signature values
   * together with {@code j}, so equal keys at the same position mean an identical band. Empty for
   * an empty sketch (an empty set is similar to nothing).
   *
   * @param bands the number of bands, a divisor of k (a power of two in [1, k])
   */
  public long[] bandKeys(int bands) {
    if (bands < 1 || bands > k || k % bands != 0) {
      throw new IllegalArgumentException(
          "bands must be a power of two in [1, " + k + "] dividing k, got " + bands);
    }
    if (isEmpty()) {
      return new long[0];
    }
    long[] sig = signature();
    int rows = k / bands;
    long[] keys = new long[bands];
    for (int band = 0, i = 0; band < bands; band++) {
      long h = Hash64.mix(BAND_SALT + band);
      for (int r = 0; r < rows; r++, i++) {
        h = Hash64.mix(h ^ sig[i]) + BAND_SALT;
      }
      keys[band] = h;
    }
    return keys;
  }

  /**
   * Removes the features that {@code drop} accepts from the bins that hold them as their minimum,
   * leaving those bins empty until a later {@link #add}. Afterwards the sketch is that of a subset
   * of the set without the dropped features: a bin's other features are not kept, so a feature that
   * shared a bin with a dropped one is forgotten too. Use it to retire features that stopped being
   * meaningful (a template that turned out to be common) before banding.
   *
   * <p>Implementation note: a bin and its value are the top and the low bits of {@code mix(feature
   * ^ salt)}, and {@link Hash64#mix} is a bijection, so each bin's feature is recovered exactly
   * with {@link Hash64#unmix}; no feature needs to be stored.
   *
   * @return the number of bins emptied
   */
  public int removeIf(LongPredicate drop) {
    int removed = 0;
    for (int i = 0; i < k; i++) {
      long value = bins[i];
      if (value != EMPTY) {
        long feature = Hash64.unmix(((long) i << binShift) | value) ^ FEATURE_SALT;
        if (drop.test(feature)) {
          bins[i] = EMPTY;
          removed++;
        }
      }
    }
    return removed;
  }

  /** Bins holding a feature: the set's size while it is much smaller than k, at most k. */
  public int occupiedBins() {
    int n = 0;
    for (long b : bins) {
      if (b != EMPTY) {
        n++;
      }
    }
    return n;
  }

  /**
   * Folds {@code other} into this sketch (bin-wise minimum): afterwards this is the sketch of the
   * union.
   *
   * @throws IllegalArgumentException if k differs
   */
  public void merge(MinHash other) {
    requireSameK(other);
    for (int i = 0; i < k; i++) {
      bins[i] = Math.min(bins[i], other.bins[i]);
    }
  }

  /** An independent copy. */
  public MinHash copy() {
    MinHash copy = new MinHash(k);
    System.arraycopy(bins, 0, copy.bins, 0, k);
    return copy;
  }

  /** The raw bins (empty bins hold {@code Long.MAX_VALUE}); for tests. */
  long[] rawBins() {
    return bins.clone();
  }

  private void requireSameK(MinHash other) {
    if (other.k != k) {
      throw new IllegalArgumentException("MinHash k differs: " + other.k + " vs " + k);
    }
  }

  /*
   * Serialized form (little-endian, see SketchBytes for the envelope):
   *
   * offset   size   field
   *   0      1      format version = 1
   *   1      1      family id = 4 (MinHash)
   *   2      1      log2(k), in [3, 12]
   *   3      1      flags, reserved = 0
   *   4      8 k    raw bins: a value in [0, 2^(64 - log2 k)), or Long.MAX_VALUE if empty
   *   4+8k   4      CRC32C of all preceding bytes
   */

  /** The versioned binary form; {@link #fromBytes} reads it back exactly. */
  public byte[] toBytes() {
    ByteBuffer buf = SketchBytes.writer(SketchBytes.FAMILY_MINHASH, 2 + 8 * k);
    buf.put((byte) lgK).put((byte) 0);
    for (long b : bins) {
      buf.putLong(b);
    }
    return SketchBytes.seal(buf);
  }

  /**
   * Reads a sketch written by {@link #toBytes}.
   *
   * @throws SketchFormatException if the bytes are not a valid MinHash sketch
   */
  public static MinHash fromBytes(byte[] bytes) {
    ByteBuffer buf = SketchBytes.reader(bytes, SketchBytes.FAMILY_MINHASH, NAME, 2);
    int lgK = buf.get();
    int flags = buf.get();
    if (lgK < 3 || lgK > 12) {
      throw SketchBytes.bad(NAME, "log2(k) " + lgK + " out of range [3, 12]");
    }
    if (flags != 0) {
      throw SketchBytes.bad(NAME, "unknown flags " + flags);
    }
    int k = 1 << lgK;
    SketchBytes.verify(bytes, 2 + 8 * k, NAME);
    MinHash sketch = new MinHash(k);
    for (int i = 0; i < k; i++) {
      long b = buf.getLong();
      if (b != EMPTY && (b < 0 || b > sketch.valueMask)) {
        throw SketchBytes.bad(
            NAME, "bin " + i + " value " + b + " out of range [0, " + sketch.valueMask + "]");
      }
      sketch.bins[i] = b;
    }
    return sketch;
  }

  /** Equal if same k and identical raw bins. */
  @Override
  public boolean equals(Object o) {
    return o instanceof MinHash && Arrays.equals(((MinHash) o).bins, bins);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bins);
  }

  @Override
  public String toString() {
    return "MinHash{k=" + k + ", empty=" + isEmpty() + "}";
  }
}
