package io.distillwatch.core.detect;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The detector's live profiles by account id, in access order: exactly the contract of an
 * access-ordered {@code LinkedHashMap<String, AccountProfile>} as the detector used it. {@link
 * #get} and {@link #put} make an account the most recently accessed; {@link #eldest} is the least
 * recently accessed, which idle eviction and the {@code maxAccounts} cap remove first; {@link
 * #values} iterates from eldest to youngest without changing the order. Keys are compared with
 * {@link String#equals}: two accounts whose 64-bit hashes collide stay two entries. A profile is in
 * at most one map at a time (the map links it through its {@link AccountProfile#older} and {@link
 * AccountProfile#newer} fields).
 *
 * <p>Implementation notes. The map replaced a {@code LinkedHashMap}, which a JFR profile of {@code
 * DetectorBenchmark} put at about a quarter of an exchange's cost: {@code String.hashCode} of a
 * freshly parsed id on every exchange, a cache miss on the hash node, and two more on its
 * neighbours in the access list. Here the key is the account's 64-bit hash ({@link
 * AccountProfile#accountHash}, which the caller computes once per exchange and the profile keeps).
 * The hash table is an array of the profiles themselves (linear probing, kept at most half full; 4
 * bytes a slot with compressed references), and the access list is linked through two fields of the
 * profile, so a lookup is two dependent memory reads, the slot and the profile, and the profile
 * read is one the caller needs anyway. A second version kept entry indexes in an {@code int[]}
 * table, the hashes and links in a {@code long[]} by entry and the profiles in a third array: four
 * dependent reads before the profile was at hand, with 125k accounts each a likely cache miss, and
 * JFR put the lookup and the stall right after it at about a fifth of the samples. Deletion shifts
 * the following run back (Knuth's algorithm R) instead of leaving tombstones, so probe runs stay
 * short however many accounts come and go. The table is a power of two and grows by doubling (the
 * only allocation, amortised like the map it replaced).
 *
 * <p>Not thread-safe.
 */
final class ProfileMap {
  private static final int MIN_CAPACITY = 16;

  /** Profiles by slot; null marks an empty slot. */
  private AccountProfile[] table;

  private int mask;

  /** Least and most recently accessed profiles; null when empty. */
  private AccountProfile head;

  private AccountProfile tail;

  private int size;

  ProfileMap() {
    this(MIN_CAPACITY);
  }

  ProfileMap(int expected) {
    int capacity = Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, expected - 1)) << 1);
    allocate(capacity);
  }

  /** A table of {@code 2 * capacity} slots, for up to {@code capacity} profiles. */
  private void allocate(int capacity) {
    table = new AccountProfile[2 * capacity];
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
    AccountProfile p = table[find(accountId, hash)];
    if (p != null) {
      moveToTail(p);
    }
    return p;
  }

  /**
   * Maps {@code p.accountId} to {@code p}, replacing any profile it had, and makes it the most
   * recently accessed. Returns the replaced profile or null.
   */
  AccountProfile put(AccountProfile p) {
    int s = find(p.accountId, p.accountHash);
    AccountProfile old = table[s];
    if (old != null) {
      unlink(old);
      table[s] = p;
      linkLast(p);
      return old;
    }
    if (2 * (size + 1) > table.length) {
      grow();
      s = find(p.accountId, p.accountHash);
    }
    table[s] = p;
    linkLast(p);
    size++;
    return null;
  }

  /** The least recently accessed profile, or null when empty. */
  AccountProfile eldest() {
    return head;
  }

  /** Removes the least recently accessed profile; the map must not be empty. */
  void removeEldest() {
    AccountProfile p = head;
    if (p == null) {
      throw new NoSuchElementException("empty");
    }
    deleteSlot(slotOf(p));
    unlink(p);
    size--;
  }

  /** Profiles from the least to the most recently accessed; the order does not change. */
  Iterable<AccountProfile> values() {
    return () ->
        new Iterator<>() {
          private AccountProfile next = head;

          @Override
          public boolean hasNext() {
            return next != null;
          }

          @Override
          public AccountProfile next() {
            AccountProfile p = next;
            if (p == null) {
              throw new NoSuchElementException();
            }
            next = p.newer;
            return p;
          }
        };
  }

  // ---------------------------------------------------------------------------------------------

  /** The slot of {@code accountId}, or the empty slot that ends its probe run. */
  private int find(String accountId, long hash) {
    AccountProfile[] t = table;
    int m = mask;
    for (int s = (int) hash & m; ; s = (s + 1) & m) {
      AccountProfile p = t[s];
      if (p == null) {
        return s;
      }
      if (p.accountHash == hash) {
        String id = p.accountId;
        if (id == accountId || id.equals(accountId)) {
          return s;
        }
      }
    }
  }

  private int slotOf(AccountProfile p) {
    for (int s = (int) p.accountHash & mask; ; s = (s + 1) & mask) {
      if (table[s] == p) {
        return s;
      }
    }
  }

  /** Empties slot {@code i} and shifts back the profiles after it that may move (Knuth's R). */
  private void deleteSlot(int i) {
    AccountProfile[] t = table;
    int m = mask;
    int j = i;
    while (true) {
      j = (j + 1) & m;
      AccountProfile v = t[j];
      if (v == null) {
        break;
      }
      int home = (int) v.accountHash & m;
      // The profile at j may move to the hole at i unless its home lies cyclically in (i, j].
      boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        t[i] = v;
        i = j;
      }
    }
    t[i] = null;
  }

  private void linkLast(AccountProfile p) {
    p.older = tail;
    p.newer = null;
    if (tail == null) {
      head = p;
    } else {
      tail.newer = p;
    }
    tail = p;
  }

  /** Takes {@code p} out of the access list and clears its links (no dangling references). */
  private void unlink(AccountProfile p) {
    AccountProfile older = p.older;
    AccountProfile newer = p.newer;
    if (older == null) {
      head = newer;
    } else {
      older.newer = newer;
    }
    if (newer == null) {
      tail = older;
    } else {
      newer.older = older;
    }
    p.older = null;
    p.newer = null;
  }

  private void moveToTail(AccountProfile p) {
    if (p != tail) {
      unlink(p);
      linkLast(p);
    }
  }

  /** Doubles the table and re-inserts every profile; the access list is kept as it is. */
  private void grow() {
    AccountProfile[] old = table;
    allocate(old.length);
    AccountProfile[] t = table;
    int m = mask;
    for (AccountProfile p : old) {
      if (p != null) {
        int s = (int) p.accountHash & m;
        while (t[s] != null) {
          s = (s + 1) & m;
        }
        t[s] = p;
      }
    }
  }
}
