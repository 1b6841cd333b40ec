package io.distillwatch.core.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.sketch.Hash64;
import org.junit.jupiter.api.Test;

/**
 * The rarity table's distinct counts, caps and key bound. Its eviction is the one the linker's own
 * key table had before rarity moved out of the linker, and these are that table's tests.
 */
class RarityTableTest {
  private static final int SEEDS = 40;

  /** An account's id hash, as the account stage gives it. */
  private static long account(long a) {
    return Hash64.hash(a);
  }

  @Test
  void observe_sameAccountAgainAndAbsentKey_countsEachUserOnce() {
    RarityTable table = HydraLinker.builder().buildRarityTable();
    assertEquals(0, table.distinctAccounts(LinkKey.PAYMENT, 42), "unknown key");
    table.observe(LinkKey.PAYMENT, 42, account(0), 1);
    table.observe(LinkKey.PAYMENT, 42, account(0), 2);
    assertEquals(1, table.distinctAccounts(LinkKey.PAYMENT, 42), "the first user, twice");
    table.observe(LinkKey.PAYMENT, 42, account(1), 3);
    assertEquals(2, table.distinctAccounts(LinkKey.PAYMENT, 42), 0.5);
    assertEquals(0, table.distinctAccounts(LinkKey.IP, 42), "another kind is another key");
    table.observe(LinkKey.PAYMENT, 0, account(2), 4);
    assertEquals(0, table.distinctAccounts(LinkKey.PAYMENT, 0), "hash 0 means absent");
    assertEquals(1, table.keys(), "one key held");
  }

  /**
   * 500 accounts share one template-set band whose cap is 20: the key becomes common, and its
   * 32-register HyperLogLog (relative standard error 18%) estimates 500 within 4 standard errors.
   */
  @Test
  void observe_keySharedBy500Accounts_commonWithEstimateNear500() {
    for (int seed = 0; seed < SEEDS; seed++) {
      RarityTable table =
          HydraLinker.builder().cap(LinkKey.TEMPLATE_SET, 20, 0.0).buildRarityTable();
      long band = 0x5EED_0000L + seed;
      for (int i = 0; i < 500; i++) {
        table.observe(LinkKey.TEMPLATE_SET, band, account(seed * 1_000L + i), i);
        if (i < 10) {
          assertFalse(table.common(LinkKey.TEMPLATE_SET, band, 500), "seed " + seed + " at " + i);
        }
      }
      assertTrue(table.common(LinkKey.TEMPLATE_SET, band, 500), "seed " + seed);
      double distinct = table.distinctAccounts(LinkKey.TEMPLATE_SET, band);
      assertTrue(distinct > 500 * 0.27 && distinct < 500 * 1.73, "estimate " + distinct);
      // The relative cap: 0.5% of a million live accounts is 5,000, far above 500.
      RarityTable relative =
          HydraLinker.builder().cap(LinkKey.TEMPLATE_SET, 20, 0.005).buildRarityTable();
      for (int i = 0; i < 500; i++) {
        relative.observe(LinkKey.TEMPLATE_SET, band, account(seed * 1_000L + i), i);
      }
      assertFalse(relative.common(LinkKey.TEMPLATE_SET, band, 1_000_000), "seed " + seed);
      assertTrue(relative.common(LinkKey.TEMPLATE_SET, band, 500), "seed " + seed);
    }
  }

  /**
   * Floods a table of {@code maxKeys = 1024} with ten times as many single-use keys (strictly
   * increasing event times) after 100 shared cards: no key is lost without being counted, and the
   * shared cards, the oldest keys of all, survive every eviction: a third holder is counted as
   * their third user, where an evicted card would come back with the newcomer as its only user.
   */
  @Test
  void observe_tenTimesMaxKeysSingleUseKeys_evictsCountedSingleUseKeysAndKeepsSharedOnes() {
    int maxKeys = 1024;
    RarityTable table = HydraLinker.builder().maxKeys(maxKeys).buildRarityTable();
    for (int s = 0; s < 100; s++) {
      table.observe(LinkKey.PAYMENT, 1_000_000 + s, account(2 * s), s);
      table.observe(LinkKey.PAYMENT, 1_000_000 + s, account(2 * s + 1), s);
    }
    int single = 10 * maxKeys;
    for (int i = 0; i < single; i++) {
      table.observe(LinkKey.IP, 5_000_000 + i, account(250), 1_000 + i);
      assertEquals(100 + i + 1, table.keys() + table.evictedKeys(), "key lost uncounted");
    }
    assertTrue(table.evictedKeys() >= single - maxKeys, "evicted " + table.evictedKeys());
    for (int s = 0; s < 100; s++) {
      table.observe(LinkKey.PAYMENT, 1_000_000 + s, account(200 + (s % 50)), 20_000);
      assertTrue(
          table.distinctAccounts(LinkKey.PAYMENT, 1_000_000 + s) >= 2,
          "shared card " + s + " evicted");
    }
  }

  /** The class contract: "bounded by maxKeys"; the builder: "most keys held at once". */
  @Test
  void observe_tenTimesMaxKeysSingleUseKeys_keysNeverExceedMaxKeys() {
    for (int maxKeys : new int[] {1024, 1500, 3000}) {
      RarityTable table = HydraLinker.builder().maxKeys(maxKeys).buildRarityTable();
      int max = 0;
      for (int i = 0; i < 10 * maxKeys; i++) {
        table.observe(LinkKey.IP, 1 + i, account(0), i);
        max = Math.max(max, table.keys());
      }
      assertTrue(max <= maxKeys, "maxKeys " + maxKeys + " but held " + max);
    }
  }

  /**
   * Same flood, but every exchange carries the same event time (a batch replay, or many exchanges
   * within one millisecond). Shared keys must still be kept before single-use ones.
   */
  @Test
  void observe_floodWithEqualTimestamps_sharedKeysSurviveEviction() {
    int maxKeys = 1024;
    RarityTable table = HydraLinker.builder().maxKeys(maxKeys).buildRarityTable();
    for (int s = 0; s < 100; s++) {
      table.observe(LinkKey.PAYMENT, 1_000_000 + s, account(2 * s), 0);
      table.observe(LinkKey.PAYMENT, 1_000_000 + s, account(2 * s + 1), 0);
    }
    for (int i = 0; i < 10 * maxKeys; i++) {
      table.observe(LinkKey.IP, 5_000_000 + i, account(250), 0);
    }
    int lost = 0;
    for (int s = 0; s < 100; s++) {
      table.observe(LinkKey.PAYMENT, 1_000_000 + s, account(200 + (s % 50)), 0);
      if (table.distinctAccounts(LinkKey.PAYMENT, 1_000_000 + s) < 2) {
        lost++;
      }
    }
    assertEquals(0, lost, "shared cards evicted while single-use keys were kept");
  }

  private static RarityTable table(int maxKeys) {
    int[] minAccounts = new int[LinkKey.values().length];
    double[] fraction = new double[LinkKey.values().length];
    java.util.Arrays.fill(minAccounts, 3);
    java.util.Arrays.fill(fraction, 0.01);
    return new RarityTable(minAccounts, fraction, maxKeys);
  }

  @Test
  void observeCommon_anyStream_equalsObserveThenCommon() {
    for (int maxKeys : new int[] {64, 700, 100_000}) {
      RarityTable one = table(maxKeys);
      RarityTable two = table(maxKeys);
      java.util.SplittableRandom r = new java.util.SplittableRandom(maxKeys);
      int common = 0;
      for (int i = 0; i < 50_000; i++) {
        // a few popular keys among many rare ones, some absent (0), and a growing population
        long key = r.nextInt(10) == 0 ? 1 + r.nextInt(5) : r.nextInt(50) == 0 ? 0 : r.nextLong();
        long account = 1 + r.nextInt(2_000);
        long ts = i * 1_000L - r.nextInt(5_000);
        double live = 100 + i / 10.0;
        one.observe(LinkKey.TEMPLATE, key, account, ts);
        boolean expected = key != 0 && one.common(LinkKey.TEMPLATE, key, live);
        boolean actual = two.observeCommon(LinkKey.TEMPLATE, key, account, ts, live);
        assertEquals(expected, actual, "maxKeys " + maxKeys + " step " + i);
        common += actual ? 1 : 0;
      }
      assertEquals(one.keys(), two.keys());
      assertEquals(one.evictedKeys(), two.evictedKeys());
      assertTrue(common > 0, "some keys must turn common");
    }
    assertFalse(table(64).observeCommon(LinkKey.TEMPLATE, 0, 1, 0, 10));
  }

  /**
   * The estimate cached in each cell is the key's HyperLogLog estimate: a table restored from its
   * bytes (which recomputes every estimate from the HyperLogLogs) answers every key the same, after
   * streams that grow the table and evict from it, and writes the same bytes again.
   */
  @Test
  void distinctAccounts_afterGrowthAndEviction_equalsEstimateRecomputedOnRestore()
      throws Exception {
    for (int seed = 0; seed < SEEDS; seed++) {
      java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
      int maxKeys = 700 + r.nextInt(5_000);
      RarityTable table = table(maxKeys);
      long[] used = new long[20_000];
      for (int i = 0; i < used.length; i++) {
        long key = r.nextInt(8) == 0 ? 1 + r.nextInt(20) : 1_000 + r.nextInt(maxKeys * 2);
        used[i] = key;
        table.observeCommon(LinkKey.TEMPLATE, key, account(r.nextInt(3_000)), i, 10_000);
      }
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      table.writeTo(new java.io.DataOutputStream(bytes));
      RarityTable restored = table(maxKeys);
      restored.readFrom(
          new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())));
      for (long key : used) {
        assertEquals(
            table.distinctAccounts(LinkKey.TEMPLATE, key),
            restored.distinctAccounts(LinkKey.TEMPLATE, key),
            "seed " + seed + " key " + key);
      }
      java.io.ByteArrayOutputStream again = new java.io.ByteArrayOutputStream();
      restored.writeTo(new java.io.DataOutputStream(again));
      org.junit.jupiter.api.Assertions.assertArrayEquals(bytes.toByteArray(), again.toByteArray());
    }
  }
}
