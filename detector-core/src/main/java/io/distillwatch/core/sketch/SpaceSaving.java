package io.distillwatch.core.sketch;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The Space-Saving heavy-hitters summary over weighted 64-bit keys.
 *
 * <p>Contract: with capacity {@code c} and total weight {@code N}, every key whose true count
 * exceeds {@code N / c} is monitored, and every monitored key's reported {@code count} and {@code
 * error} satisfy {@code count - error <= true count <= count}. {@link #estimate} never
 * underestimates: a key that is not monitored has true count at most the smallest monitored count
 * (at most {@code N / c}). Example: capacity 1000 finds every key above 0.1% of the traffic. These
 * guarantees survive {@link #merge}. Not thread-safe.
 *
 * <p>Implementation notes. Space-Saving [1] monitors at most c keys; a new key evicts the key with
 * the smallest count {@code min}, inheriting {@code count = min + weight} and {@code error = min}.
 * Since the counts always sum to at most N, {@code min <= N / c}. Storage is parallel primitive
 * arrays indexed by slot; an open-addressing table (linear probing, load at most 1/2,
 * backward-shift deletion so no tombstones) maps a key to its slot, and a binary min-heap of slots
 * ordered by count finds the eviction victim. An add is O(1) expected for the lookup plus O(log c)
 * for the heap (the "stream summary" linked list of [1] is O(1) but only for unit weights), with no
 * allocation.
 *
 * <p>Merge follows the mergeable-summaries construction [2] (the Misra-Gries merge carried over to
 * Space-Saving through their isomorphism, as in [3]): a key missing from one summary is charged
 * that summary's minimum count (its upper bound there) both as count and as error; counts and
 * errors are summed; the c largest are kept. Any c keys' upper bounds sum to at most {@code N1 +
 * N2}, so the new minimum is again at most {@code N / c}, and dropped keys are covered by it.
 *
 * <p>[1] A. Metwally, D. Agrawal, A. El Abbadi, "Efficient computation of frequent and top-k
 * elements in data streams", ICDT 2005. [2] P. Agarwal, G. Cormode, Z. Huang, J. Phillips, Z. Wei,
 * K. Yi, "Mergeable summaries", PODS 2012. [3] M. Cafaro, M. Pulimeno, P. Tempesta, "A parallel
 * space saving algorithm for frequent items and the Hurwitz zeta distribution", Inf. Sci. 2016.
 */
public final class SpaceSaving {
  /** The largest accepted capacity. */
  public static final int MAX_CAPACITY = 1 << 24;

  private static final String NAME = "SpaceSaving";

  private final int capacity;
  private final long[] keys;
  private final long[] counts;
  private final long[] errors;
  private final int[] heap; // heap position -> slot
  private final int[] heapPosition; // slot -> heap position
  private final int[] table; // slot + 1, or 0 if empty
  private final int tableShift;
  private final int tableMask;
  private int size;
  private long totalCount;

  /**
   * @param capacity the number of monitored keys c, in [1, 2^24]; keys above N / c are guaranteed
   */
  public SpaceSaving(int capacity) {
    if (capacity < 1 || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException(
          "capacity must be in [1, " + MAX_CAPACITY + "], got " + capacity);
    }
    this.capacity = capacity;
    keys = new long[capacity];
    counts = new long[capacity];
    errors = new long[capacity];
    heap = new int[capacity];
    heapPosition = new int[capacity];
    int tableSize = Integer.highestOneBit(capacity) << 2; // in (2c, 4c]: load at most 1/2
    table = new int[tableSize];
    tableMask = tableSize - 1;
    tableShift = 64 - Integer.numberOfTrailingZeros(tableSize);
  }

  /**
   * Adds {@code count} occurrences of {@code key}.
   *
   * @throws IllegalArgumentException if count is negative
   * @throws ArithmeticException if the total count would overflow a long
   */
  public void add(long key, long count) {
    if (count <= 0) {
      if (count < 0) {
        throw new IllegalArgumentException("count must be >= 0, got " + count);
      }
      return;
    }
    totalCount = Math.addExact(totalCount, count);
    int slot = find(key);
    if (slot >= 0) {
      counts[slot] += count;
      siftDown(heapPosition[slot]);
    } else if (size < capacity) {
      slot = size++;
      keys[slot] = key;
      counts[slot] = count;
      errors[slot] = 0;
      insert(key, slot);
      heap[slot] = slot;
      heapPosition[slot] = slot;
      siftUp(slot);
    } else {
      evictMinFor(key, count);
    }
  }

  private void evictMinFor(long key, long count) {
    int slot = heap[0];
    remove(keys[slot]);
    long min = counts[slot];
    keys[slot] = key;
    errors[slot] = min;
    counts[slot] = min + count;
    insert(key, slot);
    siftDown(0);
  }

  /**
   * An upper bound of the key's true count: its count if monitored, otherwise the smallest
   * monitored count once the summary is full (0 before).
   */
  public long estimate(long key) {
    int slot = find(key);
    if (slot >= 0) {
      return counts[slot];
    }
    return minCount();
  }

  /** The upper bound for any unmonitored key: the smallest count if full, else 0. */
  long minCount() {
    return size == capacity ? counts[heap[0]] : 0;
  }

  /** The (at most) k monitored keys with the largest counts, by count descending, then key. */
  public List<HeavyHitter> top(int k) {
    if (k < 0) {
      throw new IllegalArgumentException("k must be >= 0, got " + k);
    }
    List<HeavyHitter> all = new ArrayList<>(size);
    for (int slot = 0; slot < size; slot++) {
      all.add(new HeavyHitter(keys[slot], counts[slot], errors[slot]));
    }
    all.sort(SpaceSaving::byCountDescThenKey);
    return Collections.unmodifiableList(new ArrayList<>(all.subList(0, Math.min(k, size))));
  }

  private static int byCountDescThenKey(HeavyHitter a, HeavyHitter b) {
    int c = Long.compare(b.count(), a.count());
    return c != 0 ? c : Long.compare(a.key(), b.key());
  }

  /** The sum of all counts added (N). */
  public long totalCount() {
    return totalCount;
  }

  /** The number of monitored keys, at most the capacity. */
  public int size() {
    return size;
  }

  /** The capacity c. */
  public int capacity() {
    return capacity;
  }

  /**
   * Merges {@code other} into this summary (mergeable-summaries construction, see the class notes);
   * the guarantees then hold for the concatenated stream.
   *
   * @throws IllegalArgumentException if the capacities differ
   */
  public void merge(SpaceSaving other) {
    if (other.capacity != capacity) {
      throw new IllegalArgumentException(
          "cannot merge SpaceSaving of capacity " + other.capacity + " into capacity " + capacity);
    }
    long total = Math.addExact(totalCount, other.totalCount);
    long min1 = minCount();
    long min2 = other.minCount();
    List<HeavyHitter> candidates = new ArrayList<>(size + other.size);
    for (int slot = 0; slot < size; slot++) {
      int theirs = other.find(keys[slot]);
      long c2 = theirs >= 0 ? other.counts[theirs] : min2;
      long e2 = theirs >= 0 ? other.errors[theirs] : min2;
      candidates.add(new HeavyHitter(keys[slot], counts[slot] + c2, errors[slot] + e2));
    }
    for (int slot = 0; slot < other.size; slot++) {
      if (find(other.keys[slot]) < 0) {
        candidates.add(
            new HeavyHitter(
                other.keys[slot], other.counts[slot] + min1, other.errors[slot] + min1));
      }
    }
    candidates.sort(SpaceSaving::byCountDescThenKey);
    clear();
    for (int i = 0; i < Math.min(capacity, candidates.size()); i++) {
      HeavyHitter h = candidates.get(i);
      load(h.key(), h.count(), h.error());
    }
    totalCount = total;
  }

  /** An independent copy. */
  public SpaceSaving copy() {
    SpaceSaving copy = new SpaceSaving(capacity);
    for (int slot = 0; slot < size; slot++) {
      copy.load(keys[slot], counts[slot], errors[slot]);
    }
    copy.totalCount = totalCount;
    return copy;
  }

  private void clear() {
    Arrays.fill(table, 0);
    size = 0;
  }

  /** Appends a monitored key (used by merge and fromBytes); the caller ensures it is new. */
  private void load(long key, long count, long error) {
    int slot = size++;
    keys[slot] = key;
    counts[slot] = count;
    errors[slot] = error;
    insert(key, slot);
    heap[slot] = slot;
    heapPosition[slot] = slot;
    siftUp(slot);
  }

  // ---- open-addressing index: key -> slot ----

  private int home(long key) {
    return (int) (Hash64.mix(key) >>> tableShift);
  }

  private int find(long key) {
    int[] table = this.table;
    for (int i = home(key); ; i = (i + 1) & tableMask) {
      int entry = table[i];
      if (entry == 0) {
        return -1;
      }
      if (keys[entry - 1] == key) {
        return entry - 1;
      }
    }
  }

  private void insert(long key, int slot) {
    int i = home(key);
    while (table[i] != 0) {
      i = (i + 1) & tableMask;
    }
    table[i] = slot + 1;
  }

  /** Removes a present key, shifting later entries of its probe run back (Knuth's Algorithm R). */
  private void remove(long key) {
    int i = home(key);
    while (keys[table[i] - 1] != key) {
      i = (i + 1) & tableMask;
    }
    int j = i;
    while (true) {
      j = (j + 1) & tableMask;
      int entry = table[j];
      if (entry == 0) {
        break;
      }
      int k = home(keys[entry - 1]);
      boolean staysPut = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (!staysPut) {
        table[i] = entry;
        i = j;
      }
    }
    table[i] = 0;
  }

  // ---- binary min-heap of slots by count ----

  private void siftUp(int pos) {
    int slot = heap[pos];
    long count = counts[slot];
    while (pos > 0) {
      int parent = (pos - 1) >>> 1;
      int parentSlot = heap[parent];
      if (counts[parentSlot] <= count) {
        break;
      }
      heap[pos] = parentSlot;
      heapPosition[parentSlot] = pos;
      pos = parent;
    }
    heap[pos] = slot;
    heapPosition[slot] = pos;
  }

  private void siftDown(int pos) {
    int slot = heap[pos];
    long count = counts[slot];
    int half = size >>> 1;
    while (pos < half) {
      int child = 2 * pos + 1;
      int right = child + 1;
      if (right < size && counts[heap[right]] < counts[heap[child]]) {
        child = right;
      }
      int childSlot = heap[child];
      if (count <= counts[childSlot]) {
        break;
      }
      heap[pos] = childSlot;
      heapPosition[childSlot] = pos;
      pos = child;
    }
    heap[pos] = slot;
    heapPosition[slot] = pos;
  }

  /*
   * Serialized form (little-endian, see SketchBytes for the envelope):
   *
   * offset     size    field
   *   0        1       format version = 1
   *   1        1       family id = 3 (SpaceSaving)
   *   2        4       capacity c, in [1, 2^24]
   *   6        4       size s, in [0, c]
   *  10        8       total count N >= 0
   *  18        24 s    entries (key, count, error), sorted by count descending then key
   *                    ascending (so the bytes are canonical), 0 <= error < count, counts
   *                    summing to at most N
   *  18+24s    4       CRC32C of all preceding bytes
   */

  /** The versioned binary form; {@link #fromBytes} reads it back exactly. */
  public byte[] toBytes() {
    ByteBuffer buf = SketchBytes.writer(SketchBytes.FAMILY_SPACE_SAVING, 16 + 24 * size);
    buf.putInt(capacity).putInt(size).putLong(totalCount);
    for (HeavyHitter h : top(size)) {
      buf.putLong(h.key()).putLong(h.count()).putLong(h.error());
    }
    return SketchBytes.seal(buf);
  }

  /**
   * Reads a summary written by {@link #toBytes}.
   *
   * @throws SketchFormatException if the bytes are not a valid Space-Saving summary
   */
  public static SpaceSaving fromBytes(byte[] bytes) {
    ByteBuffer buf = SketchBytes.reader(bytes, SketchBytes.FAMILY_SPACE_SAVING, NAME, 16);
    int capacity = buf.getInt();
    int size = buf.getInt();
    if (capacity < 1 || capacity > MAX_CAPACITY) {
      throw SketchBytes.bad(
          NAME, "capacity " + capacity + " out of range [1, " + MAX_CAPACITY + "]");
    }
    if (size < 0 || size > capacity) {
      throw SketchBytes.bad(NAME, "size " + size + " out of range [0, " + capacity + "]");
    }
    SketchBytes.verify(bytes, 16 + 24 * size, NAME);
    long total = buf.getLong();
    if (total < 0) {
      throw SketchBytes.bad(NAME, "negative total count " + total);
    }
    SpaceSaving summary = new SpaceSaving(capacity);
    long sum = 0;
    long prevCount = Long.MAX_VALUE;
    long prevKey = Long.MIN_VALUE;
    for (int i = 0; i < size; i++) {
      long key = buf.getLong();
      long count = buf.getLong();
      long error = buf.getLong();
      if (count <= 0 || error < 0 || error >= count) {
        throw SketchBytes.bad(
            NAME,
            "entry "
                + i
                + " has count "
                + count
                + ", error "
                + error
                + "; need 0 <= error < count");
      }
      if (count > prevCount || (count == prevCount && key <= prevKey && i > 0)) {
        throw SketchBytes.bad(NAME, "entry " + i + " out of order");
      }
      if (summary.find(key) >= 0) {
        throw SketchBytes.bad(NAME, "entry " + i + " repeats key " + key);
      }
      sum += count;
      if (sum < 0 || sum > total) {
        throw SketchBytes.bad(NAME, "counts sum to more than the total " + total);
      }
      summary.load(key, count, error);
      prevCount = count;
      prevKey = key;
    }
    summary.totalCount = total;
    return summary;
  }

  /** Equal if same capacity, total and monitored (key, count, error) triples. */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SpaceSaving)) {
      return false;
    }
    SpaceSaving that = (SpaceSaving) o;
    return capacity == that.capacity
        && totalCount == that.totalCount
        && top(size).equals(that.top(that.size));
  }

  @Override
  public int hashCode() {
    return top(size).hashCode();
  }

  @Override
  public String toString() {
    return "SpaceSaving{capacity=" + capacity + ", size=" + size + ", total=" + totalCount + "}";
  }
}
