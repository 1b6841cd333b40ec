package io.distillwatch.core.window;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SlidingWindowTest {

  /** The exact model: every accepted event kept, the window recomputed by brute force. */
  static final class ExactWindow {
    final int buckets;
    final long bucketMillis;
    final long lateness;
    final List<long[]> events = new ArrayList<>(); // {ts, valueBits}
    final List<Double> values = new ArrayList<>();
    long head = Long.MIN_VALUE;
    long late;

    ExactWindow(int buckets, long bucketMillis, long lateness) {
      this.buckets = buckets;
      this.bucketMillis = bucketMillis;
      this.lateness = lateness;
    }

    boolean add(long ts, double v) {
      if (head != Long.MIN_VALUE && ts < head) {
        boolean inWindow =
            Math.floorDiv(ts, bucketMillis) > Math.floorDiv(head, bucketMillis) - buckets;
        if (head - ts > lateness || !inWindow) {
          late++;
          return false;
        }
      }
      head = Math.max(head, ts);
      events.add(new long[] {ts});
      values.add(v);
      return true;
    }

    long asOfBucket(long now) {
      return Math.max(Math.floorDiv(now, bucketMillis), Math.floorDiv(head, bucketMillis));
    }

    long count(long now) {
      if (head == Long.MIN_VALUE) {
        return 0;
      }
      long nb = asOfBucket(now);
      long c = 0;
      for (long[] e : events) {
        long b = Math.floorDiv(e[0], bucketMillis);
        if (b > nb - buckets && b <= nb) {
          c++;
        }
      }
      return c;
    }

    double sum(long now) {
      if (head == Long.MIN_VALUE) {
        return 0;
      }
      long nb = asOfBucket(now);
      double s = 0;
      for (int i = 0; i < events.size(); i++) {
        long b = Math.floorDiv(events.get(i)[0], bucketMillis);
        if (b > nb - buckets && b <= nb) {
          s += values.get(i);
        }
      }
      return s;
    }

    long[] bucketCounts(long now) {
      long[] dst = new long[buckets];
      if (head == Long.MIN_VALUE) {
        return dst;
      }
      long nb = asOfBucket(now);
      for (long[] e : events) {
        long b = Math.floorDiv(e[0], bucketMillis);
        if (b > nb - buckets && b <= nb) {
          dst[(int) (b - (nb - buckets + 1))]++;
        }
      }
      return dst;
    }
  }

  @ParameterizedTest(name = "{0} x {1} ms, lateness {2}")
  @CsvSource({
    "60, 60000, -1",
    "24, 3600000, 7200000",
    "14, 86400000, 0",
    "1, 1000, 500",
    "7, 3, 5"
  })
  void add_randomOutOfOrderStreams_matchesExactModel(
      int buckets, long bucketMillis, long lateness) {
    long span = buckets * bucketMillis;
    for (int seed = 0; seed < 60; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed * 7919L + buckets);
      SlidingWindow.Builder b =
          SlidingWindow.builder().buckets(buckets).bucketMillis(bucketMillis).trackSums(true);
      if (lateness >= 0) {
        b.allowedLatenessMillis(lateness);
      }
      SlidingWindow w = b.build();
      ExactWindow exact = new ExactWindow(buckets, bucketMillis, w.allowedLatenessMillis());
      long t = rnd.nextLong(-3 * span, 3 * span); // negative timestamps too
      long[] dst = new long[buckets];
      for (int i = 0; i < 400; i++) {
        int kind = rnd.nextInt(100);
        long ts;
        if (kind < 60) {
          t += rnd.nextLong(0, Math.max(1, bucketMillis / 2));
          ts = t;
        } else if (kind < 90) {
          ts = t - rnd.nextLong(0, span + 2 * bucketMillis); // out of order, maybe too late
        } else if (kind < 97) {
          t += rnd.nextLong(0, 3 * bucketMillis);
          ts = t;
        } else {
          t += rnd.nextLong(span, 3 * span); // a long gap
          ts = t;
        }
        double v = rnd.nextInt(10);
        assertEquals(exact.add(ts, v), w.add(ts, v), "accepted? seed " + seed + " event " + i);
        assertEquals(exact.head, w.headTimestamp());
        assertEquals(exact.late, w.lateCount(), "late count");
        assertEquals(exact.count(exact.head), w.count(), "count seed " + seed + " event " + i);
        if (i % 10 == 0) {
          long now = exact.head + rnd.nextLong(-bucketMillis, span + bucketMillis);
          assertEquals(exact.count(now), w.count(now), "count(now) seed " + seed);
          assertEquals(exact.sum(now), w.sum(now), 1e-9, "sum(now)");
          w.bucketCounts(now, dst);
          assertArrayEquals(exact.bucketCounts(now), dst, "bucketCounts seed " + seed);
        }
      }
      assertEquals(exact.sum(exact.head), w.sum(), 1e-9);
      assertRoundTrip(w);
    }
  }

  @Test
  void add_tooLateEvent_countedAsLateNeverMisplaced() {
    SlidingWindow w =
        SlidingWindow.builder().buckets(10).bucketMillis(1000).allowedLatenessMillis(1500).build();
    assertTrue(w.add(10_000));
    assertTrue(w.add(8_500)); // 1500 behind: allowed
    assertFalse(w.add(8_499)); // 1501 behind: late
    assertEquals(2, w.count());
    assertEquals(1, w.lateCount());
    long[] dst = new long[10];
    w.bucketCounts(10_000, dst);
    assertEquals(1, dst[9]);
    assertEquals(1, dst[7]);
    assertEquals(2, java.util.Arrays.stream(dst).sum());
  }

  @Test
  void add_eventOutsideWindow_lateEvenWithFullLateness() {
    SlidingWindow w = SlidingWindow.of(3, 1000);
    w.add(5_500);
    assertTrue(w.add(3_000)); // bucket 3, window covers buckets 3..5
    assertFalse(w.add(2_999)); // bucket 2 is out of the window
    assertEquals(1, w.lateCount());
  }

  @Test
  void add_gapLongerThanSpan_clearsEverything() {
    SlidingWindow w = SlidingWindow.builder().buckets(24).bucketMillis(3_600_000).build();
    for (int i = 0; i < 2000; i++) {
      w.add(i * 60_000L);
    }
    assertEquals(1400, w.count()); // minutes 600..1999: hours 10..33, the head hour partial
    long later = 1999 * 60_000L + 24 * 3_600_000L + 3_600_000L;
    assertEquals(0, w.count(later));
    assertTrue(w.add(later));
    assertEquals(1, w.count());
    long[] dst = new long[24];
    w.bucketCounts(later, dst);
    assertEquals(1, dst[23]);
    assertEquals(1, java.util.Arrays.stream(dst).sum());
  }

  @Test
  void count_withLaterNow_excludesExpiredBucketsWithoutMutation() {
    SlidingWindow w = SlidingWindow.of(4, 10);
    for (long t = 0; t < 40; t++) {
      w.add(t);
    }
    assertEquals(40, w.count());
    assertEquals(30, w.count(45));
    assertEquals(10, w.count(65));
    assertEquals(0, w.count(80));
    assertEquals(40, w.count(-1_000)); // earlier than head reads as of the head
    assertEquals(40, w.count());
  }

  @Test
  void add_saturatedBucket_staysAtIntMax() throws Exception {
    SlidingWindow w = SlidingWindow.of(2, 1000);
    java.lang.reflect.Field f = SlidingWindow.class.getDeclaredField("counts");
    f.setAccessible(true);
    w.add(0);
    ((int[]) f.get(w))[0] = Integer.MAX_VALUE - 1;
    java.lang.reflect.Field total = SlidingWindow.class.getDeclaredField("total");
    total.setAccessible(true);
    total.setLong(w, Integer.MAX_VALUE - 1);
    w.add(1);
    w.add(2);
    assertEquals(Integer.MAX_VALUE, w.count());
  }

  @Test
  void merge_twoHalves_equalsWindowOfAllEvents() {
    SplittableRandom rnd = new SplittableRandom(42);
    SlidingWindow all =
        SlidingWindow.builder().buckets(12).bucketMillis(100).trackSums(true).build();
    SlidingWindow a = all.copy();
    SlidingWindow b = all.copy();
    long t = 0;
    for (int i = 0; i < 500; i++) {
      t += rnd.nextInt(5);
      double v = rnd.nextDouble();
      all.add(t, v);
      (rnd.nextBoolean() ? a : b).add(t, v);
    }
    a.merge(b);
    assertEquals(all.count(), a.count());
    assertEquals(all.sum(), a.sum(), 1e-9);
    assertEquals(all.headTimestamp(), a.headTimestamp());
    long[] x = new long[12];
    long[] y = new long[12];
    all.bucketCounts(t, x);
    a.bucketCounts(t, y);
    assertArrayEquals(x, y);
    assertThrows(IllegalArgumentException.class, () -> a.merge(SlidingWindow.of(12, 100)));
  }

  @Test
  void toBytes_roundTrip_emptyAndFull() {
    assertRoundTrip(SlidingWindow.of(60, 60_000));
    SlidingWindow w = SlidingWindow.of(60, 60_000);
    for (int i = 0; i < 10_000; i++) {
      w.add(i * 400L);
    }
    byte[] bytes = w.toBytes();
    assertTrue(bytes.length <= 1024, "60-bucket window must fit 1 KiB, is " + bytes.length);
    assertRoundTrip(w);
    long before = w.count();
    SlidingWindow copy = w.copy();
    copy.add(w.headTimestamp());
    assertEquals(before, w.count());
    assertEquals(before + 1, copy.count());
  }

  @Test
  void fromBytes_unknownVersion_rejected() {
    byte[] bytes = SlidingWindow.of(2, 10).toBytes();
    bytes[0] = 99;
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SlidingWindow.fromBytes(bytes));
    assertTrue(e.getMessage().contains("version"));
  }

  @Test
  void builder_badParameters_rejectedNamingTheBound() {
    assertThrows(IllegalArgumentException.class, () -> SlidingWindow.of(0, 1000));
    assertThrows(
        IllegalArgumentException.class, () -> SlidingWindow.of(SlidingWindow.MAX_BUCKETS + 1, 1));
    assertThrows(IllegalArgumentException.class, () -> SlidingWindow.of(10, 0));
    assertThrows(IllegalArgumentException.class, () -> SlidingWindow.of(10, Long.MAX_VALUE / 2));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SlidingWindow.builder()
                    .buckets(2)
                    .bucketMillis(10)
                    .allowedLatenessMillis(21)
                    .build());
    assertTrue(e.getMessage().contains("span=20"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> SlidingWindow.builder().allowedLatenessMillis(-1));
    assertThrows(
        IllegalArgumentException.class, () -> SlidingWindow.of(3, 10).bucketCounts(0, new long[2]));
  }

  private static void assertRoundTrip(SlidingWindow w) {
    SlidingWindow r = SlidingWindow.fromBytes(w.toBytes());
    assertEquals(w.count(), r.count());
    assertEquals(w.sum(), r.sum(), 0.0);
    assertEquals(w.headTimestamp(), r.headTimestamp());
    assertEquals(w.lateCount(), r.lateCount());
    assertEquals(w.buckets(), r.buckets());
    assertEquals(w.bucketMillis(), r.bucketMillis());
    assertEquals(w.allowedLatenessMillis(), r.allowedLatenessMillis());
    assertArrayEquals(w.toBytes(), r.toBytes());
    if (w.headTimestamp() != Long.MIN_VALUE) {
      long[] x = new long[w.buckets()];
      long[] y = new long[w.buckets()];
      w.bucketCounts(w.headTimestamp(), x);
      r.bucketCounts(w.headTimestamp(), y);
      assertArrayEquals(x, y);
      // the restored window keeps behaving identically
      SlidingWindow w2 = w.copy();
      long next = w.headTimestamp() + w.bucketMillis();
      w2.add(next);
      r.add(next);
      assertEquals(w2.count(), r.count());
    }
  }
}
