package io.distillwatch.core.sketch;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A HyperLogLog distinct-count sketch over pre-hashed 64-bit values.
 *
 * <p>Contract: with precision {@code p} ({@code m = 2^p} registers, {@code 0.75 m} bytes of
 * registers plus 24 bytes of estimator state) {@link #estimate()} returns the estimated number of
 * distinct hashes added, with a relative standard error of about {@code 0.833 / sqrt(m)} (p = 12:
 * 1.3%) while the sketch holds a single stream, and {@code 1.04 / sqrt(m)} (1.6%) once it has been
 * merged; {@link #relativeStandardError()} reports the one that applies, and about 99.7% of
 * estimates lie within three times it. Both hold over the whole range from 0 to well beyond 10^9,
 * with no bias bump where classic HyperLogLog switches from linear counting to the raw estimate.
 * Merging is lossless for the registers: the merge of two sketches has exactly the registers of the
 * sketch of the union of their streams. The input must be a well-mixed 64-bit hash (see {@link
 * Hash64}); adding the same hash twice has no effect. Not thread-safe.
 *
 * <h2>Two estimators</h2>
 *
 * <ul>
 *   <li>{@link #estimate()}: the HIP (historic inverse probability) estimator [4, 5] while the
 *       sketch's registers are the history of one stream; after {@link #merge} (or anything else
 *       that breaks that history: {@code setRegister}, reading version-1 bytes) it falls back to
 *       {@link #registerEstimate()}. This is what Apache DataSketches' {@code getEstimate()} does.
 *   <li>{@link #registerEstimate()}: Ertl's estimator, a function of the registers alone. Use it
 *       when the number must mean the same thing however the sketch was assembled (e.g. comparing a
 *       per-partition value with a merged one): two sketches with equal registers give equal
 *       register estimates, whereas their HIP estimates differ.
 * </ul>
 *
 * <p>HIP. When an item changes a register, the probability that a fresh random hash would have
 * changed some register was {@code P = kxq / m} with {@code kxq = sum_i 2^-R_i} (a register at the
 * cap {@code 65 - p} cannot grow and contributes 0). Adding {@code 1 / P} on every change gives an
 * unbiased estimate (a martingale: each item adds 1 in expectation) with variance {@code sum_t
 * E[1/P_t - 1]}. For {@code n >> m}, {@code E[P_t] ~ m / (2 t ln 2)}, so the variance is about
 * {@code n^2 ln 2 / m}: relative standard error {@code sqrt(ln 2 / m) = 0.8326 / sqrt(m)} [4, 6],
 * against {@code sqrt(3 ln 2 - 1) / sqrt(m) = 1.039 / sqrt(m)} for the register estimator [1, 2].
 * For {@code n << m} it is smaller still: about {@code 1 / sqrt(3 m) = 0.577 / sqrt(m)} (nearly
 * exact counting; about {@code 0.62 / sqrt(m)} at {@code n = m}, 0.81 at {@code 30 m}). The price:
 * HIP is not mergeable (the union's history is unknown), so merge falls back to the registers.
 * {@code kxq} is kept incrementally and exactly as two fixed-point longs (values below 32 in units
 * of 2^-31, the rest in units of 2^-61), so it costs nothing on the add path (only a register
 * change, rare after the first few {@code m} items, touches it) and can be recomputed bit-for-bit
 * from the registers when reading bytes.
 *
 * <p>Implementation notes. The register index is the top {@code p} bits of the hash and the rank is
 * one plus the number of leading zeros of the remaining {@code q = 64 - p} bits, capped at {@code q
 * + 1} (a sentinel bit below the shifted hash makes the cap free); {@code q + 1 <= 61} fits in 6
 * bits, so registers are packed 6 bits each into a {@code long[]} (a register may straddle two
 * words; one padding word keeps the straddling read branch-free). The add path is an index, a rank,
 * one read and a compare; the write and the HIP update happen only when the rank grows.
 *
 * <p>The register estimate is Ertl's "improved" estimator [1, Algorithm 6]: from the register
 * histogram {@code C[0..q+1]} it computes {@code alpha_inf m^2 / (m sigma(C[0]/m) + sum_k C[k] 2^-k
 * + m tau(1 - C[q+1]/m) 2^-q)}, where sigma and tau are series that correct for the registers that
 * are still zero (small range) and saturated (large range). Unlike the original estimator [2] with
 * its linear-counting switch and empirical bias tables [3], it is unbiased enough over the whole
 * range that no switch is needed; it is the best register-only estimator that stays exact under
 * merge.
 *
 * <p>[1] O. Ertl, "New cardinality estimation algorithms for HyperLogLog sketches",
 * arXiv:1702.01284, 2017. [2] P. Flajolet, E. Fusy, O. Gandouet, F. Meunier, "HyperLogLog: the
 * analysis of a near-optimal cardinality estimation algorithm", AofA 2007. [3] S. Heule, M.
 * Nunkesser, A. Hall, "HyperLogLog in practice", EDBT 2013. [4] D. Ting, "Streamed approximate
 * counting of distinct elements: beating optimal batch methods", KDD 2014. [5] E. Cohen,
 * "All-distances sketches, revisited: HIP estimators for massive graphs analysis", IEEE TKDE 2015.
 * [6] Apache DataSketches HLL ({@code HllSketch}): HIP factor sqrt(ln 2) = 0.8326, register-only
 * factor sqrt(3 ln 2 - 1) = 1.0390.
 */
public final class HyperLogLog {
  /** Smallest accepted precision. */
  public static final int MIN_PRECISION = 4;

  /** Largest accepted precision. */
  public static final int MAX_PRECISION = 18;

  private static final String NAME = "HyperLogLog";
  private static final int BITS = 6;
  private static final long REGISTER_MASK = (1L << BITS) - 1;
  private static final byte FORMAT_VERSION = 2;
  private static final int FLAG_OUT_OF_ORDER = 1;

  /** {@code sqrt(ln 2)}: RSE factor of the HIP estimator [4, 6]. */
  private static final double HIP_RSE_FACTOR = Math.sqrt(Math.log(2));

  /** {@code sqrt(3 ln 2 - 1)}: RSE factor of the register estimator [1, 2, 6]. */
  private static final double REGISTER_RSE_FACTOR = Math.sqrt(3 * Math.log(2) - 1);

  private final int p;
  private final int indexShift;
  private final long sentinel;
  private final long[] words;

  /** Sum of 2^(31 - R) over registers with R < 32: the high part of kxq, exact. */
  private long kxqHigh;

  /** Sum of 2^(61 - R) over registers with 32 <= R < 65 - p (capped registers add 0), exact. */
  private long kxqLow;

  /** The HIP estimate; meaningful only while {@code !outOfOrder}, and then 0 if empty. */
  private double hip;

  /**
   * True once the registers are no longer the update history of one stream (merge, setRegister,
   * version-1 bytes): HIP is then invalid (kept at 0, kxq no longer maintained) and {@link
   * #estimate()} uses the registers.
   */
  private boolean outOfOrder;

  /**
   * @param precision p, the log2 of the number of registers, in [4, 18]
   */
  public HyperLogLog(int precision) {
    if (precision < MIN_PRECISION || precision > MAX_PRECISION) {
      throw new IllegalArgumentException(
          "precision must be in [" + MIN_PRECISION + ", " + MAX_PRECISION + "], got " + precision);
    }
    this.p = precision;
    this.indexShift = 64 - precision;
    this.sentinel = 1L << (precision - 1);
    this.words = new long[wordCount(precision)];
    this.kxqHigh = (1L << precision) << 31;
  }

  private HyperLogLog(HyperLogLog other) {
    this.p = other.p;
    this.indexShift = other.indexShift;
    this.sentinel = other.sentinel;
    this.words = other.words.clone();
    this.kxqHigh = other.kxqHigh;
    this.kxqLow = other.kxqLow;
    this.hip = other.hip;
    this.outOfOrder = other.outOfOrder;
  }

  private static int wordCount(int p) {
    // 6 m bits, rounded up to words, plus one padding word for the branch-free straddling read.
    return (((1 << p) * BITS + 63) >>> 6) + 1;
  }

  /** Empties the sketch, as if new: no allocation. */
  public void clear() {
    Arrays.fill(words, 0L);
    kxqHigh = (1L << p) << 31;
    kxqLow = 0;
    hip = 0;
    outOfOrder = false;
  }

  /** Adds one hashed item. */
  public void add(long hash) {
    int index = (int) (hash >>> indexShift);
    int rank = Long.numberOfLeadingZeros((hash << p) | sentinel) + 1;
    int bit = index * BITS;
    int w = bit >>> 6;
    int s = bit & 63;
    long[] words = this.words;
    // The second term brings in the low bits of the next word when the register straddles;
    // for s <= 58 they land above bit 5 and are masked away, so no branch is needed.
    long current = ((words[w] >>> s) | ((words[w + 1] << 1) << (63 - s))) & REGISTER_MASK;
    if (rank > current) {
      grow(w, s, (int) current, rank);
    }
  }

  /** The rare path of {@link #add}: a register grows from {@code old} to {@code rank}. */
  private void grow(int w, int s, int old, int rank) {
    write(w, s, rank);
    if (!outOfOrder) {
      // P(a fresh hash changes some register) = kxq / m, taken before the change.
      hip += (1 << p) / kxq();
      adjustKxq(old, -1);
      adjustKxq(rank, 1);
    }
  }

  /** Adds {@code sign} times register value {@code v}'s share {@code 2^-v} of kxq, exactly. */
  private void adjustKxq(int v, int sign) {
    if (v < 32) {
      kxqHigh += sign * (1L << (31 - v));
    } else if (v < maxRank()) {
      kxqLow += sign * (1L << (61 - v));
    }
  }

  /** {@code sum_i 2^-R_i} over registers below the cap: m times the chance a new hash counts. */
  private double kxq() {
    return kxqHigh * 0x1p-31 + kxqLow * 0x1p-61;
  }

  /** Recomputes kxq from the registers (after reading bytes). */
  private void recomputeKxq() {
    kxqHigh = 0;
    kxqLow = 0;
    int m = 1 << p;
    for (int i = 0; i < m; i++) {
      adjustKxq(register(i), 1);
    }
  }

  /** Marks the register history as broken: from now on {@link #estimate()} is the register one. */
  private void markOutOfOrder() {
    outOfOrder = true;
    hip = 0;
    kxqHigh = 0;
    kxqLow = 0;
  }

  private void write(int w, int s, long value) {
    words[w] = (words[w] & ~(REGISTER_MASK << s)) | (value << s);
    if (s > 64 - BITS) {
      int hs = 64 - s;
      words[w + 1] = (words[w + 1] & ~(REGISTER_MASK >>> hs)) | (value >>> hs);
    }
  }

  /** The value of register {@code index}; package-private for tests and merge. */
  int register(int index) {
    int bit = index * BITS;
    int w = bit >>> 6;
    int s = bit & 63;
    return (int) (((words[w] >>> s) | ((words[w + 1] << 1) << (63 - s))) & REGISTER_MASK);
  }

  /**
   * Sets register {@code index}; a test hook used to load register values sampled from their exact
   * distribution at cardinalities too large to stream (10^9). The registers are then no single
   * stream's history, so the sketch switches to the register estimator.
   */
  void setRegister(int index, int value) {
    if (index < 0 || index >= (1 << p)) {
      throw new IndexOutOfBoundsException("register " + index + " of " + (1 << p));
    }
    if (value < 0 || value > maxRank()) {
      throw new IllegalArgumentException("register value must be in [0, " + maxRank() + "]");
    }
    int bit = index * BITS;
    write(bit >>> 6, bit & 63, value);
    markOutOfOrder();
  }

  /** The largest rank a register can hold: {@code 64 - p + 1}. */
  int maxRank() {
    return 65 - p;
  }

  /**
   * The estimated number of distinct hashes added: HIP while {@link #usesHipEstimate()}, else
   * {@link #registerEstimate()}. See the class documentation.
   */
  public double estimate() {
    return outOfOrder ? registerEstimate() : hip;
  }

  /**
   * Ertl's estimate from the registers alone (RSE {@link #registerRelativeStandardError()}): equal
   * registers give equal estimates however the sketch was built, merged or not.
   */
  public double registerEstimate() {
    int m = 1 << p;
    int[] histogram = new int[maxRank() + 1];
    for (int i = 0; i < m; i++) {
      histogram[register(i)]++;
    }
    return ErtlEstimator.estimate(histogram, p);
  }

  /**
   * True while {@link #estimate()} is the HIP estimate: nothing has broken the sketch's update
   * history (no merge of two non-empty sketches, no {@code setRegister}, not read from version-1
   * bytes).
   */
  public boolean usesHipEstimate() {
    return !outOfOrder;
  }

  /**
   * The relative standard error of {@link #estimate()} as it currently works: {@code sqrt(ln 2 / m)
   * = 0.833 / sqrt(m)} for HIP (its large-n limit; it is smaller for {@code n < m}), else {@link
   * #registerRelativeStandardError()}.
   */
  public double relativeStandardError() {
    return outOfOrder ? registerRelativeStandardError() : HIP_RSE_FACTOR / Math.sqrt(1 << p);
  }

  /**
   * The relative standard error {@code sqrt(3 ln 2 - 1) / sqrt(m) = 1.04 / sqrt(m)} of {@link
   * #registerEstimate()}.
   */
  public double registerRelativeStandardError() {
    return REGISTER_RSE_FACTOR / Math.sqrt(1 << p);
  }

  /** The precision p: the sketch has {@code 2^p} registers. */
  public int precision() {
    return p;
  }

  /** True if nothing has been added (all registers are zero). */
  public boolean isEmpty() {
    for (long word : words) {
      if (word != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Folds {@code other} into this sketch (register-wise maximum); afterwards this sketch has the
   * registers of the sketch of the union of both streams, and {@link #estimate()} is the register
   * estimate, since the union's update history is unknown. Two cases lose nothing and keep HIP: an
   * empty {@code other} leaves this sketch unchanged, and merging into an empty sketch makes it a
   * copy of {@code other} (estimator state included).
   *
   * @throws IllegalArgumentException if the precisions differ
   */
  public void merge(HyperLogLog other) {
    if (other.p != p) {
      throw new IllegalArgumentException(
          "cannot merge HyperLogLog of precision " + other.p + " into precision " + p);
    }
    if (other.isEmpty()) {
      return;
    }
    if (isEmpty()) {
      System.arraycopy(other.words, 0, words, 0, words.length);
      kxqHigh = other.kxqHigh;
      kxqLow = other.kxqLow;
      hip = other.hip;
      outOfOrder = other.outOfOrder;
      return;
    }
    markOutOfOrder();
    int m = 1 << p;
    for (int i = 0; i < m; i++) {
      int theirs = other.register(i);
      if (theirs > register(i)) {
        int bit = i * BITS;
        write(bit >>> 6, bit & 63, theirs);
      }
    }
  }

  /** An independent copy, estimator state included. */
  public HyperLogLog copy() {
    return new HyperLogLog(this);
  }

  /*
   * Serialized form (little-endian, see SketchBytes for the envelope):
   *
   * Version 2 (written):
   *
   * offset        size      field
   *   0           1         format version = 2
   *   1           1         family id = 1 (HyperLogLog)
   *   2           1         precision p, in [4, 18]
   *   3           1         flags: bit 0 = out of order (HIP invalid, estimate() uses the
   *                         registers); other bits reserved = 0
   *   4           8         HIP estimate, IEEE 754 double: +0.0 if out of order, else finite and
   *                         >= the number of nonzero registers (each change adds m/kxq >= 1),
   *                         +0.0 if all registers are zero. kxq is not stored: it is recomputed
   *                         exactly from the registers.
   *  12           3m/4      registers, 6 bits each, register i at bits [6i, 6i+6) of the
   *                         little-endian bit stream; each value in [0, 65 - p]
   *  12 + 3m/4    4         CRC32C of all preceding bytes
   *
   * Version 1 (still read): as version 2 without the HIP field (registers at offset 4, CRC32C at
   * 4 + 3m/4) and with flags reserved = 0. It carries no HIP state, so it reads as out of order.
   */

  /** The versioned binary form; {@link #fromBytes} reads it back exactly. */
  public byte[] toBytes() {
    int payload = registerBytes(p);
    ByteBuffer buf = SketchBytes.writer(SketchBytes.FAMILY_HLL, FORMAT_VERSION, 10 + payload);
    buf.put((byte) p).put((byte) (outOfOrder ? FLAG_OUT_OF_ORDER : 0));
    buf.putDouble(outOfOrder ? 0.0 : hip);
    for (int j = 0; j < payload; j++) {
      buf.put((byte) (words[j >>> 3] >>> ((j & 7) << 3)));
    }
    return SketchBytes.seal(buf);
  }

  private static int registerBytes(int p) {
    return ((1 << p) * BITS) >>> 3;
  }

  /**
   * Reads a sketch written by {@link #toBytes}, format version 2 or 1 (version 1 bytes have no HIP
   * state, so the sketch uses the register estimator).
   *
   * @throws SketchFormatException if the bytes are not a valid HyperLogLog
   */
  public static HyperLogLog fromBytes(byte[] bytes) {
    ByteBuffer buf = SketchBytes.reader(bytes, SketchBytes.FAMILY_HLL, NAME, 2, FORMAT_VERSION);
    int version = bytes[0];
    int p = buf.get();
    if (p < MIN_PRECISION || p > MAX_PRECISION) {
      throw SketchBytes.bad(
          NAME, "precision " + p + " out of range [" + MIN_PRECISION + ", " + MAX_PRECISION + "]");
    }
    int flags = buf.get();
    int knownFlags = version == 1 ? 0 : FLAG_OUT_OF_ORDER;
    if ((flags & ~knownFlags) != 0) {
      throw SketchBytes.bad(NAME, "unknown flags " + flags + " in format version " + version);
    }
    int payload = registerBytes(p);
    SketchBytes.verify(bytes, (version == 1 ? 2 : 10) + payload, NAME);
    double hip = version == 1 ? 0.0 : buf.getDouble();
    HyperLogLog sketch = new HyperLogLog(p);
    for (int j = 0; j < payload; j++) {
      sketch.words[j >>> 3] |= (buf.get() & 0xFFL) << ((j & 7) << 3);
    }
    int m = 1 << p;
    int nonzero = 0;
    for (int i = 0; i < m; i++) {
      if (sketch.register(i) != 0) {
        nonzero++;
      }
      if (sketch.register(i) > sketch.maxRank()) {
        throw SketchBytes.bad(
            NAME,
            "register "
                + i
                + " value "
                + sketch.register(i)
                + " out of range [0, "
                + sketch.maxRank()
                + "]");
      }
    }
    if (version == 1 || (flags & FLAG_OUT_OF_ORDER) != 0) {
      if (Double.doubleToRawLongBits(hip) != 0) {
        throw SketchBytes.bad(NAME, "HIP estimate " + hip + " stored for an out-of-order sketch");
      }
      sketch.markOutOfOrder();
    } else {
      boolean valid =
          nonzero == 0
              ? Double.doubleToRawLongBits(hip) == 0
              : Double.isFinite(hip) && hip >= nonzero;
      if (!valid) {
        throw SketchBytes.bad(
            NAME, "HIP estimate " + hip + " impossible with " + nonzero + " nonzero registers");
      }
      sketch.hip = hip;
      sketch.recomputeKxq();
    }
    return sketch;
  }

  /**
   * True if {@code other} has the same precision and identical registers, whatever the estimator
   * state: such sketches have equal {@link #registerEstimate()}s.
   */
  public boolean sameRegisters(HyperLogLog other) {
    return other.p == p && Arrays.equals(other.words, words);
  }

  /**
   * Equal if indistinguishable: same precision, identical registers and the same estimator state
   * (HIP estimate and out-of-order flag), so equal sketches give equal {@link #estimate()}s. For
   * registers only, see {@link #sameRegisters}.
   */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof HyperLogLog)) {
      return false;
    }
    HyperLogLog other = (HyperLogLog) o;
    return sameRegisters(other)
        && other.outOfOrder == outOfOrder
        && Double.doubleToLongBits(other.hip) == Double.doubleToLongBits(hip);
  }

  @Override
  public int hashCode() {
    return (31 * p + Arrays.hashCode(words)) * 31 + Double.hashCode(hip);
  }

  @Override
  public String toString() {
    return "HyperLogLog{p="
        + p
        + ", estimate="
        + estimate()
        + (outOfOrder ? " (registers)" : " (HIP)")
        + "}";
  }
}
