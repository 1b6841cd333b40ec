package io.distillwatch.core.sketch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CountMinSketchTest {
  private static final Zipf ZIPF = new Zipf(20_000, 1.1);

  @Test
  void estimate_zipfStreams_neverUnderestimatesAndConservativeNeverExceedsPlain() {
    for (long seed = 0; seed < 30; seed++) {
      CountMinSketch plain = new CountMinSketch(256, 4, false, seed);
      CountMinSketch conservative = new CountMinSketch(256, 4, true, seed);
      Map<Long, Long> exact = new HashMap<>();
      SplittableRandom weights = new SplittableRandom(~seed);
      for (int rank : ZIPF.ranks(seed, 20_000)) {
        long key = Zipf.key(seed, rank);
        long w = 1 + weights.nextInt(3);
        plain.add(key, w);
        conservative.add(key, w);
        exact.merge(key, w, Long::sum);
      }
      assertEquals(plain.totalCount(), conservative.totalCount());
      for (Map.Entry<Long, Long> e : exact.entrySet()) {
        long p = plain.estimate(e.getKey());
        long c = conservative.estimate(e.getKey());
        assertTrue(c >= e.getValue(), "conservative underestimates, seed " + seed);
        assertTrue(p >= c, "conservative " + c + " > plain " + p + ", seed " + seed);
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"64, 1, false", "64, 2, false", "64, 4, false", "64, 2, true", "512, 3, false"})
  void estimate_overshootBeyondEpsilonN_inAtMostDeltaShareOfQueries(
      int width, int depth, boolean conservative) {
    // Pooled over seeds, the share of (key, seed) queries overshooting by more than eps N must not
    // exceed delta beyond binomial sampling slack. Absent keys are queried too.
    int queries = 0;
    int overshoots = 0;
    for (long seed = 0; seed < 40; seed++) {
      CountMinSketch cms = new CountMinSketch(width, depth, conservative, seed);
      Map<Long, Long> exact = new HashMap<>();
      for (int rank : ZIPF.ranks(seed, 10_000)) {
        long key = Zipf.key(seed, rank);
        cms.add(key, 1);
        exact.merge(key, 1L, Long::sum);
      }
      double bound = cms.epsilon() * cms.totalCount();
      for (int rank = 1; rank <= 3_000; rank++) {
        long key = Zipf.key(seed, rank);
        long truth = exact.getOrDefault(key, 0L);
        long estimate = cms.estimate(key);
        assertTrue(estimate >= truth, "underestimate");
        queries++;
        if (estimate > truth + bound) {
          overshoots++;
        }
      }
    }
    CountMinSketch shape = new CountMinSketch(width, depth, conservative);
    int allowed = Stats.allowedFailures(queries, shape.delta());
    assertTrue(
        overshoots <= allowed,
        overshoots + " of " + queries + " queries overshoot eps N; delta allows " + allowed);
  }

  @Test
  void merge_plainSketches_equalsSketchOfConcatenatedStream() {
    for (long seed = 0; seed < 10; seed++) {
      CountMinSketch a = new CountMinSketch(128, 4, false);
      CountMinSketch b = new CountMinSketch(128, 4, false);
      CountMinSketch whole = new CountMinSketch(128, 4, false);
      int[] ranks = ZIPF.ranks(seed, 5_000);
      for (int i = 0; i < ranks.length; i++) {
        long key = Zipf.key(seed, ranks[i]);
        (i < ranks.length / 3 ? a : b).add(key, i % 5);
        whole.add(key, i % 5);
      }
      a.merge(b);
      assertEquals(whole, a);
    }
  }

  @Test
  void merge_conservativeSketches_neverUnderestimatesConcatenatedStream() {
    for (long seed = 0; seed < 10; seed++) {
      CountMinSketch a = new CountMinSketch(64, 3, true);
      CountMinSketch b = new CountMinSketch(64, 3, true);
      Map<Long, Long> exact = new HashMap<>();
      int[] ranks = ZIPF.ranks(seed, 5_000);
      for (int i = 0; i < ranks.length; i++) {
        long key = Zipf.key(seed, ranks[i]);
        (i % 2 == 0 ? a : b).add(key, 1);
        exact.merge(key, 1L, Long::sum);
      }
      a.merge(b);
      assertEquals(5_000, a.totalCount());
      for (Map.Entry<Long, Long> e : exact.entrySet()) {
        assertTrue(a.estimate(e.getKey()) >= e.getValue());
      }
      assertEquals(a, CountMinSketch.fromBytes(a.toBytes()));
    }
  }

  @Test
  void merge_incompatibleSketches_throws() {
    CountMinSketch base = new CountMinSketch(64, 3, false);
    assertThrows(
        IllegalArgumentException.class, () -> base.merge(new CountMinSketch(128, 3, false)));
    assertThrows(
        IllegalArgumentException.class, () -> base.merge(new CountMinSketch(64, 4, false)));
    assertThrows(IllegalArgumentException.class, () -> base.merge(new CountMinSketch(64, 3, true)));
    assertThrows(
        IllegalArgumentException.class, () -> base.merge(new CountMinSketch(64, 3, false, 42)));
  }

  @Test
  void withError_roundsWidthUpToPowerOfTwoAndDepthToLnOneOverDelta() {
    CountMinSketch cms = CountMinSketch.withError(0.001, 0.01);
    assertEquals(4096, cms.width());
    assertEquals(5, cms.depth());
    assertTrue(cms.epsilon() <= 0.001);
    assertTrue(cms.delta() <= 0.01);
    assertEquals(512, CountMinSketch.withError(0.01, 0.5).width());
    assertEquals(1, CountMinSketch.withError(0.01, 0.5).depth());
  }

  @Test
  void constructor_badParameters_throwNamingBound() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> new CountMinSketch(100, 4, false))
            .getMessage()
            .contains("power of two"));
    assertThrows(IllegalArgumentException.class, () -> new CountMinSketch(1, 4, false));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> new CountMinSketch(64, 33, false))
            .getMessage()
            .contains("[1, 32]"));
    assertThrows(IllegalArgumentException.class, () -> new CountMinSketch(64, 0, false));
    assertThrows(IllegalArgumentException.class, () -> CountMinSketch.withError(0, 0.1));
    assertThrows(IllegalArgumentException.class, () -> CountMinSketch.withError(0.1, 1));
    assertThrows(IllegalArgumentException.class, () -> new CountMinSketch(64, 2, false).add(1, -1));
  }

  @Test
  void add_totalBeyondLongRange_throwsInsteadOfWrapping() {
    CountMinSketch cms = new CountMinSketch(64, 2, false);
    cms.add(1, Long.MAX_VALUE);
    assertThrows(ArithmeticException.class, () -> cms.add(2, 1));
    assertEquals(Long.MAX_VALUE, cms.estimate(1));
  }

  @Test
  void fromBytes_ofToBytes_roundTripsExactly() {
    for (boolean conservative : new boolean[] {false, true}) {
      CountMinSketch cms = new CountMinSketch(32, 3, conservative, 99);
      for (int rank : ZIPF.ranks(1, 2_000)) {
        cms.add(Zipf.key(1, rank), 1);
      }
      byte[] bytes = cms.toBytes();
      CountMinSketch back = CountMinSketch.fromBytes(bytes);
      assertEquals(cms, back);
      assertEquals(99, back.seed());
      assertEquals(conservative, back.conservative());
      assertArrayEquals(bytes, back.toBytes());
    }
  }

  @Test
  void fromBytes_corruptOrTruncated_throws() {
    CountMinSketch cms = new CountMinSketch(4, 2, false);
    cms.add(Hash64.hash(1), 5);
    cms.add(Hash64.hash(2), 3);
    byte[] bytes = cms.toBytes();
    for (int len = 0; len < bytes.length; len++) {
      byte[] cut = Arrays.copyOf(bytes, len);
      assertThrows(SketchFormatException.class, () -> CountMinSketch.fromBytes(cut));
    }
    for (int bit = 0; bit < bytes.length * 8; bit++) {
      byte[] flipped = bytes.clone();
      flipped[bit >>> 3] ^= (byte) (1 << (bit & 7));
      assertThrows(SketchFormatException.class, () -> CountMinSketch.fromBytes(flipped));
    }
    byte[] rowSum = bytes.clone();
    rowSum[21] += 1; // first counter of row 0 no longer sums to N
    assertTrue(
        assertThrows(
                SketchFormatException.class, () -> CountMinSketch.fromBytes(Stats.reseal(rowSum)))
            .getMessage()
            .contains("sums to"));
    byte[] family = bytes.clone();
    family[1] = SketchBytes.FAMILY_HLL;
    assertTrue(
        assertThrows(
                SketchFormatException.class, () -> CountMinSketch.fromBytes(Stats.reseal(family)))
            .getMessage()
            .contains("family"));
  }
}
