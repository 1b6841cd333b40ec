package io.distillwatch.core.detect;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The detector's live profiles by account id, in access order: exactly the contract of an
 * access-ordered {@code LinkedHashMap<String, AccountProfile>} as the detector used it. {@link
 * #get} and {@link #put} make an account the most recently accessed; {@link #eldest} is the least
 * recently accessed, which idle eviction and the {@code maxAccounts} cap remove first; {@link
 * #values} iterates from eldest to youngest without changing the order. An account is identified by
 * two independent 64-bit hashes of its id, {@link AccountProfile#accountHash} and {@link
 * AccountProfile#accountCheck}: two accounts whose first hashes collide stay two entries, and two
 * ids are taken for one only if both hashes collide (about {@code n^2 / 2^129} for {@code n}
 * accounts: 1.5e-27 at a million). Account ids are assigned by the platform, not chosen by its
 * clients, so nobody can search for such a pair.
 *
 * <p>Implementation notes. The map replaced a {@code LinkedHashMap}, which a JFR profile of {@code
 * DetectorBenchmark} put at about a quarter of an exchange's cost: {@code String.hashCode} of a
 * freshly parsed id on every exchange, a cache miss on the hash node, and two more on its
 * neighbours in the access list. Here the key is the account's 64-bit hash, which the caller
 * computes once per exchange and the profile keeps. The table is open addressing with linear
 * probing over two slot-indexed arrays, kept at most half full: the profiles, and four longs per
 * slot, its hash, its access-list links (the previous, older, slot in the high int and the next in
 * the low int), its check and padding. A lookup reads a slot's hash and check, in one cache line,
 * and its profile reference in parallel, both addressed by the slot (likely cache misses with 125k
 * accounts); the profile itself is read only by the caller. Until stop 20 the check was {@code
 * String.equals} of the profile's own id, two more dependent reads (the id string and its bytes),
 * each a likely miss for an account not seen for a while; the check's second hash of the incoming
 * id, whose bytes were just parsed, is cheaper than those (README "Benchmarks", stop 20). The check
 * in the profile instead of the table, and a 24-byte slot, were both measured slower. A previous
 * version kept an {@code int[]} table of entry indexes in front of entry-indexed arrays, one more
 * dependent read per lookup. Only longs are written on a hit (the relinking): a version that linked
 * the access list through reference fields of the profiles paid G1's write barrier on every
 * exchange and was slower. Deletion shifts the following run back (Knuth's algorithm R) instead of
 * leaving tombstones, so probe runs stay short however many accounts come and go; a moved profile
 * takes its slot's longs along and its neighbours are pointed at its new slot. The table is a power
 * of two and grows by doubling (the only allocation, amortised like the map it replaced),
 * re-inserting in slot order and then translating the links.
 *
 * <p>Not thread-safe.
 */
final class ProfileMap {
  private static final int NONE = -1;
  private static final int MIN_CAPACITY = 16;
  private static final long LOW = 0xFFFF_FFFFL;

  /** Profiles by slot; null marks an empty slot. */
  private AccountProfile[] values;

  /** Longs per slot in {@link #meta}: 32 bytes, so a slot never straddles a cache line. */
  private static final int STRIDE = 4;

  /** Offsets in a slot: the hash is at 0; the fourth long is padding. */
  private static final int LINKS = 1;

  private static final int CHECK = 2;

  /**
   * By slot s: meta[4s] = the account hash; meta[4s + 1] = the access-list links, previous (older)
   * slot in the high int, next (younger) in the low int, {@link #NONE} for none; meta[4s + 2] = the
   * account check ({@link AccountProfile#accountCheck}).
   */
  private long[] meta;

  private int mask;
  private int head = NONE;
  private int tail = NONE;
  private int size;

  ProfileMap() {
    this(MIN_CAPACITY);
  }

  ProfileMap(int expected) {
    allocate(2 * Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, expected - 1)) << 1));
  }

  private void allocate(int slots) {
    values = new AccountProfile[slots];
    meta = new long[STRIDE * slots];
    mask = slots - 1;
  }

  /** Live profiles. */
  int size() {
    return size;
  }

  /**
   * The profile of the account id whose hash and check are these ({@code AccountProfile.hash(id)},
   * {@code AccountProfile.check(id)}), or null; a hit makes it the most recently accessed.
   */
  AccountProfile get(long hash, long check) {
    int s = find(hash, check);
    AccountProfile p = values[s];
    if (p != null) {
      moveToTail(s);
    }
    return p;
  }

  /**
   * Maps {@code p.accountId} to {@code p}, replacing any profile it had, and makes it the most
   * recently accessed. Returns the replaced profile or null.
   */
  AccountProfile put(AccountProfile p) {
    int s = find(p.accountHash, p.accountCheck);
    AccountProfile old = values[s];
    if (old != null) {
      values[s] = p;
      moveToTail(s);
      return old;
    }
    if (2 * (size + 1) > values.length) {
      grow();
      s = find(p.accountHash, p.accountCheck);
    }
    values[s] = p;
    meta[STRIDE * s] = p.accountHash;
    meta[STRIDE * s + CHECK] = p.accountCheck;
    linkLast(s);
    size++;
    return null;
  }

  /** The least recently accessed profile, or null when empty. */
  AccountProfile eldest() {
    return head == NONE ? null : values[head];
  }

  /** Removes the least recently accessed profile; the map must not be empty. */
  void removeEldest() {
    int s = head;
    if (s == NONE) {
      throw new NoSuchElementException("empty");
    }
    unlink(s);
    deleteSlot(s);
    size--;
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

  /**
   * The slot holding the account of this hash and check, or the empty slot ending its probe run.
   */
  private int find(long hash, long check) {
    AccountProfile[] v = values;
    long[] m = meta;
    int mk = mask;
    for (int s = (int) hash & mk; ; s = (s + 1) & mk) {
      if (v[s] == null) {
        return s;
      }
      if (m[STRIDE * s] == hash && m[STRIDE * s + CHECK] == check) {
        return s;
      }
    }
  }

  /**
   * Empties slot {@code i} (already unlinked) and shifts back the profiles after it that may move
   * (Knuth's R), each with its links.
   */
  private void deleteSlot(int i) {
    AccountProfile[] v = values;
    int m = mask;
    int j = i;
    while (true) {
      j = (j + 1) & m;
      if (v[j] == null) {
        break;
      }
      int home = (int) meta[STRIDE * j] & m;
      // The profile at j may move to the hole at i unless its home lies cyclically in (i, j].
      boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        move(j, i);
        i = j;
      }
    }
    v[i] = null;
    meta[STRIDE * i] = 0;
    meta[STRIDE * i + CHECK] = 0;
    meta[STRIDE * i + LINKS] = 0;
  }

  /** Moves the profile at slot {@code from} to the empty slot {@code to}, keeping its order. */
  private void move(int from, int to) {
    values[to] = values[from];
    meta[STRIDE * to] = meta[STRIDE * from];
    meta[STRIDE * to + CHECK] = meta[STRIDE * from + CHECK];
    long links = meta[STRIDE * from + LINKS];
    meta[STRIDE * to + LINKS] = links;
    int prev = (int) (links >> 32);
    int next = (int) links;
    if (prev == NONE) {
      head = to;
    } else {
      setNext(prev, to);
    }
    if (next == NONE) {
      tail = to;
    } else {
      setPrev(next, to);
    }
  }

  private int nextOf(int s) {
    return (int) meta[STRIDE * s + LINKS];
  }

  private void setLinks(int s, int prev, int next) {
    meta[STRIDE * s + LINKS] = ((long) prev << 32) | (next & LOW);
  }

  private void setPrev(int s, int prev) {
    meta[STRIDE * s + LINKS] = ((long) prev << 32) | (meta[STRIDE * s + LINKS] & LOW);
  }

  private void setNext(int s, int next) {
    meta[STRIDE * s + LINKS] = (meta[STRIDE * s + LINKS] & ~LOW) | (next & LOW);
  }

  private void linkLast(int s) {
    setLinks(s, tail, NONE);
    if (tail == NONE) {
      head = s;
    } else {
      setNext(tail, s);
    }
    tail = s;
  }

  private void unlink(int s) {
    long links = meta[STRIDE * s + LINKS];
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

  private void moveToTail(int s) {
    if (s != tail) {
      unlink(s);
      linkLast(s);
    }
  }

  /**
   * Doubles the table: re-inserts the profiles in slot order, remembering each one's new slot, then
   * translates the access-list links and ends to the new slots.
   */
  private void grow() {
    AccountProfile[] oldValues = values;
    long[] oldMeta = meta;
    int[] moved = new int[oldValues.length];
    allocate(oldValues.length * 2);
    for (int o = 0; o < oldValues.length; o++) {
      if (oldValues[o] != null) {
        long hash = oldMeta[STRIDE * o];
        int s = (int) hash & mask;
        while (values[s] != null) {
          s = (s + 1) & mask;
        }
        values[s] = oldValues[o];
        meta[STRIDE * s] = hash;
        meta[STRIDE * s + CHECK] = oldMeta[STRIDE * o + CHECK];
        moved[o] = s;
      }
    }
    for (int o = 0; o < oldValues.length; o++) {
      if (oldValues[o] != null) {
        long links = oldMeta[STRIDE * o + LINKS];
        int prev = (int) (links >> 32);
        int next = (int) links;
        setLinks(moved[o], prev == NONE ? NONE : moved[prev], next == NONE ? NONE : moved[next]);
      }
    }
    head = head == NONE ? NONE : moved[head];
    tail = tail == NONE ? NONE : moved[tail];
  }
}
