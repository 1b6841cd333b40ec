package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link LiveCount} against an exact model: a map of every account's last-seen time. */
class LiveCountTest {
  private static final long IDLE = 7L * 24 * 3_600_000;
  private static final long WIDTH = (IDLE + LiveCount.BUCKETS - 1) / LiveCount.BUCKETS;

  /**
   * Exact: the accounts whose last-seen bucket is newer than that of {@code streamTime - idle}.
   * Also checks the documented bound against the plain count of accounts seen within the idle time.
   */
  private static long exact(Map<Integer, Long> lastSeen, long streamTime) {
    long horizon = Math.floorDiv(streamTime - IDLE, WIDTH);
    long counted = 0;
    long withinIdle = 0;
    long inOldestWidth = 0;
    for (long t : lastSeen.values()) {
      if (Math.floorDiv(t, WIDTH) > horizon) {
        counted++;
      }
      if (streamTime - t <= IDLE) {
        withinIdle++;
        if (streamTime - t > IDLE - WIDTH) {
          inOldestWidth++;
        }
      }
    }
    assertTrue(counted <= withinIdle && counted >= withinIdle - inOldestWidth);
    return counted;
  }

  @Test
  void total_matchesExactModel_overManySeeds() {
    for (long seed = 0; seed < 200; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed);
      LiveCount count = new LiveCount(IDLE);
      Map<Integer, Long> lastSeen = new HashMap<>(); // accounts whose profile is kept
      long streamTime = 1_776_000_000_000L;
      int accounts = 1 + rnd.nextInt(500);
      for (int i = 0; i < 5_000; i++) {
        // Mostly small steps, sometimes a gap longer than the idle time, sometimes out of order.
        long step = rnd.nextInt(100) == 0 ? IDLE + rnd.nextLong(IDLE) : rnd.nextLong(2 * WIDTH);
        long ts = streamTime + step - (rnd.nextInt(5) == 0 ? rnd.nextLong(3 * WIDTH) : 0);
        streamTime = Math.max(streamTime, ts);
        count.advance(streamTime);
        int a = rnd.nextInt(accounts);
        Long before = lastSeen.get(a);
        if (before != null && streamTime - before > IDLE) {
          before = null; // the account stage's rule: the profile starts afresh
        }
        if (rnd.nextInt(50) == 0 && before != null) {
          count.forget(before); // a profile dropped by a cap
          lastSeen.remove(a);
          continue;
        }
        long after = before == null ? ts : Math.max(before, ts);
        count.touch(before == null ? Long.MIN_VALUE : before, after);
        lastSeen.put(a, after);
        assertEquals(exact(lastSeen, streamTime), count.total(), "seed " + seed + " step " + i);
      }
    }
  }

  @Test
  void addMany_isManyTouches_andLeavesWithThem() {
    LiveCount bulk = new LiveCount(IDLE);
    LiveCount single = new LiveCount(IDLE);
    long t0 = 1_776_000_000_000L;
    for (int i = 0; i < 50; i++) {
      long ts = t0 + i * 600_000L;
      bulk.advance(ts);
      single.advance(ts);
      bulk.add(ts, i);
      for (int k = 0; k < i; k++) {
        single.touch(Long.MIN_VALUE, ts);
      }
      assertEquals(single.total(), bulk.total());
    }
    long later = t0 + IDLE + 25 * 600_000L;
    bulk.advance(later);
    single.advance(later);
    assertEquals(single.total(), bulk.total());
    assertTrue(bulk.total() > 0);
    assertThrows(IllegalArgumentException.class, () -> bulk.add(later, -1));
  }

  @Test
  void roundTrip_keepsTheCount_andItsBuckets() throws IOException {
    LiveCount count = new LiveCount(IDLE);
    long t0 = 1_776_000_000_000L;
    for (int i = 0; i < 1_000; i++) {
      long ts = t0 + i * 60_000L;
      count.advance(ts);
      count.touch(Long.MIN_VALUE, ts);
    }
    LiveCount copy = new LiveCount(IDLE);
    copy.readFrom(new DataInputStream(new ByteArrayInputStream(bytes(count))));
    assertEquals(count.total(), copy.total());
    // The same buckets: they leave the count at the same times.
    long later = t0 + IDLE + 500 * 60_000L;
    count.advance(later);
    copy.advance(later);
    assertEquals(count.total(), copy.total());
    assertTrue(count.total() > 0 && count.total() < 1_000);
  }

  @Test
  void readWithAnotherIdleTime_keepsAccountsInside() throws IOException {
    LiveCount count = new LiveCount(IDLE);
    long t0 = 1_776_000_000_000L;
    for (int i = 0; i < 100; i++) {
      long ts = t0 + i * 60_000L;
      count.advance(ts);
      count.touch(Long.MIN_VALUE, ts);
    }
    LiveCount longer = new LiveCount(2 * IDLE);
    longer.readFrom(new DataInputStream(new ByteArrayInputStream(bytes(count))));
    assertEquals(100, longer.total());
  }

  @Test
  void scale_multipliesTheCount_andItsBucketsLeaveOnTime() {
    LiveCount count = new LiveCount(IDLE);
    long t0 = 1_776_000_000_000L;
    for (int i = 0; i < 100; i++) {
      long ts = t0 + i * WIDTH;
      count.advance(ts);
      count.touch(Long.MIN_VALUE, ts);
    }
    count.scale(2.0);
    assertEquals(200, count.total());
    count.advance(t0 + IDLE + 50 * WIDTH); // the first 51 buckets (0..50) have left
    assertEquals(2 * 49, count.total());
  }

  /**
   * A count spread one account to a bucket, as a subtask's share of a small population is, scales
   * to its share of the total (rounded once), not bucket by bucket: by 1/2 each bucket alone would
   * round 0.5 up and keep every account, by 1/3 each would round to 0 and lose them all. The
   * buckets then leave on time, each within one of its exact share.
   */
  @Test
  void scale_countSpreadOneToABucket_keepsItsShareOfTheTotal() {
    double[] factors = {0.5, 1.0 / 3, 2.0 / 3, 1.5, 0.0, 1.0};
    for (int n = 1; n <= 256; n += 17) {
      for (double f : factors) {
        LiveCount count = new LiveCount(IDLE);
        long t0 = 1_776_000_000_000L;
        for (int i = 0; i < n; i++) {
          long ts = t0 + i * WIDTH;
          count.advance(ts);
          count.touch(Long.MIN_VALUE, ts);
        }
        count.scale(f);
        String where = n + " accounts scaled by " + f;
        assertEquals(Math.round(n * f), count.total(), where);
        // After the first k buckets have left, what is left is the rest's share, within one.
        int k = n / 2;
        count.advance(t0 + IDLE + (k - 1) * WIDTH);
        double rest = (n - k) * f;
        assertTrue(Math.abs(count.total() - rest) <= 1.0, where + ": " + count.total());
      }
    }
  }

  @Test
  void corruptForm_isRefusedSayingWhat() throws IOException {
    LiveCount count = new LiveCount(IDLE);
    count.advance(1_776_000_000_000L);
    byte[] b = bytes(count);
    b[0] = 9;
    SnapshotFormatException e =
        assertThrows(
            SnapshotFormatException.class,
            () -> new LiveCount(IDLE).readFrom(new DataInputStream(new ByteArrayInputStream(b))));
    assertTrue(e.getMessage().contains("version 9"), e.getMessage());
  }

  private static byte[] bytes(LiveCount count) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    count.writeTo(new DataOutputStream(out));
    return out.toByteArray();
  }
}
