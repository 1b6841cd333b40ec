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

  /** Relative errors of both estimators: hip[checkpoint][seed], register[checkpoint][seed]. */
  private record Errors(double[][] hip, double[][] register) {}

  /**
   * Streams {@code seeds} independent streams of distinct items and records the relative error of
   * {@link HyperLogLog#estimate()} (HIP: nothing is merged) and of {@link
   * HyperLogLog#registerEstimate()} at every checkpoint.
   */
  private static Errors relativeErrors(int p, long[] checkpoints, int seeds, long seedBase) {
    double[][] hip = new double[checkpoints.length][seeds];
    double[][] register = new double[checkpoints.length][seeds];
    for (int s = 0; s < seeds; s++) {
      HyperLogLog hll = new HyperLogLog(p);
      SplittableRandom random = new SplittableRandom(seedBase + s);
      long n = 0;
      for (int c = 0; c < checkpoints.length; c++) {
        for (; n < checkpoints[c]; n++) {
          // Random 64-bit items are distinct with probability 1 - 10^-7 at these sizes.
          hll.add(Hash64.hash(random.nextLong()));
        }
        assertTrue(hll.usesHipEstimate());
        hip[c][s] = hll.estimate() / n - 1;
        register[c][s] = hll.registerEstimate() / n - 1;
      }
    }
    return new Errors(hip, register);
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
    HyperLogLog fresh = new HyperLogLog(p);
    Errors errors = relativeErrors(p, checkpoints, 200, 1_000);
    for (int c = 0; c < checkpoints.length; c++) {
      assertWithinTheory(errors.hip[c], fresh.relativeStandardError(), "HIP n=" + checkpoints[c]);
      assertWithinTheory(
          errors.register[c],
          fresh.registerRelativeStandardError(),
          "register n=" + checkpoints[c]);
    }
  }

  /**
   * The theoretical relative standard error of HIP after n distinct items. HIP adds 1/P_t at each
   * register change, where P_t = kxq/m is the chance that item t changes a register; that is a
   * martingale with Var = sum_{t<n} E[1/P_t - 1]. Under the Poisson model each register has seen
   * Poisson(t/m) items, so E[P_t] = E[2^-R] with P(R <= r) = exp(-(t/m) 2^-r), and to second order
   * E[1/P] = (1 + Var(P)/E[P]^2) / E[P] with Var(P) = Var(2^-R)/m (m independent registers). For n
   * >> m this tends to sqrt(ln 2 / m); for n << m, P_t ~ 1 - 2t/(3m) (a new item lands in an
   * occupied register with chance t/m and then changes it with chance 1/3 on average), so it tends
   * to 1/sqrt(3m).
   */
  static double hipTheoreticalRse(int p, long n) {
    int m = 1 << p;
    int cap = 65 - p;
    double variance = 0;
    long t = 0;
    while (t < n) {
      long step = Math.min(n - t, Math.max(1, t >>> 12)); // the summand is smooth in t
      double lambda = (t + 0.5 * (step - 1)) / m;
      double mean = 0;
      double second = 0;
      double below = 0; // P(R <= r - 1)
      for (int r = 0; r < cap; r++) {
        double atMost = Math.exp(-lambda * Math.scalb(1.0, -r));
        double pr = atMost - below;
        below = atMost;
        mean += pr * Math.scalb(1.0, -r);
        second += pr * Math.scalb(1.0, -2 * r);
      }
      double relVar = (second - mean * mean) / (m * mean * mean);
      variance += step * ((1 + relVar) / mean - 1);
      t += step;
    }
    return Math.sqrt(variance) / n;
  }

  @Test
  void hipTheory_largeN_approachesSqrtLn2OverSqrtM_theRseReported() {
    for (int p : new int[] {8, 12, 16}) {
      double limit = new HyperLogLog(p).relativeStandardError();
      assertEquals(Math.sqrt(Math.log(2) / (1 << p)), limit, 1e-15);
      double theory = hipTheoreticalRse(p, 4_000L << p);
      assertEquals(1.0, theory / limit, 0.01, "p=" + p + " theory " + theory);
      // Far below m, HIP counts almost exactly: 1/sqrt(3m), well under the reported RSE.
      double small = hipTheoreticalRse(p, (1L << p) / 16);
      assertEquals(1.0, small * Math.sqrt(3 << p), 0.05, "p=" + p + " small-n theory " + small);
    }
  }

  /**
   * HIP's errors over many seeds match the martingale theory at n = 10 .. 10^6: no bias beyond 4
   * standard errors of the mean, RMS within 4 standard errors of the theoretical RSE (the standard
   * error of an RMS is estimated from the sample's own fourth moment, so the skewed, lumpy error
   * distribution at n = 10 is judged fairly), and, once errors are sums of many small contributions
   * (n >= 1000), at most the binomial slack of 1% beyond 3 theoretical RSE.
   */
  @Test
  void hipErrors_manySeeds_matchTheoryFrom10To1e6() {
    int p = 10;
    long[][] groups = {{10, 100}, {1_000, 10_000}, {100_000, 1_000_000}};
    int[] seeds = {40_000, 4_000, 400};
    StringBuilder report = new StringBuilder();
    for (int g = 0; g < groups.length; g++) {
      Errors errors = relativeErrors(p, groups[g], seeds[g], 50_000 + 1_000_000L * g);
      for (int c = 0; c < groups[g].length; c++) {
        long n = groups[g][c];
        double[] e = errors.hip[c];
        double theory = hipTheoreticalRse(p, n);
        double meanSq = 0;
        double meanFourth = 0;
        for (double x : e) {
          meanSq += x * x / e.length;
          meanFourth += x * x * x * x / e.length;
        }
        double rms = Math.sqrt(meanSq);
        double rmsStdError = Math.sqrt((meanFourth - meanSq * meanSq) / e.length) / (2 * rms);
        double mean = Stats.mean(e);
        report.append(
            String.format(
                "n=%d theory %.5f rms %.5f (+-%.5f) mean %.6f%n",
                n, theory, rms, rmsStdError, mean));
        assertTrue(Math.abs(mean) <= 4 * theory / Math.sqrt(e.length), "bias at n=" + n + report);
        assertTrue(Math.abs(rms - theory) <= 4 * rmsStdError, "rms at n=" + n + "\n" + report);
        if (n >= 1_000) {
          int outside = 0;
          for (double x : e) {
            if (Math.abs(x) > 3 * theory) {
              outside++;
            }
          }
          assertTrue(
              outside <= Stats.allowedFailures(e.length, 0.01),
              outside + " beyond 3 RSE at n=" + n + "\n" + report);
        }
      }
    }
    System.out.print(report);
  }

  @Test
  void estimate_cardinality1e7_withinThreeStandardErrors() {
    int p = 12;
    int seeds = 16;
    HyperLogLog fresh = new HyperLogLog(p);
    Errors errors = relativeErrors(p, new long[] {10_000_000}, seeds, 2_000);
    double[][] perEstimator = {errors.hip[0], errors.register[0]};
    double[] rses = {fresh.relativeStandardError(), fresh.registerRelativeStandardError()};
    for (int k = 0; k < 2; k++) {
      double rse = rses[k];
      for (double e : perEstimator[k]) {
        assertTrue(Math.abs(e) <= 3.5 * rse, "relative error " + e + " beyond 3.5 RSE " + rse);
      }
      assertTrue(Math.abs(Stats.mean(perEstimator[k])) <= 4 * rse / Math.sqrt(seeds));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {6, 10, 14})
  void estimate_smallToLargeTransition_hasNoBiasBump(int p) {
    // Classic HyperLogLog switches from linear counting to the raw estimate near n = 2.5 m and
    // shows a bias bump there; the improved register estimator must stay unbiased through 2.5m ..
    // 5m (HIP has no switch at all; checked too).
    int m = 1 << p;
    long[] checkpoints = new long[11];
    for (int i = 0; i < checkpoints.length; i++) {
      checkpoints[i] = Math.round(m * (0.5 + 0.5 * i)); // 0.5m .. 5.5m
    }
    int seeds = p >= 14 ? 60 : 600;
    HyperLogLog fresh = new HyperLogLog(p);
    Errors errors = relativeErrors(p, checkpoints, seeds, 3_000);
    for (int c = 0; c < checkpoints.length; c++) {
      assertWithinTheory(
          errors.register[c],
          fresh.registerRelativeStandardError(),
          "register p=" + p + " n=" + checkpoints[c]);
      assertWithinTheory(
          errors.hip[c], fresh.relativeStandardError(), "HIP p=" + p + " n=" + checkpoints[c]);
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
    // setRegister breaks the update history, so these sketches use the register estimator.
    double rse = new HyperLogLog(p).registerRelativeStandardError();
    SplittableRandom random = new SplittableRandom(Double.doubleToLongBits(n));
    double[] errors = new double[trials];
    for (int t = 0; t < trials; t++) {
      HyperLogLog hll = simulated(p, n, random);
      assertFalse(hll.usesHipEstimate());
      assertEquals(hll.registerEstimate(), hll.estimate());
      assertEquals(rse, hll.relativeStandardError());
      errors[t] = hll.estimate() / n - 1;
    }
    assertWithinTheory(errors, rse, "simulated n=" + n);
  }

  @Test
  void estimate_empty_isZero() {
    HyperLogLog hll = new HyperLogLog(8);
    assertTrue(hll.isEmpty());
    assertEquals(0.0, hll.estimate());
    assertEquals(0.0, hll.registerEstimate());
    hll.add(Hash64.hash(1));
    assertFalse(hll.isEmpty());
    assertEquals(1.0, hll.estimate()); // HIP: the first change had probability kxq/m = 1
    assertEquals(1.0, hll.registerEstimate(), 0.01);
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
  void merge_equalsUnionSketchRegisters_andSwitchesToRegisterEstimator() {
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
      assertTrue(union.sameRegisters(merged));
      assertFalse(union.sameRegisters(a));
      assertTrue(union.usesHipEstimate());
      assertFalse(merged.usesHipEstimate());
      assertEquals(union.registerEstimate(), merged.estimate());
      assertEquals(union.registerEstimate(), merged.registerEstimate());
      assertEquals(union.registerRelativeStandardError(), merged.relativeStandardError());
      assertTrue(merged.relativeStandardError() > union.relativeStandardError());
      // Same registers, different estimator state: not equal (their estimate()s differ).
      assertNotEquals(union, merged);
      assertNotEquals(union.estimate(), merged.estimate());
      // Adding after a merge keeps the register estimator (the history stays broken).
      merged.add(Hash64.hash(random.nextLong()));
      assertFalse(merged.usesHipEstimate());
      assertEquals(merged.registerEstimate(), merged.estimate());
    }
  }

  @Test
  void merge_withEmptySide_losesNothingAndKeepsHip() {
    HyperLogLog a = new HyperLogLog(8);
    for (int i = 0; i < 2_000; i++) {
      a.add(Hash64.hash(i));
    }
    HyperLogLog before = a.copy();
    a.merge(new HyperLogLog(8));
    assertEquals(before, a);
    assertTrue(a.usesHipEstimate());

    HyperLogLog into = new HyperLogLog(8);
    into.merge(a);
    assertEquals(a, into);
    assertEquals(a.estimate(), into.estimate());
    // ... and the adopted HIP state keeps counting exactly as the original would.
    for (int i = 2_000; i < 4_000; i++) {
      a.add(Hash64.hash(i));
      into.add(Hash64.hash(i));
    }
    assertEquals(a, into);
    assertTrue(into.usesHipEstimate());
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

  @Test
  void copy_keepsHipState_andContinuesIdentically() {
    HyperLogLog a = new HyperLogLog(10);
    for (int i = 0; i < 5_000; i++) {
      a.add(Hash64.hash(i));
    }
    HyperLogLog b = a.copy();
    assertEquals(a, b);
    assertTrue(b.usesHipEstimate());
    assertEquals(a.estimate(), b.estimate());
    assertNotEquals(b.registerEstimate(), b.estimate());
    for (int i = 5_000; i < 50_000; i++) {
      a.add(Hash64.hash(i));
      b.add(Hash64.hash(i));
    }
    assertEquals(a, b); // includes the HIP estimate, bit for bit: kxq was copied too
    HyperLogLog merged = a.copy();
    merged.merge(b.copy()); // both non-empty: out of order
    HyperLogLog mergedCopy = merged.copy();
    assertFalse(mergedCopy.usesHipEstimate());
    assertEquals(merged, mergedCopy);
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5, 8, 12, 18})
  void fromBytes_ofToBytes_roundTripsExactly(int p) {
    HyperLogLog hll = new HyperLogLog(p);
    SplittableRandom random = new SplittableRandom(p);
    for (int i = 0; i < 3 << p; i++) {
      hll.add(random.nextLong());
    }
    hll.add(0L); // maximal rank in register 0 (contributes 0 to kxq)
    byte[] bytes = hll.toBytes();
    assertEquals(2 + 2 + 8 + (3 << p) / 4 + 4, bytes.length);
    assertEquals(2, bytes[0]);
    HyperLogLog back = HyperLogLog.fromBytes(bytes);
    assertEquals(hll, back);
    assertTrue(back.usesHipEstimate());
    assertEquals(hll.estimate(), back.estimate());
    assertEquals(hll.registerEstimate(), back.registerEstimate());
    assertArrayEquals(bytes, back.toBytes());
    // kxq is recomputed from the registers exactly: both keep counting bit-for-bit alike.
    for (int i = 0; i < 5 << p; i++) {
      long h = random.nextLong();
      hll.add(h);
      back.add(h);
    }
    assertEquals(hll, back);

    HyperLogLog merged = hll.copy();
    merged.merge(HyperLogLog.fromBytes(bytes));
    HyperLogLog mergedBack = HyperLogLog.fromBytes(merged.toBytes());
    assertEquals(merged, mergedBack);
    assertFalse(mergedBack.usesHipEstimate());
    assertEquals(merged.estimate(), mergedBack.estimate());
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
    register[12] = 62; // register 0 = 62 > 65 - 4
    assertTrue(message(Stats.reseal(register)).contains("register 0 value 62"));
    byte[] flags = bytes.clone();
    flags[3] = 2;
    assertTrue(message(Stats.reseal(flags)).contains("unknown flags 2"));
    assertTrue(message(Stats.reseal(withHip(bytes, 1.0))).contains("impossible")); // empty
    assertTrue(message(Stats.reseal(withHip(bytes, -0.0))).contains("impossible"));
    byte[] outOfOrderWithHip = withHip(bytes, 3.0);
    outOfOrderWithHip[3] = 1;
    assertTrue(message(Stats.reseal(outOfOrderWithHip)).contains("out-of-order"));
    HyperLogLog some = new HyperLogLog(4);
    for (int i = 0; i < 100; i++) {
      some.add(Hash64.hash(i));
    }
    byte[] full = some.toBytes();
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, 0.0, 1.0, -5.0}) {
      // After 100 items (nearly) all 16 registers are nonzero: HIP must be >= that count.
      assertTrue(message(Stats.reseal(withHip(full, bad))).contains("impossible"), "hip " + bad);
    }
    assertEquals(some, HyperLogLog.fromBytes(Stats.reseal(withHip(full, some.estimate()))));
    byte[] crc = bytes.clone();
    crc[crc.length - 1] ^= 1;
    assertTrue(message(crc).contains("checksum"));
    assertTrue(message(new byte[3]).contains("truncated"));
  }

  /** A copy of version-2 bytes with the HIP field replaced (checksum not updated). */
  private static byte[] withHip(byte[] bytes, double hip) {
    byte[] copy = bytes.clone();
    java.nio.ByteBuffer.wrap(copy).order(java.nio.ByteOrder.LITTLE_ENDIAN).putDouble(4, hip);
    return copy;
  }

  @Test
  void clear_afterAdds_isANewSketchAgain() {
    for (int p = HyperLogLog.MIN_PRECISION; p <= 12; p += 4) {
      SplittableRandom random = new SplittableRandom(p);
      HyperLogLog hll = new HyperLogLog(p);
      for (int i = 0; i < 5000; i++) {
        hll.add(random.nextLong());
      }
      hll.clear();
      assertTrue(hll.isEmpty());
      assertEquals(0.0, hll.estimate());
      assertArrayEquals(new HyperLogLog(p).toBytes(), hll.toBytes());
      // And it counts afresh, the HIP estimate included.
      HyperLogLog fresh = new HyperLogLog(p);
      for (int i = 0; i < 300; i++) {
        long h = random.nextLong();
        hll.add(h);
        fresh.add(h);
      }
      assertEquals(fresh.estimate(), hll.estimate());
      assertArrayEquals(fresh.toBytes(), hll.toBytes());
    }
  }

  private static String message(byte[] bytes) {
    return assertThrows(SketchFormatException.class, () -> HyperLogLog.fromBytes(bytes))
        .getMessage();
  }
}
