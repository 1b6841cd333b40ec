package io.distillwatch.core.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.sketch.Hash64;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HydraLinkerTest {

  private static final int SEEDS = 40;

  /** Registers {@code n} accounts with no declared organisation; returns the first index. */
  private static int registerAll(HydraLinker linker, int n) {
    int first = linker.accounts();
    for (int i = 0; i < n; i++) {
      linker.register(0);
    }
    return first;
  }

  /** Registers {@code n} accounts with no declared organisation; returns the first index. */
  private static int registerAll(Links links, int n) {
    int first = links.linker.accounts();
    for (int i = 0; i < n; i++) {
      links.register();
    }
    return first;
  }

  /**
   * A linker fed as the detector feeds it: each use of a key goes to a {@link LinkStage}, which
   * remembers the key's first user and counts its distinct users, and the stage's edges and
   * indicators are applied with {@link HydraLinker#join} and {@link HydraLinker#indicate}, as the
   * cluster stage does. The stage's per-key state is kept here, unbounded, as the Flink job keeps
   * it keyed by route. Accounts are registered with distinct non-zero account hashes.
   */
  private static final class Links {
    final HydraLinker linker = HydraLinker.builder().build();
    final LinkStage stage;
    final Map<Long, LinkKeyState> keys = new HashMap<>();
    final List<String> ids = new ArrayList<>(); // by index
    final Map<String, Integer> indexOf = new HashMap<>();
    private final List<StageMessage> out = new ArrayList<>();
    private int serial;

    /** The live population the account stage reports with each observation. */
    double liveAccounts;

    Links(HydraLinker.Builder config) {
      stage = config.buildLinkStage();
    }

    Links() {
      this(HydraLinker.builder());
    }

    int register() {
      String id = "acct-" + serial++;
      int a = linker.register(0, hash(id));
      while (ids.size() <= a) {
        ids.add(null);
      }
      ids.set(a, id);
      indexOf.put(id, a);
      return a;
    }

    /**
     * The account used a key at event time {@code ts}; returns true if its cluster changed (an edge
     * joined it).
     */
    boolean observe(int account, LinkKey kind, long keyHash, String value, long ts) {
      String id = ids.get(account);
      StageMessage m =
          StageMessage.observe(id, hash(id), 0, kind, keyHash, value, ts, 1, liveAccounts);
      out.clear();
      LinkKeyState before = keys.get(m.route());
      LinkKeyState after = stage.process(before, m, out);
      if (after != null) {
        keys.put(m.route(), after);
      }
      boolean changed = false;
      for (StageMessage e : out) {
        int a = indexOf.get(e.accountId());
        int b = indexOf.get(e.otherId());
        if (e.type() == StageMessage.Type.EDGE) {
          changed |= linker.join(a, b, e.kind(), e.value());
        } else if (e.type() == StageMessage.Type.INDICATOR) {
          linker.indicate(a, b, e.kind(), e.value());
        }
      }
      return changed;
    }

    /** The link stage's estimate of the key's distinct users; 0 if it has no state for the key. */
    double distinctAccounts(LinkKey kind, long keyHash) {
      LinkKeyState k = keys.get(StageMessage.keyRoute(kind, keyHash));
      return k == null ? 0 : k.distinctAccounts();
    }

    /** Whether the key has more distinct users than its kind's cap (links nobody more). */
    boolean common(LinkKey kind, long keyHash) {
      return distinctAccounts(kind, keyHash) > stage.cap(kind, liveAccounts);
    }

    private static long hash(String id) {
      long h = Hash64.hash(id);
      return h == 0 ? 1 : h;
    }
  }

  private static Set<Integer> members(Cluster c) {
    Set<Integer> s = new HashSet<>();
    for (int i = 0; i < c.size(); i++) {
      assertTrue(s.add(c.member(i)), "member listed twice: " + c.member(i));
    }
    return s;
  }

  // -------------------------------------------------------------------------------------------
  // joining

  @Test
  void observe_rarePaymentKeySharedByGroups_joinsEachGroupIntoOneCluster() {
    for (int seed = 0; seed < SEEDS; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      Links links = new Links();
      HydraLinker linker = links.linker;
      List<int[]> groups = new ArrayList<>();
      for (int g = 0; g < 20; g++) {
        int size = 1 + random.nextInt(10);
        int first = registerAll(links, size);
        int[] group = new int[size];
        for (int i = 0; i < size; i++) {
          group[i] = first + i;
        }
        groups.add(group);
      }
      // Interleave the groups' exchanges in random order; each group has its own card.
      List<int[]> events = new ArrayList<>();
      for (int g = 0; g < groups.size(); g++) {
        for (int account : groups.get(g)) {
          for (int r = 0; r < 3; r++) {
            events.add(new int[] {g, account});
          }
        }
      }
      java.util.Collections.shuffle(events, new java.util.Random(seed));
      for (int[] ev : events) {
        long card = 1_000_003L * (seed + 1) + ev[0];
        links.observe(ev[1], LinkKey.PAYMENT, card, "card-" + ev[0], 1);
      }

      Set<Integer> roots = new HashSet<>();
      for (int g = 0; g < groups.size(); g++) {
        int[] group = groups.get(g);
        int root = linker.find(group[0]);
        assertTrue(roots.add(root), "seed " + seed + ": two groups share root " + root);
        for (int account : group) {
          assertEquals(root, linker.find(account), "seed " + seed + " group " + g);
        }
        Cluster c = linker.clusterOf(group[0]);
        if (group.length == 1) {
          assertNull(c, "a lone card holder is linked to nobody");
        } else {
          assertNotNull(c);
          assertEquals(group.length, c.size());
          assertEquals(
              java.util.Arrays.stream(group).boxed().collect(java.util.stream.Collectors.toSet()),
              members(c));
          assertEquals(List.of("card-" + g), c.indicators().get(LinkKey.PAYMENT));
        }
      }
    }
  }

  @Test
  void observe_secondAccountOnRareCard_returnsTrueOnlyWhenClusterChanges() {
    Links links = new Links();
    HydraLinker linker = links.linker;
    registerAll(links, 3);
    assertFalse(links.observe(0, LinkKey.PAYMENT, 42, "c", 1), "first user founds the key");
    assertFalse(links.observe(0, LinkKey.PAYMENT, 42, "c", 2), "same user again");
    assertTrue(links.observe(1, LinkKey.PAYMENT, 42, "c", 3));
    assertFalse(links.observe(1, LinkKey.PAYMENT, 42, "c", 4), "already joined");
    assertTrue(links.observe(2, LinkKey.PAYMENT, 42, "c", 5));
    // A key hash of 0 (absent) is never observed: the account stage sends no observation for it.
    assertEquals(2, linker.unions());
    assertEquals(3, linker.clusterOf(2).size());
  }

  /**
   * 500 accounts share one template-set band key whose cap is 20. Joining stops once the key's
   * distinct-account HyperLogLog (precision 5, 32 registers) estimates more than 20. Near 20 the
   * estimator is in its linear-counting range, with a standard error of about 3 accounts, so the
   * true count at the crossing lies in [11, 29] with overwhelming probability; we assert [10, 40]
   * (the cluster also holds the anchor) and, above all, nowhere near 500.
   */
  @Test
  void observe_templateSetKeySharedBy500Accounts_clusterStopsNearCap() {
    for (int seed = 0; seed < SEEDS; seed++) {
      Links links = new Links(HydraLinker.builder().cap(LinkKey.TEMPLATE_SET, 20, 0.0));
      HydraLinker linker = links.linker;
      // A per-seed offset gives each run different account ids, hence different HLL hashes.
      registerAll(links, 1 + seed * 37);
      int first = registerAll(links, 500);
      links.liveAccounts = linker.accounts();
      assertEquals(20.0, links.stage.cap(LinkKey.TEMPLATE_SET, links.liveAccounts));
      long band = 0x5EED_0000L + seed;
      for (int i = 0; i < 500; i++) {
        links.observe(first + i, LinkKey.TEMPLATE_SET, band, null, i);
      }
      Cluster c = linker.clusterOf(first);
      assertNotNull(c, "seed " + seed);
      assertTrue(
          c.size() >= 10 && c.size() <= 40,
          "seed " + seed + ": cluster of " + c.size() + " for cap 20");
      // Every account whose find differs is a singleton: joining stopped, it did not go elsewhere.
      int outside = 0;
      for (int i = 0; i < 500; i++) {
        if (linker.find(first + i) != linker.find(first)) {
          assertNull(linker.clusterOf(first + i));
          outside++;
        }
      }
      assertEquals(500 - c.size(), outside);
      assertTrue(links.common(LinkKey.TEMPLATE_SET, band));
      double distinct = links.distinctAccounts(LinkKey.TEMPLATE_SET, band);
      // 32 registers: relative standard error 18%; 4 of them either side.
      assertTrue(distinct > 500 * 0.27 && distinct < 500 * 1.73, "estimate " + distinct);
    }
  }

  /**
   * With a payment cap of 100 accounts or 2%, a card behind 150 accounts is common in a small
   * population (cap 100) but rare in a population of 100,000 (cap 2,000): the same traffic joins
   * about 100 accounts in the first case and all 150 in the second.
   */
  @Test
  void observe_sameSharedCard_joinsMoreWhenLivePopulationRaisesCap() {
    for (int seed = 0; seed < SEEDS; seed++) {
      int[] sizes = new int[2];
      long[] live = {0, 100_000};
      for (int run = 0; run < 2; run++) {
        Links links = new Links(HydraLinker.builder().cap(LinkKey.PAYMENT, 100, 0.02));
        registerAll(links, 1 + seed * 53);
        int first = registerAll(links, 150);
        links.liveAccounts = live[run];
        for (int i = 0; i < 150; i++) {
          links.observe(first + i, LinkKey.PAYMENT, 77 + seed, "card", i);
        }
        sizes[run] = links.linker.clusterOf(first).size();
      }
      assertEquals(150, sizes[1], "seed " + seed + ": cap 2000 joins every holder");
      // Cap 100 with 32 registers (18% standard error): at most a few standard errors beyond 100.
      assertTrue(sizes[0] >= 50 && sizes[0] < 150, "seed " + seed + ": cap 100 joined " + sizes[0]);
    }
  }

  @Test
  void cap_liveAccountsGrow_capGrowsFromMinimumByFraction() {
    LinkStage stage = HydraLinker.builder().cap(LinkKey.TEMPLATE_SET, 20, 0.005).buildLinkStage();
    assertEquals(1000.0, stage.cap(LinkKey.PAYMENT, 0), "default payment minimum");
    assertEquals(20.0, stage.cap(LinkKey.TEMPLATE_SET, 0));
    double previous = 0;
    for (long live = 0; live <= 10_000_000; live = live * 3 + 1) {
      double cap = stage.cap(LinkKey.TEMPLATE_SET, live);
      assertEquals(Math.max(20, 0.005 * live), cap, 1e-9, "live " + live);
      assertTrue(cap >= previous, "cap shrank at live " + live);
      previous = cap;
      assertEquals(Math.max(1000, 0.02 * live), stage.cap(LinkKey.PAYMENT, live), 1e-9);
    }
    assertEquals(50_000.0, stage.cap(LinkKey.TEMPLATE_SET, 10_000_000), 1e-9, "0.5% of 10M");
    assertEquals(200_000.0, stage.cap(LinkKey.PAYMENT, 10_000_000), 1e-9, "2% of 10M");
  }

  // -------------------------------------------------------------------------------------------
  // non-joining kinds

  @ParameterizedTest
  @EnumSource(
      value = LinkKey.class,
      names = {"TEMPLATE", "IP", "SUBNET", "NETWORK_AGENT"})
  void observe_nonJoiningKindShared_neverJoinsButIsIndicatorInsideCluster(LinkKey kind) {
    assertFalse(kind.joins());
    for (int seed = 0; seed < SEEDS; seed++) {
      Links links = new Links();
      HydraLinker linker = links.linker;
      int n = 2 + seed % 7;
      registerAll(links, n + 1);
      long key = 9_000 + seed;
      for (int a = 0; a < n; a++) {
        assertFalse(links.observe(a, kind, key, "v" + seed, a));
      }
      for (int a = 0; a < n; a++) {
        assertEquals(a, linker.find(a), "a " + kind + " key must not join");
        assertNull(linker.clusterOf(a));
      }
      assertEquals(0, linker.unions());

      // Join accounts 0 and 1 by a card; a later shared use of the key is recorded on the cluster.
      links.observe(0, LinkKey.PAYMENT, 1, "card", 10);
      links.observe(1, LinkKey.PAYMENT, 1, "card", 11);
      Cluster c = linker.clusterOf(0);
      assertNull(c.indicators().get(kind));
      assertFalse(links.observe(1, kind, key, "v" + seed, 12));
      assertEquals(List.of("v" + seed), c.indicators().get(kind));
      assertEquals(2, c.size(), "recording an indicator joins nobody");
      // An account outside the cluster using the same key records nothing and stays alone.
      int outsider = n;
      assertFalse(links.observe(outsider, kind, key, "other", 13));
      assertNull(linker.clusterOf(outsider));
      assertEquals(List.of("v" + seed), c.indicators().get(kind));
    }
  }

  @Test
  void addIndicator_manyDistinctValues_keepsAtMostMaxIndicators() {
    Links links = new Links();
    registerAll(links, 2);
    links.observe(0, LinkKey.PAYMENT, 1, "card", 0);
    links.observe(1, LinkKey.PAYMENT, 1, "card", 0);
    for (int i = 0; i < 50; i++) {
      links.observe(0, LinkKey.IP, 100 + i, "10.0.0." + i, i);
      links.observe(1, LinkKey.IP, 100 + i, "10.0.0." + i, i);
    }
    List<String> ips = links.linker.clusterOf(0).indicators().get(LinkKey.IP);
    assertEquals(Cluster.MAX_INDICATORS, ips.size());
    assertEquals(Cluster.MAX_INDICATORS, new HashSet<>(ips).size());
  }

  // -------------------------------------------------------------------------------------------
  // union bookkeeping against an exact model

  /** Exact union-find with per-account exchange counts and evidence, the reference model. */
  private static final class Model {
    final int[] parent;
    final long[] exchanges;
    final double[] evidence;
    final java.util.Map<Long, Integer> anchorOf = new java.util.HashMap<>();
    long unions;

    Model(int n) {
      parent = new int[n];
      exchanges = new long[n];
      evidence = new double[n];
      for (int i = 0; i < n; i++) {
        parent[i] = i;
        evidence[i] = Double.NaN;
      }
    }

    int find(int a) {
      while (parent[a] != a) {
        a = parent[a];
      }
      return a;
    }

    void observe(int a, long key) {
      Integer anchor = anchorOf.putIfAbsent(key, a);
      if (anchor != null && find(anchor) != find(a)) {
        parent[find(a)] = find(anchor);
        unions++;
      }
    }
  }

  /**
   * Random interleavings of exchanges, evidence updates (first and repeated) and card uses that
   * join accounts, over many seeds; after every step block the linker's clusters must match the
   * exact model: same partition, and per cluster the member set, size, evaluated members, summed
   * evidence and summed exchanges. Cards are drawn from a small pool, each used by a handful of
   * accounts at most, far below the payment cap, so every reuse must join.
   */
  @Test
  void observe_randomUnionsAndUpdates_clusterBookkeepingMatchesExactModel() {
    for (int seed = 0; seed < 120; seed++) {
      SplittableRandom random = new SplittableRandom(seed * 7919L + 1);
      int n = 20 + random.nextInt(200);
      Links links = new Links();
      HydraLinker linker = links.linker;
      for (int i = 0; i < n; i++) {
        assertEquals(i, links.register());
      }
      Model model = new Model(n);
      int cards = Math.max(2, n / 3);
      int steps = 20 * n;
      for (int step = 0; step < steps; step++) {
        int a = random.nextInt(n);
        int op = random.nextInt(10);
        if (op < 4) {
          linker.exchange(a);
          model.exchanges[a]++;
        } else if (op < 7) {
          double e = random.nextDouble() * 30;
          linker.evidence(a, e);
          model.evidence[a] = e;
        } else if (op < 8) {
          long card = 1 + random.nextInt(cards);
          links.observe(a, LinkKey.PAYMENT, card, "card" + card, step);
          model.observe(a, card);
        }
        // else: a step with nothing but the checks below
        if (step % 97 == 0 || step == steps - 1) {
          assertMatches(linker, model, "seed " + seed + " step " + step);
        }
      }
    }
  }

  private static void assertMatches(HydraLinker linker, Model model, String where) {
    int n = model.parent.length;
    assertEquals(model.unions, linker.unions(), where);
    java.util.Map<Integer, List<Integer>> sets = new java.util.HashMap<>();
    for (int a = 0; a < n; a++) {
      sets.computeIfAbsent(model.find(a), r -> new ArrayList<>()).add(a);
    }
    for (List<Integer> set : sets.values()) {
      int root = linker.find(set.get(0));
      long exchanges = 0;
      double evidence = 0;
      int evaluated = 0;
      for (int a : set) {
        assertEquals(root, linker.find(a), where + ": account " + a + " split from its set");
        assertEquals(model.evidence[a], linker.evidence(a), where);
        exchanges += model.exchanges[a];
        if (!Double.isNaN(model.evidence[a])) {
          evaluated++;
          evidence += model.evidence[a];
        }
      }
      Cluster c = linker.clusterOf(set.get(0));
      if (set.size() == 1) {
        assertNull(c, where + ": singleton with a cluster");
        assertEquals(set.get(0), root);
        continue;
      }
      assertNotNull(c, where);
      assertEquals(set.size(), c.size(), where + ": size");
      assertEquals(new HashSet<>(set), members(c), where + ": members");
      assertEquals(exchanges, c.exchanges, where + ": exchanges");
      assertEquals(evaluated, c.evaluatedMembers, where + ": evaluated members");
      assertEquals(evidence, c.evidenceSum, 1e-9 * Math.max(1, evidence), where + ": evidence");
    }
    // Distinct model sets have distinct roots in the linker.
    Set<Integer> roots = new HashSet<>();
    for (List<Integer> set : sets.values()) {
      assertTrue(roots.add(linker.find(set.get(0))), where + ": two sets merged in the linker");
    }
  }

  /** Random pairwise joins with no other traffic: {@code find} equals an exact union-find. */
  @Test
  void find_randomPairJoins_equalsExactUnionFind() {
    for (int seed = 0; seed < 100; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      int n = 2 + random.nextInt(500);
      Links links = new Links();
      HydraLinker linker = links.linker;
      registerAll(links, n);
      Model model = new Model(n);
      long key = 1;
      for (int j = 0; j < n; j++) {
        int a = random.nextInt(n);
        int b = random.nextInt(n);
        // A fresh card per pair: its first user is a, b joins it.
        links.observe(a, LinkKey.PAYMENT, key, null, j);
        links.observe(b, LinkKey.PAYMENT, key, null, j);
        model.observe(a, key);
        model.observe(b, key);
        key++;
      }
      for (int i = 0; i < 2 * n; i++) {
        int a = random.nextInt(n);
        int b = random.nextInt(n);
        assertEquals(
            model.find(a) == model.find(b),
            linker.find(a) == linker.find(b),
            "seed " + seed + ": " + a + ", " + b);
      }
      assertEquals(model.unions, linker.unions());
    }
  }

  // -------------------------------------------------------------------------------------------
  // builder

  @Test
  void builder_badParameters_rejectedWithBoundInMessage() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HydraLinker.builder().maxKeys(1023));
    assertTrue(e.getMessage().contains("1024"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> HydraLinker.builder().maxKeys(-1));
    for (LinkKey kind : LinkKey.values()) {
      assertThrows(IllegalArgumentException.class, () -> HydraLinker.builder().cap(kind, 1, 0.1));
      assertThrows(IllegalArgumentException.class, () -> HydraLinker.builder().cap(kind, -5, 0.1));
      assertThrows(
          IllegalArgumentException.class, () -> HydraLinker.builder().cap(kind, 20, -0.001));
      assertThrows(
          IllegalArgumentException.class, () -> HydraLinker.builder().cap(kind, 20, 1.001));
    }
    // The boundaries themselves are accepted.
    LinkStage stage =
        HydraLinker.builder()
            .maxKeys(1024)
            .cap(LinkKey.PAYMENT, 2, 1.0)
            .cap(LinkKey.IP, 2, 0)
            .buildLinkStage();
    assertEquals(10.0, stage.cap(LinkKey.PAYMENT, 10));
    assertEquals(2.0, stage.cap(LinkKey.IP, 10));
  }

  @Test
  void builderCap_nanFraction_rejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> HydraLinker.builder().cap(LinkKey.PAYMENT, 20, Double.NaN));
  }

  @Test
  void register_beyondInitialCapacity_indicesDenseAndBookkeepingKept() {
    HydraLinker linker = HydraLinker.builder().build();
    int n = 5_000;
    for (int i = 0; i < n; i++) {
      assertEquals(i, linker.register(i % 3 == 0 ? 0 : 17));
      linker.exchange(i);
    }
    assertEquals(n, linker.accounts());
    assertTrue(Double.isNaN(linker.evidence(n - 1)));
    // Join the first and the last account: the cluster carries both members' exchanges.
    assertTrue(linker.join(n - 1, 0, LinkKey.PAYMENT, null));
    Cluster c = linker.clusterOf(n - 1);
    assertEquals(2, c.exchanges);
    assertNotEquals(linker.find(1), linker.find(0));
  }

  // -------------------------------------------------------------------------------------------
  // releasing lone accounts

  /**
   * The exact model of a linker fed by {@link HydraLinker#join}: accounts are identities (never
   * reused), joined in a plain union-find; each live identity holds one linker index.
   */
  private static final class ReleaseModel {
    final List<Integer> parent = new ArrayList<>();
    final List<Integer> size = new ArrayList<>(); // at roots
    final Map<Integer, Integer> indexOf = new HashMap<>(); // live identity -> linker index
    final List<Integer> live = new ArrayList<>(); // live identities, any order
    final Map<Integer, Integer> position = new HashMap<>(); // identity -> place in live
    final List<Integer> freeStack = new ArrayList<>();
    long unions;

    int newIdentity(int index) {
      int id = parent.size();
      parent.add(id);
      size.add(1);
      indexOf.put(id, index);
      position.put(id, live.size());
      live.add(id);
      return id;
    }

    void release(int id) {
      int at = position.remove(id);
      int last = live.remove(live.size() - 1);
      if (last != id) {
        live.set(at, last);
        position.put(last, at);
      }
      freeStack.add(indexOf.remove(id));
    }

    int find(int identity) {
      while (parent.get(identity) != identity) {
        identity = parent.get(identity);
      }
      return identity;
    }

    boolean union(int x, int y) {
      int rx = find(x);
      int ry = find(y);
      if (rx == ry) {
        return false;
      }
      if (size.get(rx) > size.get(ry)) {
        int t = rx;
        rx = ry;
        ry = t;
      }
      parent.set(rx, ry);
      size.set(ry, size.get(ry) + size.get(rx));
      unions++;
      return true;
    }

    Map<Integer, List<Integer>> components() {
      Map<Integer, List<Integer>> sets = new HashMap<>();
      for (int id : live) {
        sets.computeIfAbsent(find(id), r -> new ArrayList<>()).add(id);
      }
      return sets;
    }
  }

  private static HydraLinker roundTrip(HydraLinker linker) {
    try {
      byte[] bytes = bytes(linker);
      HydraLinker back = HydraLinker.readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
      assertTrue(java.util.Arrays.equals(bytes, bytes(back)), "re-snapshot differs");
      return back;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] bytes(HydraLinker linker) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    linker.writeTo(new DataOutputStream(out));
    return out.toByteArray();
  }

  /**
   * Random registrations, releases of lone accounts, joins, evidence and exchanges, with a snapshot
   * round trip now and then, over many seeds. After every block the linker must match the exact
   * model: live accounts and released count; released indices reused last released first; indices
   * never beyond the most accounts live at once; the partition of live accounts, each cluster's
   * members and bookkeeping; {@code componentTail} exactly as computed from the model's components;
   * and a clustered account can never be released.
   */
  @Test
  void release_randomChurnWithJoins_indicesReusedAndUnionFindMatchesExactModel() {
    for (int seed = 0; seed < 30; seed++) {
      SplittableRandom random = new SplittableRandom(seed * 31L + 7);
      HydraLinker linker = HydraLinker.builder().build();
      ReleaseModel model = new ReleaseModel();
      Map<Integer, Double> evidence = new HashMap<>();
      Map<Integer, Long> exchanges = new HashMap<>();
      int mostLive = 0;
      int steps = 1_500 + random.nextInt(1_500);
      for (int step = 0; step < steps; step++) {
        int op = random.nextInt(20);
        List<Integer> live = model.live;
        if (op < 6 || live.size() < 2) {
          int expected =
              model.freeStack.isEmpty() ? -1 : model.freeStack.remove(model.freeStack.size() - 1);
          int a = linker.register(0, 1_000_000L + model.parent.size());
          if (expected >= 0) {
            assertEquals(expected, a, "reuse order");
          }
          assertFalse(model.indexOf.containsValue(a), "index " + a + " handed out twice");
          model.newIdentity(a);
          mostLive = Math.max(mostLive, live.size());
        } else if (op < 11) {
          int id = live.get(random.nextInt(live.size()));
          int a = model.indexOf.get(id);
          boolean alone = model.size.get(model.find(id)) == 1;
          assertEquals(alone, linker.releasable(a), "releasable " + a);
          HydraLinker l = linker;
          if (alone) {
            linker.release(a);
            assertTrue(linker.isReleased(a));
            model.release(id);
            evidence.remove(id);
            exchanges.remove(id);
            assertThrows(IllegalArgumentException.class, () -> l.release(a), "twice");
          } else {
            assertThrows(IllegalArgumentException.class, () -> l.release(a), "clustered");
          }
        } else if (op < 14) {
          int x = live.get(random.nextInt(live.size()));
          int y = live.get(random.nextInt(live.size()));
          boolean joined =
              linker.join(model.indexOf.get(x), model.indexOf.get(y), LinkKey.PAYMENT, "c");
          assertEquals(model.union(x, y), joined);
        } else if (op < 17) {
          int id = live.get(random.nextInt(live.size()));
          double e = random.nextDouble() * 20;
          linker.evidence(model.indexOf.get(id), e);
          evidence.put(id, e);
        } else if (op < 19) {
          int id = live.get(random.nextInt(live.size()));
          long total = exchanges.getOrDefault(id, 0L) + 1 + random.nextInt(5);
          linker.exchanges(model.indexOf.get(id), total);
          exchanges.put(id, total);
        } else if (step % 10 == 0) {
          linker = roundTrip(linker);
        }
        if (step % 101 == 0 || step == steps - 1) {
          assertReleaseModel(linker, model, evidence, exchanges, mostLive, "seed " + seed);
        }
      }
    }
  }

  private static void assertReleaseModel(
      HydraLinker linker,
      ReleaseModel model,
      Map<Integer, Double> evidence,
      Map<Integer, Long> exchanges,
      int mostLive,
      String where) {
    assertEquals(model.indexOf.size(), linker.accounts(), where + ": live accounts");
    assertEquals(
        model.parent.size() - model.indexOf.size(),
        linker.releasedAccounts(),
        where + ": released");
    assertTrue(linker.indices() <= mostLive, where + ": indices beyond the most live at once");
    assertEquals(model.unions, linker.unions(), where + ": unions");
    for (int a : model.freeStack) {
      assertTrue(linker.isReleased(a), where + ": " + a + " not released");
    }
    Map<Integer, List<Integer>> sets = model.components();
    int[] clustersByBucket = new int[32];
    for (List<Integer> set : sets.values()) {
      int root = linker.find(model.indexOf.get(set.get(0)));
      Set<Integer> indices = new HashSet<>();
      long sumExchanges = 0;
      double sumEvidence = 0;
      int evaluated = 0;
      for (int id : set) {
        int a = model.indexOf.get(id);
        assertFalse(linker.isReleased(a), where);
        assertEquals(1_000_000L + id, linker.accountHash(a), where + ": hash at " + a);
        assertEquals(root, linker.find(a), where + ": " + a + " split from its set");
        indices.add(a);
        sumExchanges += exchanges.getOrDefault(id, 0L);
        if (evidence.containsKey(id)) {
          evaluated++;
          sumEvidence += evidence.get(id);
        }
        assertEquals(evidence.getOrDefault(id, Double.NaN), linker.evidence(a), where);
      }
      Cluster c = linker.clusterOf(root);
      if (set.size() == 1) {
        assertNull(c, where + ": singleton with a cluster");
        continue;
      }
      clustersByBucket[31 - Integer.numberOfLeadingZeros(set.size())]++;
      assertEquals(indices, members(c), where + ": members");
      assertEquals(sumExchanges, c.exchanges, where + ": exchanges");
      assertEquals(evaluated, c.evaluatedMembers, where + ": evaluated");
      assertEquals(sumEvidence, c.evidenceSum, 1e-9 * Math.max(1, sumEvidence), where);
    }
    Set<Integer> roots = new HashSet<>();
    for (List<Integer> set : sets.values()) {
      assertTrue(roots.add(linker.find(model.indexOf.get(set.get(0)))), where + ": sets merged");
    }
    for (int size = 2; size <= 64; size++) {
      long atLeast = 0;
      for (int b = 31 - Integer.numberOfLeadingZeros(size); b < 32; b++) {
        atLeast += clustersByBucket[b];
      }
      double exact = Math.min(1.0, Math.max(1, atLeast) / (double) Math.max(1, sets.size()));
      assertEquals(exact, linker.componentTail(size), where + ": componentTail(" + size + ")");
    }
  }

  @Test
  void release_thenRegister_reusesTheIndexAsAFreshAccount() {
    HydraLinker linker = HydraLinker.builder().build();
    int a = linker.register(7, 101);
    int b = linker.register(0, 102);
    linker.exchanges(a, 5);
    linker.evidence(a, 9.0);
    linker.release(a);
    assertEquals(1, linker.accounts());
    assertEquals(2, linker.indices());
    assertEquals(1, linker.releasedAccounts());
    int c = linker.register(0, 101); // the same account, back after release
    assertEquals(a, c, "the released index is reused");
    assertEquals(0, linker.exchanges(c));
    assertTrue(Double.isNaN(linker.evidence(c)));
    assertEquals(101, linker.accountHash(c));
    assertTrue(linker.join(c, b, LinkKey.PAYMENT, "card"), "nothing ties it to its old self");
    assertEquals(2, linker.clusterOf(b).size());
    assertFalse(linker.releasable(c));
    assertFalse(linker.releasable(b));
    assertThrows(IllegalArgumentException.class, () -> linker.release(b));
  }

  @Test
  void release_releasedIndex_failsLoudlyWhenUsed() {
    HydraLinker linker = HydraLinker.builder().build();
    int a = linker.register(0, 1);
    linker.register(0, 2);
    linker.release(a);
    assertThrows(ArrayIndexOutOfBoundsException.class, () -> linker.find(a));
    assertThrows(ArrayIndexOutOfBoundsException.class, () -> linker.evidence(a, 1.0));
  }

  @Test
  void readFrom_releasedIndexListedTwice_refused() throws IOException {
    HydraLinker linker = HydraLinker.builder().build();
    registerAll(linker, 4);
    linker.release(1);
    linker.release(3);
    byte[] bytes = bytes(linker);
    // After the version, int indices, two counters and 4 x 36-byte records: int 2, int 1, int 3.
    int stack = 1 + 4 + 2 * 8 + 4 * 36;
    assertEquals(2, java.nio.ByteBuffer.wrap(bytes, stack, 4).getInt());
    java.nio.ByteBuffer.wrap(bytes, stack + 8, 4).putInt(1);
    IOException e =
        assertThrows(
            IOException.class,
            () -> HydraLinker.readFrom(new DataInputStream(new ByteArrayInputStream(bytes))));
    assertTrue(e.getMessage().contains("released index 1"), e.getMessage());
  }

  /**
   * Form 2 or 3 of the linker whose form 4 is {@code v4}: the key table's counters after the
   * indices ({@code liveAccounts} first, {@code evictedKeys} after the unions), form 3's released
   * count and stack (form 2 has neither, so {@code v4} must have nothing released), and the key
   * table, given as its bytes, at the end.
   */
  private static byte[] olderForm(
      byte[] v4, int version, long liveAccounts, long evictedKeys, byte[] keyTable)
      throws IOException {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(v4);
    int n = b.getInt(1);
    long unions = b.getLong(5);
    long released = b.getLong(13);
    int records = 21;
    int stack = records + 36 * n;
    int f = b.getInt(stack);
    int rest = stack + 4 + 4 * f;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte(version);
    out.writeInt(n);
    out.writeLong(liveAccounts);
    out.writeLong(unions);
    out.writeLong(evictedKeys);
    if (version == 3) {
      out.writeLong(released);
    } else {
      assertEquals(0, f, "form 2 has no released indices");
    }
    out.write(v4, records, stack - records);
    if (version == 3) {
      out.write(v4, stack, rest - stack);
    }
    out.write(v4, rest, v4.length - rest);
    out.write(keyTable);
    return bytes.toByteArray();
  }

  /** A key table of forms 1 to 3: capacity, then per key {slot, key, anchor, lastSeen, sketch}. */
  private static byte[] keyTable(int capacity, long[][] keys) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(capacity);
    out.writeInt(keys.length);
    for (long[] k : keys) {
      out.writeInt((int) k[0]);
      out.writeLong(k[1]);
      out.writeInt((int) k[2]);
      out.writeLong(k[3]);
      out.writeInt((int) k[4]);
      for (int i = 0; i < k[4]; i++) {
        out.writeByte(i);
      }
    }
    return bytes.toByteArray();
  }

  @Test
  void readFrom_version2Form_readsWithNothingReleased() throws IOException {
    HydraLinker linker = HydraLinker.builder().build();
    registerAll(linker, 3);
    linker.join(0, 2, LinkKey.PAYMENT, "card");
    byte[] v4 = bytes(linker);
    byte[] v2 = olderForm(v4, 2, 3, 0, keyTable(1024, new long[0][]));
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(v2));
    HydraLinker back = HydraLinker.readFrom(in, 2);
    assertEquals(-1, in.read(), "form 2 read to its end");
    assertEquals(3, back.accounts());
    assertEquals(0, back.releasedAccounts());
    assertEquals(back.find(0), back.find(2));
    assertTrue(java.util.Arrays.equals(v4, bytes(back)));
  }

  /**
   * A form 3 linker that kept keys of its own (observe, before rarity moved to the link stage): the
   * version is taken from the form, the key table is read past to its end, and the linker is the
   * one form 4 describes, with its released indices.
   */
  @Test
  void readFrom_version3FormWithKeys_skipsTheKeyTable() throws IOException {
    HydraLinker linker = HydraLinker.builder().build();
    registerAll(linker, 4);
    linker.join(0, 2, LinkKey.PAYMENT, "card");
    linker.release(1);
    byte[] v4 = bytes(linker);
    long[][] keys = {{3, 11, 0, 5, 0}, {700, 12, 2, 6, 10}, {701, -4, 3, 6, 4096}};
    byte[] v3 = olderForm(v4, 3, 3, 17, keyTable(2048, keys));
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(v3));
    HydraLinker back = HydraLinker.readFrom(in);
    assertEquals(-1, in.read(), "form 3 read to its end");
    assertEquals(3, back.accounts());
    assertEquals(1, back.releasedAccounts());
    assertTrue(back.isReleased(1));
    assertEquals(back.find(0), back.find(2));
    assertTrue(java.util.Arrays.equals(v4, bytes(back)));
    // Its released index is reused, as before the snapshot.
    assertEquals(1, back.register(0, 99));
  }

  @Test
  void readFrom_version3KeyAnchoredOnNoIndexInUse_refused() throws IOException {
    HydraLinker linker = HydraLinker.builder().build();
    registerAll(linker, 3);
    linker.release(1);
    byte[] v4 = bytes(linker);
    for (long anchor : new long[] {1, 3, -1}) {
      byte[] v3 = olderForm(v4, 3, 2, 0, keyTable(1024, new long[][] {{9, 11, anchor, 5, 0}}));
      IOException e =
          assertThrows(
              IOException.class,
              () -> HydraLinker.readFrom(new DataInputStream(new ByteArrayInputStream(v3))));
      assertTrue(e.getMessage().contains("linker key 0"), e.getMessage());
    }
  }

  @Test
  void readFrom_unknownVersionByte_refusedNamingIt() throws IOException {
    byte[] v4 = bytes(HydraLinker.builder().build());
    for (int version : new int[] {0, 1, HydraLinker.FORM_VERSION + 1}) {
      v4[0] = (byte) version;
      IOException e =
          assertThrows(
              IOException.class,
              () -> HydraLinker.readFrom(new DataInputStream(new ByteArrayInputStream(v4))));
      assertTrue(e.getMessage().contains("version " + version), e.getMessage());
    }
  }
}
