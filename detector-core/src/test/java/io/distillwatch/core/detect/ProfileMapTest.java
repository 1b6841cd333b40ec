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
          assertSame(model.map.get(id), map.get(id, AccountProfile.hash(id)), where);
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
    assertNull(map.get("b", AccountProfile.hash("b")));
    assertNull(map.get("", AccountProfile.hash("")));
    assertNull(map.get(null, AccountProfile.hash(null)));
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
      assertSame(p, map.get(new String(p.accountId), p.accountHash));
    }
  }
}
