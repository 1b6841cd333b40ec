package io.distillwatch.core.sketch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpaceSavingTest {
  private static final Zipf ZIPF = new Zipf(5_000, 1.0);

  /** Every guarantee of the contract, checked against the exact counts. */
  private static void assertGuarantees(SpaceSaving ss, Map<Long, Long> exact, String where) {
    long n = exact.values().stream().mapToLong(Long::longValue).sum();
    assertEquals(n, ss.totalCount(), where);
    assertTrue(ss.size() <= ss.capacity(), where);
    List<HeavyHitter> top = ss.top(ss.size());
    assertEquals(ss.size(), top.size(), where);
    long previous = Long.MAX_VALUE;
    for (HeavyHitter h : top) {
      long truth = exact.getOrDefault(h.key(), 0L);
      assertTrue(
          h.lowerBound() <= truth && truth <= h.count(), where + ": " + h + " true " + truth);
      assertTrue(h.count() <= previous, where + ": top not sorted by count");
      assertEquals(h.count(), ss.estimate(h.key()), where);
      previous = h.count();
    }
    for (Map.Entry<Long, Long> e : exact.entrySet()) {
      long truth = e.getValue();
      assertTrue(ss.estimate(e.getKey()) >= truth, where + ": estimate below truth");
      if (truth * ss.capacity() > n) {
        assertTrue(
            top.stream().anyMatch(h -> h.key() == e.getKey()),
            where + ": key with " + truth + " > N/c = " + (double) n / ss.capacity() + " missing");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 10, 64, 500})
  void add_fuzzAgainstExactModel_keepsEveryGuarantee(int capacity) {
    for (long seed = 0; seed < 20; seed++) {
      SpaceSaving ss = new SpaceSaving(capacity);
      Map<Long, Long> exact = new HashMap<>();
      SplittableRandom random = new SplittableRandom(seed);
      int[] ranks = ZIPF.ranks(seed, 6_000);
      for (int i = 0; i < ranks.length; i++) {
        // Keys are raw ranks (not hashed) to exercise clustered probing in the index.
        long key = seed % 2 == 0 ? ranks[i] : Zipf.key(seed, ranks[i]);
        long w = random.nextInt(4); // includes zero weights, which must be no-ops
        ss.add(key, w);
        if (w > 0) {
          exact.merge(key, w, Long::sum);
        }
        if (i % 1_500 == 0) {
          assertGuarantees(ss, exact, "c=" + capacity + " seed=" + seed + " i=" + i);
        }
      }
      assertGuarantees(ss, exact, "c=" + capacity + " seed=" + seed);
      assertEquals(ss, SpaceSaving.fromBytes(ss.toBytes()));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 16, 200})
  void merge_ofPartitionedStream_keepsGuaranteesForWholeStream(int capacity) {
    for (long seed = 0; seed < 20; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      int parts = 2 + random.nextInt(3);
      SpaceSaving[] summaries = new SpaceSaving[parts];
      for (int i = 0; i < parts; i++) {
        summaries[i] = new SpaceSaving(capacity);
      }
      Map<Long, Long> exact = new HashMap<>();
      for (int rank : ZIPF.ranks(seed, 8_000)) {
        long key = Zipf.key(seed, rank);
        // Skew the partition so the summaries have different minima.
        int part = random.nextInt(parts * parts) % parts;
        summaries[part].add(key, 1);
        exact.merge(key, 1L, Long::sum);
      }
      SpaceSaving merged = summaries[0].copy();
      for (int i = 1; i < parts; i++) {
        merged.merge(summaries[i]);
      }
      assertGuarantees(merged, exact, "merged c=" + capacity + " seed=" + seed);
      // The merged summary keeps working as a Space-Saving summary.
      for (int rank : ZIPF.ranks(~seed, 2_000)) {
        long key = Zipf.key(seed, rank);
        merged.add(key, 1);
        exact.merge(key, 1L, Long::sum);
      }
      assertGuarantees(merged, exact, "merged then added c=" + capacity + " seed=" + seed);
    }
  }

  @Test
  void top_exactWhenUnderCapacity_sortedByCountThenKey() {
    SpaceSaving ss = new SpaceSaving(10);
    ss.add(5, 3);
    ss.add(1, 7);
    ss.add(9, 3);
    ss.add(5, 0);
    assertEquals(
        List.of(new HeavyHitter(1, 7, 0), new HeavyHitter(5, 3, 0), new HeavyHitter(9, 3, 0)),
        ss.top(5));
    assertEquals(List.of(new HeavyHitter(1, 7, 0)), ss.top(1));
    assertEquals(0, ss.estimate(42));
    assertEquals(13, ss.totalCount());
  }

  @Test
  void estimate_unmonitoredKeyWhenFull_isSmallestCount() {
    SpaceSaving ss = new SpaceSaving(2);
    ss.add(1, 5);
    ss.add(2, 3);
    ss.add(3, 1); // evicts key 2: count 4, error 3
    assertEquals(List.of(new HeavyHitter(1, 5, 0), new HeavyHitter(3, 4, 3)), ss.top(2));
    assertEquals(4, ss.estimate(2));
  }

  @Test
  void constructorAndAdd_badParameters_throwNamingBound() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> new SpaceSaving(0))
            .getMessage()
            .contains("[1, "));
    assertThrows(IllegalArgumentException.class, () -> new SpaceSaving(4).add(1, -1));
    assertThrows(IllegalArgumentException.class, () -> new SpaceSaving(4).top(-1));
    assertThrows(
        IllegalArgumentException.class, () -> new SpaceSaving(4).merge(new SpaceSaving(5)));
  }

  @Test
  void fromBytes_corruptOrTruncated_throws() {
    SpaceSaving ss = new SpaceSaving(3);
    ss.add(10, 4);
    ss.add(20, 2);
    ss.add(30, 1);
    ss.add(40, 1);
    byte[] bytes = ss.toBytes();
    assertArrayEquals(bytes, SpaceSaving.fromBytes(bytes).toBytes());
    for (int len = 0; len < bytes.length; len++) {
      byte[] cut = Arrays.copyOf(bytes, len);
      assertThrows(SketchFormatException.class, () -> SpaceSaving.fromBytes(cut));
    }
    for (int bit = 0; bit < bytes.length * 8; bit++) {
      byte[] flipped = bytes.clone();
      flipped[bit >>> 3] ^= (byte) (1 << (bit & 7));
      assertThrows(SketchFormatException.class, () -> SpaceSaving.fromBytes(flipped));
    }
    // Entry 1 (offset 18 + 24) gets the key of entry 0: a duplicate, sealed with a valid CRC.
    byte[] duplicate = bytes.clone();
    System.arraycopy(bytes, 18, duplicate, 18 + 24, 8);
    String message =
        assertThrows(
                SketchFormatException.class, () -> SpaceSaving.fromBytes(Stats.reseal(duplicate)))
            .getMessage();
    assertTrue(message.contains("repeats key") || message.contains("out of order"), message);
  }
}
