package io.distillwatch.core.detect;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The detector's live profiles by account id, in access order: exactly the contract of an
 * access-ordered {@code LinkedHashMap<String, AccountProfile>} as the detector used it. {@link
 * #get} and {@link #put} make an account the most recently accessed; {@link #eldest} is the least
 * recently accessed, which idle eviction and the {@code maxAccounts} cap remove first; {@link
 * #values} iterates from eldest to youngest without changing the order. Keys are compared with
 * {@link String#equals}: two accounts whose 64-bit hashes collide stay two entries.
 *
 * <p>Implementation notes. The map replaced a {@code LinkedHashMap}, which a profile of {@code
 * DetectorBenchmark} put at about a quarter of an exchange's cost: {@code String.hashCode} of a
 * freshly parsed id on every exchange, a cache miss on the hash node, and two more on its
 * neighbours in the access list. Here the key is the account's 64-bit hash ({@link
 * AccountProfile#accountHash}, which the caller computes once per exchange and the profile keeps),
 * in an open-addressing table of (hash, entry) pairs of longs with linear probing, so a lookup
 * reads one cache line of the table, then the profile it needs anyway. Deletion shifts the
 * following run back (Knuth's algorithm R) instead of leaving tombstones, so probe runs stay short
 * however many accounts come and go. Entries have stable indexes into parallel arrays; the access
 * list is intrusive, as two ints per entry in one array (prev, next) so moving an entry to the tail
 * touches small, dense arrays rather than nodes scattered over the heap. Tables are powers of two
 * and grow by doubling (the only allocation, amortised like the map it replaced); the table is kept
 * at most half full.
 *
 * <p>Not thread-safe.
 */
final class ProfileMap {
  private static final int NONE = -1;
  private static final int MIN_ENTRIES = 16;

  /** Pairs (hash, entry index) by slot; hash 0 marks an empty slot (account hashes are never 0). */
  private long[] table;

  private int mask;

  /** Profiles by entry index; null for a free entry. */
  private AccountProfile[] values;

  /** Access list by entry index: links[2e] = previous (older), links[2e + 1] = next (younger). */
  private int[] links;

  private int head = NONE;
  private int tail = NONE;

  /** Free entries, chained through their "next" link. */
  private int free = NONE;

  /** Entries ever handed out; those below it are live or on the free chain. */
  private int used;

  private int size;

  ProfileMap() {
    this(MIN_ENTRIES);
  }

  ProfileMap(int expected) {
    int entries = Math.max(MIN_ENTRIES, Integer.highestOneBit(Math.max(1, expected - 1)) << 1);
    values = new AccountProfile[entries];
    links = new int[2 * entries];
    int slots = 2 * entries;
    table = new long[2 * slots];
    mask = slots - 1;
  }

  /** Live profiles. */
  int size() {
    return size;
  }

  /**
   * The profile of {@code accountId}, whose hash is {@code hash} (= {@code
   * AccountProfile.hash(accountId)}), or null; a hit makes it the most recently accessed.
   */
  AccountProfile get(String accountId, long hash) {
    int e = find(accountId, hash);
    if (e == NONE) {
      return null;
    }
    moveToTail(e);
    return values[e];
  }

  /**
   * Maps {@code p.accountId} to {@code p}, replacing any profile it had, and makes it the most
   * recently accessed. Returns the replaced profile or null.
   */
  AccountProfile put(AccountProfile p) {
    int e = find(p.accountId, p.accountHash);
    if (e != NONE) {
      AccountProfile old = values[e];
      values[e] = p;
      moveToTail(e);
      return old;
    }
    if (size >= values.length) {
      grow();
    }
    e = newEntry();
    values[e] = p;
    insertSlot(p.accountHash, e);
    linkLast(e);
    size++;
    return null;
  }

  /** The least recently accessed profile, or null when empty. */
  AccountProfile eldest() {
    return head == NONE ? null : values[head];
  }

  /** Removes the least recently accessed profile; the map must not be empty. */
  void removeEldest() {
    if (head == NONE) {
      throw new NoSuchElementException("empty");
    }
    remove(head);
  }

  /** Profiles from the least to the most recently accessed; the order does not change. */
  Iterable<AccountProfile> values() {
    return () ->
        new Iterator<>() {
          private int next = head;

          @Override
          public boolean hasNext() {
            return next != NONE;
          }

          @Override
          public AccountProfile next() {
            if (next == NONE) {
              throw new NoSuchElementException();
            }
            AccountProfile p = values[next];
            next = links[2 * next + 1];
            return p;
          }
        };
  }

  // ---------------------------------------------------------------------------------------------

  private int find(String accountId, long hash) {
    long[] t = table;
    int m = mask;
    for (int s = (int) hash & m; ; s = (s + 1) & m) {
      long h = t[2 * s];
      if (h == 0) {
        return NONE;
      }
      if (h == hash) {
        int e = (int) t[2 * s + 1];
        String id = values[e].accountId;
        if (id == accountId || id.equals(accountId)) {
          return e;
        }
      }
    }
  }

  private void insertSlot(long hash, int e) {
    long[] t = table;
    int s = (int) hash & mask;
    while (t[2 * s] != 0) {
      s = (s + 1) & mask;
    }
    t[2 * s] = hash;
    t[2 * s + 1] = e;
  }

  private void remove(int e) {
    AccountProfile p = values[e];
    deleteSlot(slotOf(p.accountHash, e));
    unlink(e);
    values[e] = null;
    links[2 * e + 1] = free;
    free = e;
    size--;
  }

  private int slotOf(long hash, int e) {
    for (int s = (int) hash & mask; ; s = (s + 1) & mask) {
      if (table[2 * s] == hash && table[2 * s + 1] == e) {
        return s;
      }
    }
  }

  /** Empties slot {@code i} and shifts back the entries after it that may move (Knuth's R). */
  private void deleteSlot(int i) {
    long[] t = table;
    int m = mask;
    int j = i;
    while (true) {
      j = (j + 1) & m;
      long h = t[2 * j];
      if (h == 0) {
        break;
      }
      int home = (int) h & m;
      // The entry at j may move to the hole at i unless its home lies cyclically in (i, j].
      boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        t[2 * i] = h;
        t[2 * i + 1] = t[2 * j + 1];
        i = j;
      }
    }
    t[2 * i] = 0;
    t[2 * i + 1] = 0;
  }

  private int newEntry() {
    if (free != NONE) {
      int e = free;
      free = links[2 * e + 1];
      return e;
    }
    return used++;
  }

  private void linkLast(int e) {
    links[2 * e] = tail;
    links[2 * e + 1] = NONE;
    if (tail == NONE) {
      head = e;
    } else {
      links[2 * tail + 1] = e;
    }
    tail = e;
  }

  private void unlink(int e) {
    int prev = links[2 * e];
    int next = links[2 * e + 1];
    if (prev == NONE) {
      head = next;
    } else {
      links[2 * prev + 1] = next;
    }
    if (next == NONE) {
      tail = prev;
    } else {
      links[2 * next] = prev;
    }
  }

  private void moveToTail(int e) {
    if (e != tail) {
      unlink(e);
      linkLast(e);
    }
  }

  /** Doubles the entry arrays and the table (the free chain is empty: every entry is live). */
  private void grow() {
    int entries = values.length * 2;
    values = Arrays.copyOf(values, entries);
    links = Arrays.copyOf(links, 2 * entries);
    int slots = 2 * entries;
    table = new long[2 * slots];
    mask = slots - 1;
    for (int e = head; e != NONE; e = links[2 * e + 1]) {
      insertSlot(values[e].accountHash, e);
    }
  }
}
