package io.distillwatch.core.sketch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HyperLogLogTest {

  /**
   * Streams {@code seeds} independent streams of distinct items and records the relative error at
   * every checkpoint: errors[checkpoint][seed].
   */
  private static double[][] relativeErrors(int p, long[] checkpoints, int seeds, long seedBase) {
    double[][] errors = new double[checkpoints.length][seeds];
    for (int s = 0; s < seeds; s++) {
      HyperLogLog hll = new HyperLogLog(p);
      SplittableRandom random = new SplittableRandom(seedBase + s);
      long n = 0;
      for (int c = 0; c < checkpoints.length; c++) {
        for (; n < checkpoints[c]; n++) {
          // Random 64-bit items are distinct with probability 1 - 10^-7 at these sizes.
          hll.add(Hash64.hash(random.nextLong()));
        }
        errors[c][s] = hll.estimate() / n - 1;
      }
    }
    return errors;
  }

  /** Asserts no bias beyond 4 standard errors of the mean and at most the binomial slack of 1%. */
  private static void assertWithinTheory(double[] errors, double rse, String where) {
    double mean = Stats.mean(errors);
    double meanBound = 4 * rse / Math.sqrt(errors.length);
    assertTrue(
        Math.abs(mean) <= meanBound,
        where + ": mean relative error " + mean + " exceeds " + meanBound);
    int outside = 0;
    for (double e : errors) {
      if (Math.abs(e) > 3 * rse) {
        outside++;
      }
    }
    int allowed = Stats.allowedFailures(errors.length, 0.01);
    assertTrue(
        outside <= allowed,
        where
            + ": "
            + outside
            + " of "
            + errors.length
            + " runs outside 3 RSE, allowed "
            + allowed);
  }

  @Test
  void estimate_cardinalities10To1e6_withinThreeStandardErrors() {
    int p = 12;
    long[] checkpoints = {10, 100, 1_000, 10_000, 100_000, 1_000_000};
    double rse = new HyperLogLog(p).relativeStandardError();
    double[][] errors = relativeErrors(p, checkpoints, 200, 1_000);
    for (int c = 0; c < checkpoints.length; c++) {
      assertWithinTheory(errors[c], rse, "n=" + checkpoints[c]);
    }
  }

  @Test
  void estimate_cardinality1e7_withinThreeStandardErrors() {
    int p = 12;
    int seeds = 16;
    double rse = new HyperLogLog(p).relativeStandardError();
    double[][] errors = relativeErrors(p, new long[] {10_000_000}, seeds, 2_000);
    for (double e : errors[0]) {
      assertTrue(Math.abs(e) <= 3.5 * rse, "relative error " + e + " beyond 3.5 RSE " + rse);
    }
    assertTrue(Math.abs(Stats.mean(errors[0])) <= 4 * rse / Math.sqrt(seeds));
  }

  @ParameterizedTest
  @ValueSource(ints = {6, 10, 14})
  void estimate_smallToLargeTransition_hasNoBiasBump(int p) {
    // Classic HyperLogLog switches from linear counting to the raw estimate near n = 2.5 m and
    // shows a bias bump there; the improved estimator must stay unbiased through 2.5m .. 5m.
    int m = 1 << p;
    long[] checkpoints = new long[11];
    for (int i = 0; i < checkpoints.length; i++) {
      checkpoints[i] = Math.round(m * (0.5 + 0.5 * i)); // 0.5m .. 5.5m
    }
    int seeds = p >= 14 ? 60 : 600;
    double rse = new HyperLogLog(p).relativeStandardError();
    double[][] errors = relativeErrors(p, checkpoints, seeds, 3_000);
    for (int c = 0; c < checkpoints.length; c++) {
      assertWithinTheory(errors[c], rse, "p=" + p + " n=" + checkpoints[c]);
    }
  }

  /**
   * Builds a sketch holding the register values of n distinct random hashes without adding them:
   * under the Poisson model each register independently sees K ~ Poisson(n/m) items, so P(value <=
   * r) = exp(-(n/m) 2^-r) for r < 65-p and 1 at the cap r = 65-p. (Fixed n differs from the Poisson
   * model by a relative 1/sqrt(n), negligible against the 1.6% RSE.)
   */
  private static HyperLogLog simulated(int p, double n, SplittableRandom random) {
    HyperLogLog hll = new HyperLogLog(p);
    int m = 1 << p;
    double lambda = n / m;
    int cap = hll.maxRank();
    for (int i = 0; i < m; i++) {
      double u = random.nextDouble();
      int r = 0;
      while (r < cap && Math.exp(-lambda * Math.scalb(1.0, -r)) < u) {
        r++;
      }
      hll.setRegister(i, r);
    }
    return hll;
  }

  @ParameterizedTest
  @ValueSource(doubles = {1e4, 1e6, 1e8, 1e9, 1e12, 1e15})
  void estimate_simulatedRegistersUpToHugeCardinalities_withinThreeStandardErrors(double n) {
    int p = 12;
    int trials = 300;
    double rse = new HyperLogLog(p).relativeStandardError();
    SplittableRandom random = new SplittableRandom(Double.doubleToLongBits(n));
    double[] errors = new double[trials];
    for (int t = 0; t < trials; t++) {
      errors[t] = simulated(p, n, random).estimate() / n - 1;
    }
    assertWithinTheory(errors, rse, "simulated n=" + n);
  }

  @Test
  void estimate_empty_isZero() {
    HyperLogLog hll = new HyperLogLog(8);
    assertTrue(hll.isEmpty());
    assertEquals(0.0, hll.estimate());
    hll.add(Hash64.hash(1));
    assertFalse(hll.isEmpty());
    assertEquals(1.0, hll.estimate(), 0.01);
  }

  @Test
  void add_duplicates_doNotChangeSketch() {
    HyperLogLog once = new HyperLogLog(10);
    HyperLogLog twice = new HyperLogLog(10);
    for (int i = 0; i < 5_000; i++) {
      once.add(Hash64.hash(i));
      twice.add(Hash64.hash(i));
      twice.add(Hash64.hash(i));
    }
    assertEquals(once, twice);
  }

  @Test
  void add_extremeHashes_fillEveryRegisterValue() {
    // A hash with all bits after the index zero has the maximal rank 65 - p; check packing of
    // every register position (including the ones straddling two words) against a plain model.
    for (int p = HyperLogLog.MIN_PRECISION; p <= 10; p++) {
      HyperLogLog hll = new HyperLogLog(p);
      int m = 1 << p;
      int[] model = new int[m];
      SplittableRandom random = new SplittableRandom(p);
      for (int i = 0; i < 20 * m; i++) {
        int index = random.nextInt(m);
        int zeros = random.nextInt(64 - p + 1); // 0 .. 64-p leading zeros after the index
        long rest =
            zeros == 64 - p
                ? 0
                : (1L << (63 - p - zeros)) | (random.nextLong() & ((1L << (63 - p - zeros)) - 1));
        long hash = ((long) index << (64 - p)) | rest;
        hll.add(hash);
        model[index] = Math.max(model[index], zeros + 1);
      }
      for (int i = 0; i < m; i++) {
        assertEquals(model[i], hll.register(i), "p=" + p + " register " + i);
      }
    }
  }

  @Test
  void estimate_afterMerge_equalsUnionSketch() {
    for (int seed = 0; seed < 20; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      HyperLogLog a = new HyperLogLog(11);
      HyperLogLog b = new HyperLogLog(11);
      HyperLogLog union = new HyperLogLog(11);
      for (int i = 0; i < 30_000; i++) {
        long h = Hash64.hash(random.nextLong());
        (random.nextBoolean() ? a : b).add(h);
        union.add(h);
      }
      HyperLogLog merged = a.copy();
      merged.merge(b);
      assertEquals(union, merged);
      assertEquals(union.estimate(), merged.estimate());
      assertNotEquals(union, a);
    }
  }

  @Test
  void merge_differentPrecision_throws() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new HyperLogLog(10).merge(new HyperLogLog(11)));
    assertTrue(e.getMessage().contains("precision"), e.getMessage());
  }

  @Test
  void constructor_precisionOutOfRange_throwsNamingBound() {
    IllegalArgumentException low =
        assertThrows(IllegalArgumentException.class, () -> new HyperLogLog(3));
    assertTrue(low.getMessage().contains("[4, 18]"), low.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new HyperLogLog(19));
  }

  @Test
  void copy_isIndependent() {
    HyperLogLog a = new HyperLogLog(8);
    a.add(Hash64.hash(7));
    HyperLogLog b = a.copy();
    b.add(Hash64.hash(8));
    assertNotEquals(a, b);
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5, 8, 12, 18})
  void fromBytes_ofToBytes_roundTripsExactly(int p) {
    HyperLogLog hll = new HyperLogLog(p);
    SplittableRandom random = new SplittableRandom(p);
    for (int i = 0; i < 3 << p; i++) {
      hll.add(random.nextLong());
    }
    hll.add(0L); // maximal rank in register 0
    byte[] bytes = hll.toBytes();
    assertEquals(2 + 2 + (3 << p) / 4 + 4, bytes.length);
    HyperLogLog back = HyperLogLog.fromBytes(bytes);
    assertEquals(hll, back);
    assertEquals(hll.estimate(), back.estimate());
    assertArrayEquals(bytes, back.toBytes());
  }

  @Test
  void fromBytes_truncatedOrBitFlipped_throws() {
    HyperLogLog hll = new HyperLogLog(4);
    for (int i = 0; i < 40; i++) {
      hll.add(Hash64.hash(i));
    }
    byte[] bytes = hll.toBytes();
    for (int len = 0; len < bytes.length; len++) {
      byte[] cut = java.util.Arrays.copyOf(bytes, len);
      assertThrows(SketchFormatException.class, () -> HyperLogLog.fromBytes(cut), "len " + len);
    }
    for (int bit = 0; bit < bytes.length * 8; bit++) {
      byte[] flipped = bytes.clone();
      flipped[bit >>> 3] ^= (byte) (1 << (bit & 7));
      assertThrows(SketchFormatException.class, () -> HyperLogLog.fromBytes(flipped), "bit " + bit);
    }
    byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
    assertThrows(SketchFormatException.class, () -> HyperLogLog.fromBytes(longer));
  }

  @Test
  void fromBytes_wrongFamilyVersionOrRegister_throwsSayingWhat() {
    byte[] bytes = new HyperLogLog(4).toBytes();
    byte[] family = bytes.clone();
    family[1] = SketchBytes.FAMILY_CMS;
    assertTrue(message(Stats.reseal(family)).contains("family"));
    byte[] version = bytes.clone();
    version[0] = 9;
    assertTrue(message(Stats.reseal(version)).contains("version"));
    byte[] precision = bytes.clone();
    precision[2] = 19;
    assertTrue(message(Stats.reseal(precision)).contains("precision"));
    byte[] register = bytes.clone();
    register[4] = 62; // register 0 = 62 > 65 - 4
    assertTrue(message(Stats.reseal(register)).contains("register 0 value 62"));
    byte[] crc = bytes.clone();
    crc[crc.length - 1] ^= 1;
    assertTrue(message(crc).contains("checksum"));
    assertTrue(message(new byte[3]).contains("truncated"));
  }

  @Test
  void estimate_queriedBetweenUpdates_equalsEstimateOfAnUnqueriedSketch() {
    // The estimate is cached between register changes: every path that changes a register (add,
    // merge, setRegister) must invalidate it, so a sketch asked after every update agrees exactly
    // with one rebuilt from the same registers and asked once.
    SplittableRandom rnd = new SplittableRandom(7);
    HyperLogLog queried = new HyperLogLog(6);
    HyperLogLog other = new HyperLogLog(6);
    for (int i = 0; i < 5_000; i++) {
      queried.add(rnd.nextLong());
      other.add(rnd.nextLong());
      assertEquals(HyperLogLog.fromBytes(queried.toBytes()).estimate(), queried.estimate());
      if (i % 500 == 0) {
        queried.merge(other);
        assertEquals(HyperLogLog.fromBytes(queried.toBytes()).estimate(), queried.estimate());
        HyperLogLog copy = queried.copy();
        copy.setRegister(i % 64, copy.maxRank());
        assertEquals(HyperLogLog.fromBytes(copy.toBytes()).estimate(), copy.estimate());
        assertEquals(HyperLogLog.fromBytes(queried.toBytes()).estimate(), queried.estimate());
      }
    }
  }

  private static String message(byte[] bytes) {
    return assertThrows(SketchFormatException.class, () -> HyperLogLog.fromBytes(bytes))
        .getMessage();
  }
}
