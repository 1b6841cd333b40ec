package io.distillwatch.core.sketch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MinHashTest {

  /** Two sketches of sets with |A u B| = union and Jaccard = shared / union. */
  private static MinHash[] pair(int k, int union, int shared, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    MinHash a = new MinHash(k);
    MinHash b = new MinHash(k);
    for (int i = 0; i < shared; i++) {
      long f = random.nextLong();
      a.add(f);
      b.add(f);
    }
    for (int i = shared; i < union; i++) {
      ((i - shared) % 2 == 0 ? a : b).add(random.nextLong());
    }
    return new MinHash[] {a, b};
  }

  @Test
  void removeIf_equalsTheSketchOfTheSetWithoutTheDroppedBinsFeatures() {
    // Exact model: a bin keeps the smallest value among its features; removing the features a
    // predicate drops empties exactly the bins whose minimum was dropped, and leaves the others.
    for (long seed = 0; seed < 200; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      int k = 1 << (3 + random.nextInt(5));
      int n = 1 + random.nextInt(4 * k);
      long[] features = new long[n];
      MinHash sketch = new MinHash(k);
      for (int i = 0; i < n; i++) {
        features[i] = random.nextLong();
        sketch.add(features[i]);
      }
      java.util.Set<Long> dropped = new java.util.HashSet<>();
      for (long f : features) {
        if (random.nextInt(3) == 0) {
          dropped.add(f);
        }
      }
      long[] before = sketch.rawBins();
      java.util.Set<Long> seen = new java.util.HashSet<>();
      int removed = sketch.removeIf(f -> seen.add(f) && dropped.contains(f));
      long[] after = sketch.rawBins();
      // Every feature the predicate saw is the minimum of a different occupied bin.
      assertEquals(sketch.occupiedBins() + removed, seen.size(), "seed " + seed);
      int emptied = 0;
      for (int b = 0; b < k; b++) {
        if (before[b] != after[b]) {
          assertEquals(Long.MAX_VALUE, after[b], "a changed bin is emptied, seed " + seed);
          emptied++;
        }
      }
      assertEquals(removed, emptied);
      // The recovered minima are exactly the features whose one-feature sketch has that bin.
      for (long f : seen) {
        MinHash one = new MinHash(k);
        one.add(f);
        long[] bins = one.rawBins();
        int bin = 0;
        while (bins[bin] == Long.MAX_VALUE) {
          bin++;
        }
        assertEquals(before[bin], bins[bin], "seed " + seed);
        assertTrue(java.util.Arrays.stream(features).anyMatch(x -> x == f));
      }
      // Adding the surviving features to a fresh sketch gives every bin that was not emptied.
      MinHash survivors = new MinHash(k);
      for (long f : features) {
        if (!dropped.contains(f)) {
          survivors.add(f);
        }
      }
      long[] s = survivors.rawBins();
      for (int b = 0; b < k; b++) {
        if (after[b] != Long.MAX_VALUE) {
          assertEquals(s[b], after[b], "kept bin " + b + ", seed " + seed);
        }
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"0.0, 1000", "0.1, 1000", "0.5, 1000", "0.9, 1000", "1.0, 1000", "0.5, 60"})
  void jaccard_manySeeds_withinTheoreticalDeviation(double j, int union) {
    // union = 60 < k leaves most bins empty, exercising densification.
    int k = 128;
    int trials = 400;
    int shared = (int) Math.round(j * union);
    double truth = (double) shared / union;
    double sd = Math.sqrt(truth * (1 - truth) / k);
    double[] errors = new double[trials];
    for (int t = 0; t < trials; t++) {
      MinHash[] p = pair(k, union, shared, 1_000L * union + t);
      errors[t] = p[0].jaccard(p[1]) - truth;
    }
    if (truth == 0 || truth == 1) {
      for (double e : errors) {
        assertEquals(0.0, e, "disjoint or equal sets must be estimated exactly");
      }
      return;
    }
    double observedSd =
        Math.sqrt(Stats.rms(errors) * Stats.rms(errors) - Math.pow(Stats.mean(errors), 2));
    // Unbiased: mean within 4 standard errors of the mean (observed sd: densified sparse sets
    // have more variance than k full bins).
    assertTrue(
        Math.abs(Stats.mean(errors)) <= 4 * Math.max(sd, observedSd) / Math.sqrt(trials),
        "bias " + Stats.mean(errors));
    if (union >= 10 * k) {
      assertTrue(observedSd <= 1.15 * sd, "sd " + observedSd + " vs theory " + sd);
      int outside = 0;
      for (double e : errors) {
        if (Math.abs(e) > 3.5 * sd) {
          outside++;
        }
      }
      int allowed = Stats.allowedFailures(trials, 0.01);
      assertTrue(outside <= allowed, outside + " of " + trials + " beyond 3.5 sd");
    }
  }

  @ParameterizedTest
  @CsvSource({"0.3, 16", "0.5, 16", "0.5, 8", "0.8, 32"})
  void bandKeys_collisionRate_matchesOneMinusOneMinusJToTheRToTheB(double j, int bands) {
    int k = 64;
    int rows = k / bands;
    int trials = 600;
    int union = 1_000;
    int shared = (int) Math.round(j * union);
    int collisions = 0;
    for (int t = 0; t < trials; t++) {
      MinHash[] p = pair(k, union, shared, 7_000_000L + 1_000L * bands + t);
      long[] ka = p[0].bandKeys(bands);
      long[] kb = p[1].bandKeys(bands);
      boolean any = false;
      for (int band = 0; band < bands; band++) {
        any |= ka[band] == kb[band];
      }
      collisions += any ? 1 : 0;
    }
    double expected = 1 - Math.pow(1 - Math.pow(j, rows), bands);
    double rate = (double) collisions / trials;
    double slack = 4 * Math.sqrt(expected * (1 - expected) / trials) + 0.03;
    assertEquals(expected, rate, slack, "band collision rate");
  }

  @Test
  void bandKeys_differentBandsOfIdenticalValues_differ() {
    MinHash a = new MinHash(16);
    a.add(1); // one feature: every densified bin holds the same value
    long[] keys = a.bandKeys(4);
    assertEquals(4, Arrays.stream(keys).distinct().count());
    assertArrayEquals(keys, a.copy().bandKeys(4));
    assertThrows(IllegalArgumentException.class, () -> a.bandKeys(3));
    assertThrows(IllegalArgumentException.class, () -> a.bandKeys(32));
  }

  @Test
  void merge_ofTwoSketches_equalsSketchOfUnion() {
    for (long seed = 0; seed < 20; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      MinHash a = new MinHash(64);
      MinHash b = new MinHash(64);
      MinHash union = new MinHash(64);
      for (int i = 0; i < 10 + random.nextInt(500); i++) {
        long f = random.nextLong();
        (random.nextBoolean() ? a : b).add(f);
        union.add(f);
      }
      a.merge(b);
      assertEquals(union, a);
      assertArrayEquals(union.signature(), a.signature());
    }
  }

  @Test
  void emptySketches_haveDefinedJaccardAndNoBandKeys() {
    MinHash empty = new MinHash(32);
    MinHash one = new MinHash(32);
    one.add(42);
    assertTrue(empty.isEmpty());
    assertEquals(1.0, empty.jaccard(new MinHash(32)));
    assertEquals(0.0, empty.jaccard(one));
    assertEquals(0.0, one.jaccard(empty));
    assertEquals(1.0, one.jaccard(one.copy()));
    assertEquals(0, empty.bandKeys(4).length);
    assertTrue(Arrays.stream(empty.signature()).allMatch(v -> v == Long.MAX_VALUE));
    assertTrue(Arrays.stream(one.signature()).noneMatch(v -> v == Long.MAX_VALUE));
  }

  @Test
  void add_duplicateFeature_changesNothing() {
    MinHash a = new MinHash(16);
    a.add(5);
    MinHash b = a.copy();
    b.add(5);
    assertEquals(a, b);
    b.add(6);
    assertNotEquals(a, b);
  }

  @Test
  void constructorAndMerge_badParameters_throwNamingBound() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> new MinHash(100))
            .getMessage()
            .contains("[8, 4096]"));
    assertThrows(IllegalArgumentException.class, () -> new MinHash(4));
    assertThrows(IllegalArgumentException.class, () -> new MinHash(16).merge(new MinHash(32)));
    assertThrows(IllegalArgumentException.class, () -> new MinHash(16).jaccard(new MinHash(32)));
  }

  @Test
  void fromBytes_roundTripExactly_andCorruptThrows() {
    MinHash a = new MinHash(8);
    a.add(1);
    a.add(2);
    byte[] bytes = a.toBytes();
    assertEquals(a, MinHash.fromBytes(bytes));
    assertArrayEquals(bytes, MinHash.fromBytes(bytes).toBytes());
    for (int len = 0; len < bytes.length; len++) {
      byte[] cut = Arrays.copyOf(bytes, len);
      assertThrows(SketchFormatException.class, () -> MinHash.fromBytes(cut));
    }
    for (int bit = 0; bit < bytes.length * 8; bit++) {
      byte[] flipped = bytes.clone();
      flipped[bit >>> 3] ^= (byte) (1 << (bit & 7));
      assertThrows(SketchFormatException.class, () -> MinHash.fromBytes(flipped));
    }
    byte[] outOfRange = bytes.clone();
    Arrays.fill(outOfRange, 4, 12, (byte) 0xF0); // bin 0 = negative, not EMPTY
    assertTrue(
        assertThrows(SketchFormatException.class, () -> MinHash.fromBytes(Stats.reseal(outOfRange)))
            .getMessage()
            .contains("bin 0"));
  }
}
