package io.distillwatch.core.link;

import io.distillwatch.core.sketch.HyperLogLog;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
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
 * prompt shared by thousands of developers, or a university NAT, never joins them.
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
    if (m.type() != StageMessage.Type.OBSERVE) {
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
    if (df.estimate() <= cap(m.kind(), m.liveAccounts())) {
      StageMessage.Type t = m.kind().joins() ? StageMessage.Type.EDGE : StageMessage.Type.INDICATOR;
      out.add(m.toAnchor(t, state.anchorId, state.anchorHash, state.anchorOrg));
    }
    return state;
  }

  /**
   * Processes one message against this object's own key map (the in-process detector's), holding at
   * most {@code maxKeys} keys, least recently used evicted first.
   */
  public void process(StageMessage m, List<StageMessage> out) {
    if (m.type() != StageMessage.Type.OBSERVE) {
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
    for (int slot = keys.eldest(); slot != KeyMap.NONE; slot = keys.newer(slot)) {
      out.writeLong(keys.key(slot));
      keys.state(slot).writeTo(out);
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
   * without boxing a key per lookup or allocating an entry per key: open addressing with linear
   * probing over parallel arrays (power-of-two capacity, at most half full), the access order a
   * doubly linked list of slot indices. Removal shifts later entries of the probe run back, so no
   * tombstones build up; a moved entry takes its list links along.
   */
  static final class KeyMap {
    static final int NONE = -1;

    private long[] keys;
    private LinkKeyState[] states;
    private int[] older;
    private int[] newer;
    private int eldest = NONE;
    private int newest = NONE;
    private int mask;
    private int size;

    KeyMap() {
      allocate(1024);
    }

    private void allocate(int capacity) {
      keys = new long[capacity];
      states = new LinkKeyState[capacity];
      older = new int[capacity];
      newer = new int[capacity];
      mask = capacity - 1;
      eldest = NONE;
      newest = NONE;
      size = 0;
    }

    int size() {
      return size;
    }

    /** The key's state, made the most recently used; null if absent. */
    LinkKeyState get(long key) {
      int slot = find(key);
      if (slot == NONE) {
        return null;
      }
      if (slot != newest) {
        unlink(slot);
        linkNewest(slot);
      }
      return states[slot];
    }

    /**
     * Maps a key to a state, as the most recently used; returns whether the key was new (as
     * LinkedHashMap does, a key already mapped gets the new state and moves to the newest end).
     */
    boolean put(long key, LinkKeyState state) {
      int i = home(key);
      while (keys[i] != 0) {
        if (keys[i] == key) {
          states[i] = state;
          if (i != newest) {
            unlink(i);
            linkNewest(i);
          }
          return false;
        }
        i = (i + 1) & mask;
      }
      keys[i] = key;
      states[i] = state;
      linkNewest(i);
      size++;
      if (2 * size > keys.length) {
        grow();
      }
      return true;
    }

    /** Removes the least recently used key. */
    void removeEldest() {
      int i = eldest;
      unlink(i);
      size--;
      // Shift back the entries of the probe run after i whose home is not in (i, j].
      int j = i;
      while (true) {
        j = (j + 1) & mask;
        long k = keys[j];
        if (k == 0) {
          break;
        }
        int h = home(k);
        boolean stays = i <= j ? i < h && h <= j : i < h || h <= j;
        if (!stays) {
          move(j, i);
          i = j;
        }
      }
      keys[i] = 0;
      states[i] = null;
    }

    void clear() {
      allocate(1024);
    }

    int eldest() {
      return eldest;
    }

    /** The slot used next after {@code slot}, {@link #NONE} after the most recent. */
    int newer(int slot) {
      return newer[slot];
    }

    long key(int slot) {
      return keys[slot];
    }

    LinkKeyState state(int slot) {
      return states[slot];
    }

    private int home(long key) {
      return (int) (key ^ (key >>> 32)) & mask;
    }

    private int find(long key) {
      long[] k = keys;
      int i = home(key);
      long here;
      while ((here = k[i]) != 0) {
        if (here == key) {
          return i;
        }
        i = (i + 1) & mask;
      }
      return NONE;
    }

    private void unlink(int slot) {
      int o = older[slot];
      int n = newer[slot];
      if (o == NONE) {
        eldest = n;
      } else {
        newer[o] = n;
      }
      if (n == NONE) {
        newest = o;
      } else {
        older[n] = o;
      }
    }

    private void linkNewest(int slot) {
      older[slot] = newest;
      newer[slot] = NONE;
      if (newest == NONE) {
        eldest = slot;
      } else {
        newer[newest] = slot;
      }
      newest = slot;
    }

    /** Moves the entry at {@code from} to the empty slot {@code to}, keeping its place in order. */
    private void move(int from, int to) {
      keys[to] = keys[from];
      states[to] = states[from];
      int o = older[from];
      int n = newer[from];
      older[to] = o;
      newer[to] = n;
      if (o == NONE) {
        eldest = to;
      } else {
        newer[o] = to;
      }
      if (n == NONE) {
        newest = to;
      } else {
        older[n] = to;
      }
    }

    private void grow() {
      long[] oldKeys = keys;
      LinkKeyState[] oldStates = states;
      int[] oldNewer = newer;
      int first = eldest;
      allocate(oldKeys.length * 2);
      for (int s = first; s != NONE; s = oldNewer[s]) {
        put(oldKeys[s], oldStates[s]);
      }
    }
  }
}
