package io.distillwatch.core.link;

import io.distillwatch.core.sketch.HyperLogLog;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * The detector's link stage: per link key (a payment instrument, a template-set band, an IP, ...),
 * it remembers the key's first user and counts its distinct users, and turns each observation into
 * an {@link StageMessage.Type#EDGE} to the first user when the key joins accounts and is rare
 * enough, or an {@link StageMessage.Type#INDICATOR} when it does not join but is rare. Evidence and
 * alerts pass through unchanged. The Flink job keys this stage by {@link StageMessage#route()} and
 * keeps a {@link LinkKeyState} per key; {@code ExtractionDetector} keeps them in this object's own
 * bounded map.
 *
 * <p>Rarity is what keeps legitimate crowds apart: a key used by more than {@code cap(kind) =
 * max(minAccounts, fraction * liveAccounts)} distinct accounts links nobody, so an IDE's system
 * prompt shared by thousands of developers, or a university NAT, never joins them. An observation
 * flagged {@link StageMessage#WARMING_UP} is counted, and its account may become the key's first
 * user, but it links nobody: the account stage judged then that rarity could not be told yet.
 */
public final class LinkStage {
  private final int[] minAccounts;
  private final double[] fraction;
  private final int maxKeys;
  private final long idleMillis;
  private final KeyMap keys = new KeyMap();
  private long evictedKeys;

  LinkStage(int[] minAccounts, double[] fraction, int maxKeys, long idleMillis) {
    this.minAccounts = minAccounts.clone();
    this.fraction = fraction.clone();
    this.maxKeys = maxKeys;
    this.idleMillis = idleMillis;
  }

  /** Distinct accounts above which a key of this kind links nobody. */
  public double cap(LinkKey kind, double liveAccounts) {
    int k = kind.ordinal();
    return Math.max(minAccounts[k], fraction[k] * liveAccounts);
  }

  /**
   * Processes one message for the key {@code m.route()}, whose state is {@code state} (null if the
   * key has none), appending what the cluster stage needs to {@code out}.
   *
   * <p>A key whose state was last used more than the idle time before the message's event time
   * starts afresh, as if it had no state. Deciding this from the message, not from when a clean-up
   * ran, keeps the outcome the same for every keeper of the state: this object's own map, which
   * never drops an idle key, and the job's keyed state, whose timers drop it once the watermark
   * passes {@code lastSeen + idle}. A message that finds its state dropped by such a timer is never
   * late, so its event time is past {@code lastSeen + idle} too.
   *
   * @return the key's state to keep, null for none
   */
  public LinkKeyState process(LinkKeyState state, StageMessage m, List<StageMessage> out) {
    if (!keyed(m)) {
      out.add(m);
      return state;
    }
    if (state == null || m.timestamp() - state.lastSeen > idleMillis) {
      return new LinkKeyState(m.accountId(), m.accountHash(), m.orgHash(), m.timestamp());
    }
    state.lastSeen = Math.max(state.lastSeen, m.timestamp());
    if (state.anchorHash == m.accountHash()) {
      return state;
    }
    HyperLogLog df = state.distinct;
    if (df == null) {
      df = new HyperLogLog(LinkKeyState.DF_PRECISION);
      df.add(state.anchorHash);
      state.distinct = df;
    }
    df.add(m.accountHash());
    if ((m.flags() & StageMessage.WARMING_UP) == 0
        && df.estimate() <= cap(m.kind(), m.liveAccounts())) {
      StageMessage.Type t = m.kind().joins() ? StageMessage.Type.EDGE : StageMessage.Type.INDICATOR;
      out.add(m.toAnchor(t, state.anchorId, state.anchorHash, state.anchorOrg));
    }
    return state;
  }

  /**
   * Whether {@link #process(LinkKeyState, StageMessage, List)} reads or changes the state of {@code
   * m}'s key: only observations do. Every other message (evidence, routed by its account) passes
   * through unchanged whatever the state, so a caller that keeps the states elsewhere need not look
   * one up for it.
   */
  public static boolean keyed(StageMessage m) {
    return m.type() == StageMessage.Type.OBSERVE;
  }

  /**
   * Processes one message against this object's own key map (the in-process detector's), holding at
   * most {@code maxKeys} keys, least recently used evicted first.
   */
  public void process(StageMessage m, List<StageMessage> out) {
    if (!keyed(m)) {
      out.add(m);
      return;
    }
    long key = m.route();
    LinkKeyState before = keys.get(key);
    LinkKeyState after = process(before, m, out);
    if (after != before) {
      put(key, after);
    }
  }

  /** Maps a key; a new key beyond {@code maxKeys} drops the least recently used one. */
  private void put(long key, LinkKeyState state) {
    if (keys.put(key, state) && keys.size() > maxKeys) {
      keys.removeEldest();
      evictedKeys++;
    }
  }

  /** Keys held by this object's own map. */
  public int keys() {
    return keys.size();
  }

  /** Keys dropped from this object's own map because it was full. */
  public long evictedKeys() {
    return evictedKeys;
  }

  /**
   * Writes this object's key map. Layout: long evictedKeys, int n, then n x (long route, {@link
   * LinkKeyState} form) from least to most recently used.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeLong(evictedKeys);
    out.writeInt(keys.size());
    for (int e = keys.eldest(); e != KeyMap.NONE; e = keys.newer(e)) {
      out.writeLong(keys.key(e));
      keys.state(e).writeTo(out);
    }
  }

  /** Replaces this object's key map with the form of {@link #writeTo}. */
  public void readFrom(DataInput in) throws IOException {
    long evicted = in.readLong();
    int n = in.readInt();
    if (evicted < 0 || n < 0) {
      throw new IOException("link stage counts out of range: " + evicted + ", " + n);
    }
    keys.clear();
    for (int i = 0; i < n; i++) {
      put(in.readLong(), LinkKeyState.readFrom(in));
    }
    evictedKeys = evicted;
  }

  /**
   * The key map: link-key routes (never 0) to their states, in access order (least recently used
   * first), as a {@code LinkedHashMap<Long, LinkKeyState>} in access order would keep them, but
   * without boxing a key per lookup or allocating an entry per key. A handle ({@link #eldest},
   * {@link #newer}) names an entry and stays valid until that entry is removed.
   *
   * <p>Implementation notes. Entries have stable indexes: entry e's key and access-list links
   * (older entry in the high int, newer in the low int) are two longs of one array, so checking a
   * candidate's key and relinking it read the same 16 bytes; states are a parallel array. The hash
   * table is an {@code int[]} of entry indexes + 1 (linear probing, at most half full; deletion
   * shifts the following run back, Knuth's algorithm R, so no tombstones build up). A first version
   * kept keys, states and links in slot-indexed parallel arrays, so growing the table meant
   * re-inserting every key in access order, a random walk over all five arrays: the map never drops
   * a key that went idle, so it keeps growing slowly in a long stream, and one doubling from two to
   * four million keys cost seconds, about a tenth of {@code DetectorBenchmark}'s samples. Here
   * growing copies the entry arrays as they are (indexes and links unchanged) and rebuilds only the
   * int table from the keys read in entry order. Removed entries are chained through their "newer"
   * link for reuse.
   */
  static final class KeyMap {
    static final int NONE = -1;
    private static final int MIN_ENTRIES = 512;
    private static final long LOW = 0xFFFF_FFFFL;

    /** Entry index + 1 by slot; 0 marks an empty slot. */
    private int[] table;

    private int mask;

    /** By entry e: cells[2e] the key (0 for a free entry), cells[2e + 1] the access-list links. */
    private long[] cells;

    private LinkKeyState[] states;
    private int eldest = NONE;
    private int newest = NONE;

    /** Free entries, chained through their "newer" link. */
    private int free = NONE;

    /** Entries ever handed out since the last clear; those below it are live or free. */
    private int used;

    private int size;

    KeyMap() {
      allocate(MIN_ENTRIES);
    }

    private void allocate(int entries) {
      cells = new long[2 * entries];
      states = new LinkKeyState[entries];
      table = new int[2 * entries];
      mask = table.length - 1;
      eldest = NONE;
      newest = NONE;
      free = NONE;
      used = 0;
      size = 0;
    }

    int size() {
      return size;
    }

    /** The key's state, made the most recently used; null if absent. */
    LinkKeyState get(long key) {
      int e = find(key);
      if (e == NONE) {
        return null;
      }
      moveToNewest(e);
      return states[e];
    }

    /**
     * Maps a key to a state, as the most recently used; returns whether the key was new (as
     * LinkedHashMap does, a key already mapped gets the new state and moves to the newest end).
     */
    boolean put(long key, LinkKeyState state) {
      int e = find(key);
      if (e != NONE) {
        states[e] = state;
        moveToNewest(e);
        return false;
      }
      if (size == states.length) {
        grow();
      }
      e = newEntry();
      cells[2 * e] = key;
      states[e] = state;
      insertSlot(key, e);
      linkNewest(e);
      size++;
      return true;
    }

    /** Removes the least recently used key; the map must not be empty. */
    void removeEldest() {
      int e = eldest;
      deleteSlot(slotOf(e));
      unlink(e);
      cells[2 * e] = 0;
      states[e] = null;
      setLinks(e, NONE, free);
      free = e;
      size--;
    }

    void clear() {
      allocate(MIN_ENTRIES);
    }

    /** The least recently used entry, {@link #NONE} when empty. */
    int eldest() {
      return eldest;
    }

    /** The entry used next after {@code entry}, {@link #NONE} after the most recent. */
    int newer(int entry) {
      return (int) cells[2 * entry + 1];
    }

    long key(int entry) {
      return cells[2 * entry];
    }

    LinkKeyState state(int entry) {
      return states[entry];
    }

    private int home(long key) {
      return (int) (key ^ (key >>> 32)) & mask;
    }

    private int find(long key) {
      int[] t = table;
      long[] c = cells;
      int m = mask;
      for (int s = home(key); ; s = (s + 1) & m) {
        int e = t[s] - 1;
        if (e == NONE || c[2 * e] == key) {
          return e;
        }
      }
    }

    private void insertSlot(long key, int e) {
      int[] t = table;
      int s = home(key);
      while (t[s] != 0) {
        s = (s + 1) & mask;
      }
      t[s] = e + 1;
    }

    private int slotOf(int e) {
      for (int s = home(cells[2 * e]); ; s = (s + 1) & mask) {
        if (table[s] == e + 1) {
          return s;
        }
      }
    }

    /** Empties slot {@code i} and shifts back the entries after it that may move (Knuth's R). */
    private void deleteSlot(int i) {
      int[] t = table;
      int m = mask;
      int j = i;
      while (true) {
        j = (j + 1) & m;
        int v = t[j];
        if (v == 0) {
          break;
        }
        int h = home(cells[2 * (v - 1)]);
        // The entry at j may move to the hole at i unless its home lies cyclically in (i, j].
        boolean stays = i <= j ? i < h && h <= j : i < h || h <= j;
        if (!stays) {
          t[i] = v;
          i = j;
        }
      }
      t[i] = 0;
    }

    private int newEntry() {
      if (free != NONE) {
        int e = free;
        free = newer(e);
        return e;
      }
      return used++;
    }

    private void setLinks(int e, int older, int newer) {
      cells[2 * e + 1] = ((long) older << 32) | (newer & LOW);
    }

    private void setOlder(int e, int older) {
      cells[2 * e + 1] = ((long) older << 32) | (cells[2 * e + 1] & LOW);
    }

    private void setNewer(int e, int newer) {
      cells[2 * e + 1] = (cells[2 * e + 1] & ~LOW) | (newer & LOW);
    }

    private void linkNewest(int e) {
      setLinks(e, newest, NONE);
      if (newest == NONE) {
        eldest = e;
      } else {
        setNewer(newest, e);
      }
      newest = e;
    }

    private void unlink(int e) {
      long links = cells[2 * e + 1];
      int o = (int) (links >> 32);
      int n = (int) links;
      if (o == NONE) {
        eldest = n;
      } else {
        setNewer(o, n);
      }
      if (n == NONE) {
        newest = o;
      } else {
        setOlder(n, o);
      }
    }

    private void moveToNewest(int e) {
      if (e != newest) {
        unlink(e);
        linkNewest(e);
      }
    }

    /**
     * Doubles the arrays (every entry is live: the free chain is empty) and rebuilds the table;
     * entry indexes and the access list are kept, so the entries are copied, not re-inserted.
     */
    private void grow() {
      int n = states.length * 2;
      cells = Arrays.copyOf(cells, 2 * n);
      states = Arrays.copyOf(states, n);
      table = new int[2 * n];
      mask = table.length - 1;
      for (int e = 0; e < used; e++) {
        insertSlot(cells[2 * e], e);
      }
    }
  }
}
