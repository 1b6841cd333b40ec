package io.distillwatch.core.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LinkStageKeyMapTest {
  /** The key map against the access-ordered LinkedHashMap it replaces, evictions included. */
  @Test
  void keyMap_randomOperations_matchAccessOrderedLinkedHashMap() {
    for (int maxKeys : new int[] {1, 7, 600, 5_000}) {
      SplittableRandom r = new SplittableRandom(maxKeys);
      LinkStage.KeyMap map = new LinkStage.KeyMap();
      LinkedHashMap<Long, LinkKeyState> expected = new LinkedHashMap<>(16, 0.75f, true);
      List<Long> used = new ArrayList<>();
      for (int step = 0; step < 60_000; step++) {
        // keys sharing low bits collide in the table and exercise the backward shift
        long key =
            !used.isEmpty() && r.nextInt(3) == 0
                ? used.get(r.nextInt(used.size()))
                : r.nextBoolean() ? 1 + r.nextInt(1 << 20) : ((long) r.nextInt(512) << 32) | 1;
        LinkKeyState got = map.get(key);
        assertSame(expected.get(key), got, "maxKeys " + maxKeys + " step " + step);
        if (got == null || r.nextInt(50) == 0) {
          LinkKeyState s = new LinkKeyState("a" + step, step + 1, 0, step);
          boolean added = map.put(key, s);
          assertEquals(expected.put(key, s) == null, added);
          used.add(key);
          if (added && map.size() > maxKeys) {
            map.removeEldest();
            Iterator<Long> eldest = expected.keySet().iterator();
            eldest.next();
            eldest.remove();
          }
        }
        assertEquals(expected.size(), map.size());
        if (step % 997 == 0) {
          assertSameOrder(expected, map);
        }
      }
      assertSameOrder(expected, map);
    }
  }

  /**
   * Many seeds, small key spaces and caps: entries are freed and reused, the table grows past its
   * initial size and is cleared, and the order always matches the LinkedHashMap's.
   */
  @Test
  void keyMap_manySeeds_matchAccessOrderedLinkedHashMap() {
    for (long seed = 0; seed < 200; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      int keySpace = 1 + r.nextInt(seed % 4 == 0 ? 30 : 4_000);
      int maxKeys = 1 + r.nextInt(keySpace + 50);
      int ops = 1_000 + r.nextInt(10_000);
      LinkStage.KeyMap map = new LinkStage.KeyMap();
      LinkedHashMap<Long, LinkKeyState> expected = new LinkedHashMap<>(16, 0.75f, true);
      for (int op = 0; op < ops; op++) {
        String where = "seed " + seed + " op " + op;
        // half the keys share their table home, so probe runs are long and deletions shift them
        int k = r.nextInt(keySpace);
        long key = (k & 1) == 0 ? Long.rotateLeft(k + 1L, 17) : ((long) k << 32) | 7;
        int kind = r.nextInt(100);
        if (kind < 45) {
          assertSame(expected.get(key), map.get(key), where);
        } else if (kind < 97) {
          LinkKeyState s = new LinkKeyState("a" + op, op + 1, 0, op);
          boolean added = map.put(key, s);
          assertEquals(expected.put(key, s) == null, added, where);
          if (added && map.size() > maxKeys) {
            map.removeEldest();
            Iterator<Long> eldest = expected.keySet().iterator();
            eldest.next();
            eldest.remove();
          }
        } else if (kind < 99 || r.nextInt(20) != 0) {
          assertSameOrder(expected, map);
        } else {
          map.clear();
          expected.clear();
        }
        assertEquals(expected.size(), map.size(), where);
      }
      assertSameOrder(expected, map);
    }
  }

  private static void assertSameOrder(Map<Long, LinkKeyState> expected, LinkStage.KeyMap map) {
    int entry = map.eldest();
    for (Map.Entry<Long, LinkKeyState> e : expected.entrySet()) {
      assertEquals((long) e.getKey(), map.key(entry));
      assertSame(e.getValue(), map.state(entry));
      entry = map.newer(entry);
    }
    assertEquals(LinkStage.KeyMap.NONE, entry);
  }
}
