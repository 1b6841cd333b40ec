package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ProfileMapTest {
  private static final int SEEDS = 300;

  /** A UUID with a short prefix fits this; one char more does not (see {@link #mixedId}). */
  private static final int LONG_ID = 40;

  private static AccountProfile profile(String id, long lastSeen) {
    AccountProfile p = new AccountProfile(id);
    p.lastSeen = lastSeen;
    return p;
  }

  /** The exact model: what the detector used before, an access-ordered LinkedHashMap. */
  private static final class Model {
    final LinkedHashMap<String, AccountProfile> map = new LinkedHashMap<>(16, 0.75f, true);
  }

  @Test
  void randomOperations_manySeeds_matchAccessOrderedLinkedHashMap() {
    for (long seed = 0; seed < SEEDS; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      int keys = 1 + r.nextInt(seed % 3 == 0 ? 40 : 3_000);
      int cap = 1 + r.nextInt(keys + 10);
      int ops = 2_000 + r.nextInt(20_000);
      ProfileMap map = new ProfileMap(1 + r.nextInt(64));
      Model model = new Model();
      long clock = 0;
      for (int op = 0; op < ops; op++) {
        // A fresh String each time: keys are compared by value, as parsed ids are new objects.
        String id = new String("acct-" + r.nextInt(keys));
        int kind = r.nextInt(100);
        String where = "seed " + seed + " op " + op;
        if (kind < 45) {
          assertSame(model.map.get(id), get(map, id), where);
        } else if (kind < 85) {
          AccountProfile p = profile(id, clock++);
          assertSame(model.map.put(id, p), map.put(p), where);
          if (map.size() > cap) {
            Iterator<AccountProfile> eldest = model.map.values().iterator();
            assertSame(eldest.next(), map.eldest(), where);
            eldest.remove();
            map.removeEldest();
          }
        } else if (kind < 95) {
          // Idle eviction: remove from the eldest while older than a horizon.
          long horizon = clock - r.nextInt(1 + keys);
          Iterator<AccountProfile> it = model.map.values().iterator();
          while (it.hasNext()) {
            AccountProfile m = it.next();
            if (m.lastSeen >= horizon) {
              break;
            }
            it.remove();
            assertSame(m, map.eldest(), where);
            map.removeEldest();
          }
          AccountProfile left = map.eldest();
          assertSame(model.map.isEmpty() ? null : model.map.values().iterator().next(), left);
        } else {
          assertOrder(model, map, where);
        }
        assertEquals(model.map.size(), map.size(), where);
      }
      assertOrder(model, map, "seed " + seed + " end");
      // Drain: the eldest order is the model's to the last entry.
      while (!model.map.isEmpty()) {
        Iterator<AccountProfile> it = model.map.values().iterator();
        assertSame(it.next(), map.eldest());
        it.remove();
        map.removeEldest();
      }
      assertEquals(0, map.size());
      assertNull(map.eldest());
    }
  }

  private static void assertOrder(Model model, ProfileMap map, String where) {
    List<AccountProfile> expected = new ArrayList<>(model.map.values());
    List<AccountProfile> actual = new ArrayList<>();
    for (AccountProfile p : map.values()) {
      actual.add(p);
    }
    assertEquals(expected.size(), actual.size(), where);
    for (int i = 0; i < expected.size(); i++) {
      assertSame(expected.get(i), actual.get(i), where + " position " + i);
    }
    // Iterating changes nothing, and every entry is still found by a value-equal key.
    for (Map.Entry<String, AccountProfile> e : model.map.entrySet()) {
      String copy = new String(e.getKey());
      assertSame(e.getValue(), findWithoutTouching(map, copy), where);
    }
  }

  /** Looks an account up through iteration, which does not change the access order. */
  private static AccountProfile findWithoutTouching(ProfileMap map, String id) {
    for (AccountProfile p : map.values()) {
      if (p.accountId.equals(id)) {
        return p;
      }
    }
    return null;
  }

  @Test
  void get_absentOrEmptyKey_returnsNull() {
    ProfileMap map = new ProfileMap();
    map.put(profile("a", 1));
    assertNull(get(map, "b"));
    assertNull(get(map, ""));
    assertNull(get(map, null));
  }

  @Test
  void removeEldest_empty_throws() {
    ProfileMap map = new ProfileMap();
    assertThrows(NoSuchElementException.class, map::removeEldest);
    assertThrows(NoSuchElementException.class, () -> map.values().iterator().next());
  }

  @Test
  void put_growsPastInitialCapacity_keepsOrderAndEntries() {
    ProfileMap map = new ProfileMap(1);
    List<AccountProfile> all = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      AccountProfile p = profile("account-" + i, i);
      all.add(p);
      assertNull(map.put(p));
    }
    int i = 0;
    for (AccountProfile p : map.values()) {
      assertSame(all.get(i++), p);
    }
    for (AccountProfile p : all) {
      assertSame(p, get(map, new String(p.accountId)));
    }
  }

  /**
   * Ids of many shapes, compared by value whatever their length or chars: short, {@link #LONG_ID}
   * chars and one more, with one-byte chars above ASCII, with a char above U+00FF whose low byte is
   * an ASCII letter's, with U+0000, and UUIDs. Ids that differ only in their last char, or in a
   * char's high byte, must stay distinct (a map that compared a packed or truncated form would
   * merge them).
   */
  private static String mixedId(int k) {
    String base = Integer.toString(k, 36);
    switch (k % 7) {
      case 0:
        return base;
      case 1: // exactly the inline limit
        return pad(base, LONG_ID, 'x');
      case 2: // one past it: compared as strings
        return pad(base, LONG_ID + 1, 'x');
      case 3: // one-byte chars above ASCII
        return base + "\u00e9\u00ff";
      case 4: // a char above U+00FF whose low byte is that of 'x'
        return base + "\u0178";
      case 5:
        return base + "\u0000";
      default:
        return "uuid-" + new java.util.UUID(k, k * 31L);
    }
  }

  private static String pad(String s, int length, char c) {
    StringBuilder b = new StringBuilder(s);
    while (b.length() < length) {
      b.append(c);
    }
    return b.toString();
  }

  @Test
  void randomOperations_idsOfEveryShape_matchLinkedHashMap() {
    for (long seed = 0; seed < SEEDS / 3; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      int keys = 1 + r.nextInt(2_000);
      ProfileMap map = new ProfileMap(1 + r.nextInt(64));
      Model model = new Model();
      long clock = 0;
      for (int op = 0; op < 5_000; op++) {
        String id = new String(mixedId(r.nextInt(keys)));
        String where = "seed " + seed + " op " + op + " id " + id;
        if (r.nextBoolean()) {
          assertSame(model.map.get(id), get(map, id), where);
        } else {
          AccountProfile p = profile(id, clock++);
          assertSame(model.map.put(id, p), map.put(p), where);
        }
        if (r.nextInt(50) == 0 && !model.map.isEmpty()) {
          Iterator<AccountProfile> eldest = model.map.values().iterator();
          assertSame(eldest.next(), map.eldest(), where);
          eldest.remove();
          map.removeEldest();
        }
        assertEquals(model.map.size(), map.size(), where);
      }
      assertOrder(model, map, "seed " + seed + " end");
    }
  }

  @Test
  void get_sameHashDifferentId_isAnotherAccount() {
    // Ids that pack alike in all but one place, and ids the table compares as strings.
    String[][] pairs = {
      {"acct-1", "acct-2"},
      {"acct-1", "acct-1\u0000"},
      {"x\u0178", "xx"},
      {"\u0178\u0000", "x\u0001"}, // equal if a wide char were packed as its value
      {pad("a", 40, 'b'), pad("a", 39, 'b') + "c"},
      {pad("a", 41, 'b'), pad("a", 40, 'b') + "c"},
      {"caf\u00e9", "caf\u0065"},
      {"", "\u0000"},
    };
    for (String[] pair : pairs) {
      ProfileMap map = new ProfileMap();
      AccountProfile p = profile(pair[0], 1);
      map.put(p);
      // A lookup by another id with the first id's hash (a 64-bit collision) finds nothing, nor
      // does one with the first id's check ...
      assertNull(map.get(p.accountHash, AccountProfile.check(pair[1])), pair[1]);
      assertNull(map.get(AccountProfile.hash(pair[1]), p.accountCheck), pair[1]);
      // ... and the same id as another string object finds the profile.
      assertSame(p, map.get(p.accountHash, AccountProfile.check(new String(pair[0]))), pair[0]);
    }
  }

  /** The detector's lookup: by the id's hash and check, as {@code KeyHashes} computes them. */
  private static AccountProfile get(ProfileMap map, String id) {
    return map.get(AccountProfile.hash(id), AccountProfile.check(id));
  }
}
