package io.distillwatch.core.detect;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * How many accounts are live: seen within the idle eviction time before the stream's time. Counts
 * each account once, in the bucket of its last-seen time; a ring of {@link #BUCKETS} buckets spans
 * the idle time, and buckets that fall behind {@code streamTime - idle} leave the count.
 *
 * <p>Implementation notes. The count is a function of the exchanges alone, in their order: not of
 * when whoever keeps the profiles gets round to dropping idle ones. The in-process detector sweeps
 * idle profiles every so many exchanges; the Flink job drops them with timers that fire on
 * watermarks, which follow the wall clock. A count of kept profiles would therefore differ between
 * the two, and between runs of the job, and the link stage's rarity caps with it. An account whose
 * profile either of them dropped was last seen at or before {@code streamTime - idle}, in a bucket
 * no longer counted, so dropping it changes nothing here. The price is that accounts last seen in
 * the oldest bucket's width (1/256 of the idle time) are not counted: the count is low by at most
 * that share of the accounts.
 *
 * <p>O(1) per exchange, no allocation: a ring of longs, plus one pass over the buckets passed when
 * stream time moves on.
 */
final class LiveCount {
  /** Buckets per idle time. */
  static final int BUCKETS = 256;

  /** Ring length: the buckets in the window (at most {@code BUCKETS + 1}) and one spare. */
  private static final int RING = BUCKETS + 2;

  /** Version of the {@link #writeTo} form. */
  static final int FORM_VERSION = 1;

  private final long idle;
  private final long width;
  private final long[] counts = new long[RING];

  /** Bucket of the stream time, Long.MIN_VALUE before the first exchange. */
  private long head = Long.MIN_VALUE;

  /** Newest bucket no longer counted: that of {@code streamTime - idle}. */
  private long horizon = Long.MIN_VALUE;

  private long total;

  LiveCount(long idleMillis) {
    if (idleMillis <= 0) {
      throw new IllegalArgumentException("idle time must be positive, was " + idleMillis);
    }
    this.idle = idleMillis;
    this.width = Math.max(1, (idleMillis + BUCKETS - 1) / BUCKETS);
  }

  /** Live accounts now. */
  long total() {
    return total;
  }

  /**
   * Moves the count's time on to {@code streamTime} (never back), dropping the buckets that fell
   * behind it by more than the idle time.
   */
  void advance(long streamTime) {
    long newHead = Math.floorDiv(streamTime, width);
    if (head != Long.MIN_VALUE && newHead <= head) {
      return;
    }
    long newHorizon = Math.floorDiv(saturatedMinus(streamTime, idle), width);
    if (head == Long.MIN_VALUE || newHorizon - horizon >= RING) {
      Arrays.fill(counts, 0);
      total = 0;
    } else {
      for (long b = horizon + 1; b <= Math.min(newHorizon, head); b++) {
        int slot = slot(b);
        total -= counts[slot];
        counts[slot] = 0;
      }
    }
    head = newHead;
    horizon = newHorizon;
  }

  /**
   * Records that an account last seen at {@code before} ({@link Long#MIN_VALUE} for an account
   * without a live profile) is now last seen at {@code after}. Call after {@link #advance}.
   */
  void touch(long before, long after) {
    if (before != Long.MIN_VALUE) {
      forget(before);
    }
    add(after, 1);
  }

  /**
   * Counts {@code n} more accounts as last seen at {@code lastSeen}, if that time is in the window.
   * Call after {@link #advance}.
   */
  void add(long lastSeen, long n) {
    if (n < 0) {
      throw new IllegalArgumentException("accounts to add must be >= 0, was " + n);
    }
    long b = Math.floorDiv(lastSeen, width);
    if (b > horizon && b <= head) {
      counts[slot(b)] += n;
      total += n;
    }
  }

  /** Removes an account last seen at {@code lastSeen} whose profile is dropped while counted. */
  void forget(long lastSeen) {
    long b = Math.floorDiv(lastSeen, width);
    if (b > horizon && b <= head) {
      int slot = slot(b);
      if (counts[slot] > 0) {
        counts[slot]--;
        total--;
      }
    }
  }

  /**
   * Multiplies the count by {@code factor}: an estimate for a changed share. The total becomes
   * {@code round(total * factor)} and each bucket within one of its exact share.
   *
   * <p>Implementation notes. The buckets are rounded cumulatively, oldest first (each gets the
   * rounded running product minus what the buckets before it got), not one by one: rounding each
   * bucket alone lost or made up to half an account per bucket, and a count spread thinly (one
   * account in most buckets, as at a small subtask's share) came out a third too high after scaling
   * by 1/2, which rounds 0.5 up, and empty after scaling by 1/3.
   */
  void scale(double factor) {
    if (!(factor >= 0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("scale factor must be finite and >= 0, was " + factor);
    }
    total = 0;
    double exact = 0;
    long given = 0;
    for (int k = 0; k < RING; k++) {
      // Oldest first: from the slot after the head's, which holds the oldest bucket in the ring.
      int i = head == Long.MIN_VALUE ? k : slot(head + 1 + k);
      exact += counts[i] * factor;
      long upTo = Math.round(exact);
      counts[i] = upTo - given;
      given = upTo;
    }
    total = given;
  }

  private static int slot(long bucket) {
    return (int) Math.floorMod(bucket, (long) RING);
  }

  private static long saturatedMinus(long a, long b) {
    long r = a - b;
    return ((a ^ b) & (a ^ r)) < 0 ? Long.MIN_VALUE : r;
  }

  /**
   * Writes the count. Layout (form version 1): byte version, long width, long head, long horizon,
   * then the counts of buckets {@code horizon + 1 .. head} (none before the first exchange).
   */
  void writeTo(DataOutput out) throws IOException {
    out.writeByte(FORM_VERSION);
    out.writeLong(width);
    out.writeLong(head);
    out.writeLong(horizon);
    if (head != Long.MIN_VALUE) {
      for (long b = horizon + 1; b <= head; b++) {
        out.writeLong(counts[slot(b)]);
      }
    }
  }

  /**
   * Reads the form of {@link #writeTo} into this (empty) count. A count written with another idle
   * time is moved into this one's buckets by each old bucket's start, so it stays an estimate.
   */
  void readFrom(DataInput in) throws IOException {
    int version = in.readUnsignedByte();
    if (version != FORM_VERSION) {
      throw new SnapshotFormatException(
          "live count form version " + version + " unknown; this build reads " + FORM_VERSION);
    }
    long w = in.readLong();
    long h = in.readLong();
    long hz = in.readLong();
    if (h == Long.MIN_VALUE) {
      return;
    }
    if (w <= 0 || hz >= h || h - hz > RING - 1) {
      throw new SnapshotFormatException(
          "live count buckets out of range: width " + w + ", head " + h + ", horizon " + hz);
    }
    if (w == width) {
      head = h;
      horizon = hz;
      for (long b = hz + 1; b <= h; b++) {
        long c = in.readLong();
        if (c < 0) {
          throw new SnapshotFormatException("live count bucket " + b + " is negative: " + c);
        }
        counts[slot(b)] = c;
        total += c;
      }
      return;
    }
    advance(h * w + (w - 1));
    for (long b = hz + 1; b <= h; b++) {
      long c = in.readLong();
      if (c < 0) {
        throw new SnapshotFormatException("live count bucket " + b + " is negative: " + c);
      }
      long nb = Math.floorDiv(b * w, width);
      if (nb > horizon && nb <= head) {
        counts[slot(nb)] += c;
        total += c;
      }
    }
  }
}
