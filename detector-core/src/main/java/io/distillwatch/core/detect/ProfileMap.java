package io.distillwatch.core.detect;

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
 * <p>Implementation notes. The map replaced a {@code LinkedHashMap}, which a JFR profile of {@code
 * DetectorBenchmark} put at about a quarter of an exchange's cost: {@code String.hashCode} of a
 * freshly parsed id on every exchange, a cache miss on the hash node, and two more on its
 * neighbours in the access list. Here the key is the account's 64-bit hash ({@link
 * AccountProfile#accountHash}, which the caller computes once per exchange and the profile keeps).
 * Entries have stable indexes; each has two longs in one array, its hash and its access-list links
 * (previous and next entry, an int each), so checking a candidate's hash and moving it to the tail
 * of the access list read the same 16 bytes. The hash table is an {@code int[]} of entry indexes
 * (linear probing, kept at most half full), 4 bytes a slot: at 125k accounts table and entries take
 * about 3 MiB, where a first version's 16-byte (hash, entry) slots made a 4 MiB table alone, whose
 * probe JFR put at a tenth of the benchmark's samples. Deletion shifts the following run back
 * (Knuth's algorithm R) instead of leaving tombstones, so probe runs stay short however many
 * accounts come and go. Arrays are powers of two and grow by doubling (the only allocation,
 * amortised like the map it replaced). Measured together with {@code RarityTable}'s cells, on a
 * shared 2-core machine too loaded for JMH to resolve either change alone, {@code observe} used
 * about 18% less thread CPU per exchange than with the {@code LinkedHashMap}.
 *
 * <p>Not thread-safe.
 */
final class ProfileMap {
  private static final int NONE = -1;
  private static final int MIN_ENTRIES = 16;
  private static final long LOW = 0xFFFF_FFFFL;

  /** Entry index + 1 by slot; 0 marks an empty slot. */
  private int[] table;

  private int mask;

  /** Profiles by entry index; null for a free entry. */
  private AccountProfile[] values;

  /**
   * By entry index e: entries[2e] = the account hash; entries[2e + 1] = the access-list links,
   * previous (older) entry in the high int, next (younger) in the low int, {@link #NONE} for none.
   */
  private long[] entries;

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
    allocate(Math.max(MIN_ENTRIES, Integer.highestOneBit(Math.max(1, expected - 1)) << 1));
  }

  private void allocate(int capacity) {
    values = new AccountProfile[capacity];
    entries = new long[2 * capacity];
    table = new int[2 * capacity];
    mask = table.length - 1;
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
    if (size == values.length) {
      grow();
    }
    e = newEntry();
    values[e] = p;
    entries[2 * e] = p.accountHash;
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
            next = nextOf(next);
            return p;
          }
        };
  }

  // ---------------------------------------------------------------------------------------------

  private int find(String accountId, long hash) {
    int[] t = table;
    int m = mask;
    for (int s = (int) hash & m; ; s = (s + 1) & m) {
      int e = t[s] - 1;
      if (e == NONE) {
        return NONE;
      }
      if (entries[2 * e] == hash) {
        String id = values[e].accountId;
        if (id == accountId || id.equals(accountId)) {
          return e;
        }
      }
    }
  }

  private void insertSlot(long hash, int e) {
    int[] t = table;
    int s = (int) hash & mask;
    while (t[s] != 0) {
      s = (s + 1) & mask;
    }
    t[s] = e + 1;
  }

  private void remove(int e) {
    deleteSlot(slotOf(e));
    unlink(e);
    values[e] = null;
    entries[2 * e] = 0;
    setLinks(e, NONE, free);
    free = e;
    size--;
  }

  private int slotOf(int e) {
    for (int s = (int) entries[2 * e] & mask; ; s = (s + 1) & mask) {
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
      int home = (int) entries[2 * (v - 1)] & m;
      // The entry at j may move to the hole at i unless its home lies cyclically in (i, j].
      boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
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
      free = nextOf(e);
      return e;
    }
    return used++;
  }

  private int nextOf(int e) {
    return (int) entries[2 * e + 1];
  }

  private void setLinks(int e, int prev, int next) {
    entries[2 * e + 1] = ((long) prev << 32) | (next & LOW);
  }

  private void setPrev(int e, int prev) {
    entries[2 * e + 1] = ((long) prev << 32) | (entries[2 * e + 1] & LOW);
  }

  private void setNext(int e, int next) {
    entries[2 * e + 1] = (entries[2 * e + 1] & ~LOW) | (next & LOW);
  }

  private void linkLast(int e) {
    setLinks(e, tail, NONE);
    if (tail == NONE) {
      head = e;
    } else {
      setNext(tail, e);
    }
    tail = e;
  }

  private void unlink(int e) {
    long links = entries[2 * e + 1];
    int prev = (int) (links >> 32);
    int next = (int) links;
    if (prev == NONE) {
      head = next;
    } else {
      setNext(prev, next);
    }
    if (next == NONE) {
      tail = prev;
    } else {
      setPrev(next, prev);
    }
  }

  private void moveToTail(int e) {
    if (e != tail) {
      unlink(e);
      linkLast(e);
    }
  }

  /**
   * Doubles the arrays (every entry is live: the free chain is empty) and rehashes; entry indexes
   * and the access list are kept.
   */
  private void grow() {
    AccountProfile[] oldValues = values;
    long[] oldEntries = entries;
    allocate(values.length * 2);
    System.arraycopy(oldValues, 0, values, 0, oldValues.length);
    System.arraycopy(oldEntries, 0, entries, 0, oldEntries.length);
    for (int e = 0; e < used; e++) {
      insertSlot(entries[2 * e], e);
    }
  }
}
