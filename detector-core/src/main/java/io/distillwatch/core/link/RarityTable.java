package io.distillwatch.core.link;

import io.distillwatch.core.sketch.HyperLogLog;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * How many distinct accounts used each key, for deciding on the hot path whether a key is common
 * (used by more accounts than its kind's cap): the account stage keeps one to keep common
 * templates, such as an IDE's system prompt, out of an account's template set. Accounts are known
 * by their id hash, so the table is independent of any index and survives re-partitioning.
 *
 * <p>Implementation notes: an open-addressing table (linear probing, power-of-two capacity) bounded
 * by {@code maxKeys}; distinct accounts per key are counted with a 32-register HyperLogLog created
 * only once a second account uses the key, so the common single-user key costs one slot. A slot's
 * primitive state is one 32-byte cell of a {@code long[]}: key, anchor (the first account), last
 * seen, and the key's current distinct-account estimate, cached as double bits and refreshed
 * whenever its HyperLogLog changes (only {@code add} changes it), so the account stage's lookup on
 * every exchange reads one cell instead of three parallel arrays and the HyperLogLog; it was about
 * a tenth of {@code DetectorBenchmark}'s samples as separate arrays. When {@code maxKeys} keys are
 * held it is rebuilt keeping half: shared keys first, then the most recently seen, and the dropped
 * keys are counted. No allocation per observation except the rare HyperLogLog. Not thread-safe.
 */
public final class RarityTable {
  private static final double LOAD = 0.6;

  /**
   * Distinct accounts a key must exceed here to be common, whatever the share: a count of one or
   * two says too little about the population's (see {@link #populationShare}).
   */
  private static final double MIN_SAMPLED_USERS = 2;

  private final int[] minAccounts;
  private final double[] fraction;
  private final int maxKeys;

  private static final int CELL = 4;
  private static final int ANCHOR = 1;
  private static final int SEEN = 2;
  private static final int ESTIMATE = 3;
  private static final long ONE = Double.doubleToRawLongBits(1.0);

  /** {@link #observeFirst}'s handle for a key hash of 0 (a rebuilt table's is -1). */
  private static final int NO_KEY = -2;

  /** Per slot s: cells[4s] key (0: empty), anchor account, last seen, distinct estimate bits. */
  private long[] cells;

  private HyperLogLog[] distinct;
  private int capacity;
  private int size;
  private int mask;
  private long evictedKeys;

  /** The share of the population's accounts this table sees (see {@link #populationShare}). */
  private double share = 1.0;

  RarityTable(int[] minAccounts, double[] fraction, int maxKeys) {
    this.minAccounts = minAccounts.clone();
    this.fraction = fraction.clone();
    this.maxKeys = maxKeys;
    allocate(1024);
  }

  /**
   * Records that the account with hash {@code accountHash} used a key; a key hash of 0 is ignored.
   */
  public void observe(LinkKey kind, long keyHash, long accountHash, long ts) {
    if (keyHash != 0) {
      observeSlot(StageMessage.keyRoute(kind, keyHash), accountHash, ts);
    }
  }

  /**
   * {@link #observe} and then {@link #common} of the same key, with one table lookup instead of
   * two. A key hash of 0 is ignored and is not common.
   */
  public boolean observeCommon(LinkKey kind, long keyHash, long accountHash, long ts, double live) {
    return commonObserved(observeFirst(kind, keyHash, accountHash, ts), kind, keyHash, live);
  }

  /**
   * {@link #observeCommon} in two steps, for a caller with other work to do in between: this one
   * records the use, like {@link #observe}, and returns a handle for {@link #commonObserved} (valid
   * only until the next call that records a use). A caller that records early issues the table's
   * likely cache miss early, so the miss overlaps with the caller's other work.
   */
  public int observeFirst(LinkKey kind, long keyHash, long accountHash, long ts) {
    if (keyHash == 0) {
      return NO_KEY;
    }
    return observeSlot(StageMessage.keyRoute(kind, keyHash), accountHash, ts);
  }

  /**
   * Whether the key that {@link #observeFirst} just recorded, and returned {@code handle} for, is
   * common: {@link #common} of it, reading the slot it found. A key hash of 0 is not common.
   */
  public boolean commonObserved(int handle, LinkKey kind, long keyHash, double live) {
    if (handle == NO_KEY) {
      return false;
    }
    if (handle < 0) {
      return common(kind, keyHash, live); // the table was rebuilt: look the key up again
    }
    return isCommon(kind, distinctAt(handle), live);
  }

  /** Records the use of {@code key}; returns its slot, or -1 if the table was rebuilt. */
  private int observeSlot(long key, long accountHash, long ts) {
    int slot = slotOf(key);
    long[] t = cells;
    int c = slot * CELL;
    if (t[c] == 0) {
      t[c] = key;
      t[c + ANCHOR] = accountHash;
      t[c + SEEN] = ts;
      t[c + ESTIMATE] = ONE;
      size++;
      if (size >= maxKeys) {
        evict();
        return -1;
      } else if (size > capacity * LOAD) {
        grow();
        return -1;
      }
      return slot;
    }
    t[c + SEEN] = Math.max(t[c + SEEN], ts);
    if (t[c + ANCHOR] == accountHash) {
      return slot;
    }
    HyperLogLog df = distinct[slot];
    if (df == null) {
      df = new HyperLogLog(LinkKeyState.DF_PRECISION);
      df.add(t[c + ANCHOR]);
      distinct[slot] = df;
    }
    df.add(accountHash);
    t[c + ESTIMATE] = Double.doubleToRawLongBits(df.estimate());
    return slot;
  }

  /** Estimated distinct accounts that used a key; 0 if unknown. */
  public double distinctAccounts(LinkKey kind, long keyHash) {
    if (keyHash == 0) {
      return 0;
    }
    return distinctAt(slotOf(StageMessage.keyRoute(kind, keyHash)));
  }

  private double distinctAt(int slot) {
    int c = slot * CELL;
    return cells[c] == 0 ? 0 : Double.longBitsToDouble(cells[c + ESTIMATE]);
  }

  /**
   * Whether a key is used by more accounts than {@code max(minAccounts, fraction * live)}, counting
   * {@code distinct / share} accounts for the {@code distinct} this table saw use it.
   */
  public boolean common(LinkKey kind, long keyHash, double liveAccounts) {
    return isCommon(kind, distinctAccounts(kind, keyHash), liveAccounts);
  }

  private boolean isCommon(LinkKey kind, double distinctAccounts, double liveAccounts) {
    int k = kind.ordinal();
    // With share 1 the floor never binds: minAccounts is at least 2.
    return distinctAccounts
        > Math.max(MIN_SAMPLED_USERS, share * Math.max(minAccounts[k], fraction[k] * liveAccounts));
  }

  /**
   * Sets the share of the population's accounts whose keys this table sees, 1 (the default) when it
   * sees them all. A table that sees a uniform random share {@code s} of accounts (an account-stage
   * instance of a job at parallelism {@code 1/s}, accounts routed by key hash) sees about {@code s}
   * of each key's users, so a key counts as common once its count here exceeds {@code s} times the
   * cap: the population's count estimated from a sample. Without this, a template that a few
   * hundred IDE users share looked rare to each of 8 instances, and its users' template sets linked
   * them (a quarter of the benign accounts of the built-in scenario were alerted at parallelism 8).
   * The estimate is binomial: it is close once {@code s * cap} is several accounts, which holds for
   * {@code s * minAccounts >= 2} or for populations where {@code fraction * live} dominates the
   * cap. Below that a key would be common on its first two users here, so a key is never common
   * before three accounts here used it; even so, with fewer than about 20 accounts per instance per
   * {@code minAccounts}, keys a campaign shares may look common (the built-in scenario of 3,000
   * benign accounts meets the goals up to parallelism 16, not at 32). Not persisted: it is how the
   * table is deployed, not what it learned.
   */
  public void populationShare(double share) {
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("population share must be in (0, 1], was " + share);
    }
    this.share = share;
  }

  /** Keys held. */
  public int keys() {
    return size;
  }

  /** Keys dropped because the table was full. */
  public long evictedKeys() {
    return evictedKeys;
  }

  private int slotOf(long key) {
    long[] t = cells;
    int i = (int) (key ^ (key >>> 32)) & mask;
    while (t[i * CELL] != 0 && t[i * CELL] != key) {
      i = (i + 1) & mask;
    }
    return i;
  }

  private void allocate(int capacity) {
    this.capacity = capacity;
    cells = new long[capacity * CELL];
    distinct = new HyperLogLog[capacity];
    mask = capacity - 1;
    size = 0;
  }

  private void grow() {
    long[] old = cells;
    HyperLogLog[] oldDistinct = distinct;
    allocate(capacity * 2);
    for (int i = 0; i < oldDistinct.length; i++) {
      int c = i * CELL;
      if (old[c] != 0) {
        reinsert(old[c], old[c + ANCHOR], old[c + SEEN], oldDistinct[i]);
      }
    }
  }

  /**
   * Rebuilds keeping half of {@code maxKeys}: shared keys before single-user ones, the most
   * recently seen first within each; ties at a cutoff are settled by a strict quota, so a flood of
   * single-use keys with one timestamp can never push out a shared key.
   */
  private void evict() {
    // The old cells are read in place and a kept key's cell is zeroed there: allocate() gives the
    // table new arrays, so the old ones are this method's own until it returns.
    long[] old = cells;
    HyperLogLog[] oldDistinct = distinct;
    int oldCapacity = capacity;
    int n = size;
    int keep = maxKeys / 2;
    long[] sharedSeen = new long[n];
    long[] singleSeen = new long[n];
    int shared = 0;
    int singles = 0;
    for (int i = 0; i < oldCapacity; i++) {
      if (old[i * CELL] != 0) {
        if (oldDistinct[i] != null) {
          sharedSeen[shared++] = old[i * CELL + SEEN];
        } else {
          singleSeen[singles++] = old[i * CELL + SEEN];
        }
      }
    }
    int sharedQuota = Math.min(shared, keep);
    int singleQuota = Math.max(0, keep - sharedQuota);
    long sharedCutoff = cutoff(sharedSeen, shared, sharedQuota);
    long singleCutoff = cutoff(singleSeen, singles, singleQuota);
    allocate(oldCapacity);
    int kept = 0;
    for (int pass = 0; pass < 2; pass++) {
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < oldCapacity; i++) {
          int c = i * CELL;
          boolean isShared = oldDistinct[i] != null;
          if (old[c] == 0 || isShared != (pass == 0)) {
            continue;
          }
          long cut = isShared ? sharedCutoff : singleCutoff;
          int quota = isShared ? sharedQuota : sharedQuota + singleQuota;
          long seen = old[c + SEEN];
          boolean take = round == 0 ? seen > cut : seen == cut;
          if (take && kept < quota) {
            reinsert(old[c], old[c + ANCHOR], seen, oldDistinct[i]);
            old[c] = 0;
            kept++;
          }
        }
      }
    }
    for (int i = 0; i < oldCapacity; i++) {
      if (old[i * CELL] != 0) {
        evictedKeys++;
      }
    }
  }

  private static long cutoff(long[] seen, int n, int keep) {
    if (keep >= n) {
      return Long.MIN_VALUE;
    }
    if (keep == 0) {
      return Long.MAX_VALUE;
    }
    Arrays.sort(seen, 0, n);
    return seen[n - keep];
  }

  private void reinsert(long key, long anchor, long seen, HyperLogLog df) {
    int slot = slotOf(key);
    int c = slot * CELL;
    cells[c] = key;
    cells[c + ANCHOR] = anchor;
    cells[c + SEEN] = seen;
    cells[c + ESTIMATE] = df == null ? ONE : Double.doubleToRawLongBits(df.estimate());
    distinct[slot] = df;
    size++;
  }

  /**
   * Writes the table. Layout: int capacity, int size, long evictedKeys, then each occupied slot in
   * slot order as int slot, long key, long anchor, long lastSeen, unsigned short length of the
   * HyperLogLog bytes (0: none) and the bytes. Slots are kept, not rehashed.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeInt(capacity);
    out.writeInt(size);
    out.writeLong(evictedKeys);
    for (int i = 0; i < capacity; i++) {
      int c = i * CELL;
      if (cells[c] != 0) {
        out.writeInt(i);
        out.writeLong(cells[c]);
        out.writeLong(cells[c + ANCHOR]);
        out.writeLong(cells[c + SEEN]);
        byte[] df = distinct[i] == null ? new byte[0] : distinct[i].toBytes();
        out.writeShort(df.length);
        out.write(df);
      }
    }
  }

  /** Replaces the table with the form of {@link #writeTo}; corrupt input throws. */
  public void readFrom(DataInput in) throws IOException {
    int capacity = in.readInt();
    int n = in.readInt();
    long evicted = in.readLong();
    if (capacity < 1024 || Integer.bitCount(capacity) != 1 || n < 0 || n > capacity * LOAD + 1) {
      throw new IOException("rarity table of " + n + " keys in " + capacity + " slots");
    }
    allocate(capacity);
    int previous = -1;
    for (int j = 0; j < n; j++) {
      int slot = in.readInt();
      long key = in.readLong();
      if (slot <= previous || slot >= capacity || key == 0) {
        throw new IOException("rarity table slot " + slot + " out of order or range");
      }
      previous = slot;
      int c = slot * CELL;
      cells[c] = key;
      cells[c + ANCHOR] = in.readLong();
      cells[c + SEEN] = in.readLong();
      cells[c + ESTIMATE] = ONE;
      int len = in.readUnsignedShort();
      if (len > 0) {
        byte[] b = new byte[len];
        in.readFully(b);
        try {
          distinct[slot] = HyperLogLog.fromBytes(b);
          cells[c + ESTIMATE] = Double.doubleToRawLongBits(distinct[slot].estimate());
        } catch (RuntimeException e) {
          throw new IOException("corrupt rarity table HyperLogLog: " + e.getMessage(), e);
        }
      }
    }
    size = n;
    evictedKeys = evicted;
  }
}
