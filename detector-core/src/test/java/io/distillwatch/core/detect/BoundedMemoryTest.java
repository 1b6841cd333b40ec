package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.io.Category;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.StageMessage;
import io.distillwatch.core.sketch.Hash64;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * An attacker who opens a million throwaway accounts and sprays ten million distinct templates from
 * per-request IPs cannot grow the detector's heap past a bound computed from its caps, and every
 * profile the detector drops is counted.
 *
 * <p>The stream (10,000,000 exchanges, built in memory, no files):
 *
 * <ul>
 *   <li>Days 0-2: 1,000,000 throwaway accounts with one exchange each, interleaved with 3,000,000
 *       exchanges of 1,000 "sprayer" accounts.
 *   <li>Days 2-12: 6,000,000 more sprayer exchanges and no new account, so the throwaway profiles
 *       that survived the cap idle out after 7 days.
 * </ul>
 *
 * Every exchange carries a template hash and a prompt hash never seen before (10,000,000 distinct
 * templates) and a fresh random IPv4 address; throwaway accounts each have their own payment card,
 * sprayers share one card per ten.
 *
 * <p>The bound on retained heap (after full collections, minus the heap before the detector was
 * built) is, with the measured figures of {@code HeapPerAccount} as the basis and a margin:
 *
 * <pre>
 * novelty table              2^noveltyBits x 4 x 8 B        (32 MiB at the default 20 bits)
 * template rarity table      slots x 24 B + maxLinkKeys x 128 B
 *                            (slots = 2^ceil(log2(maxLinkKeys / 0.6)); a precision-5 HyperLogLog
 *                            per key used by two or more accounts)
 * link-stage key map         maxLinkKeys x 256 B            (map entry, boxed key, key state, its
 *                                                           HyperLogLog when shared)
 * live profiles              maxAccounts x 3 KiB            (measured about 2.2 KB)
 * cluster stage              held x 256 B                   (measured 208 B with G1 since each
 *                            + (indices - held) x 160 B      account's evaluation state moved
 *                                                           here; a released index 130 B until
 *                                                           reused: see below)
 * calibrators and the rest   16 MiB
 * </pre>
 *
 * <p>The cluster stage holds an account while it is in a cluster or while messages about it keep
 * arriving; a lone account idle for longer than the idle eviction plus the re-evaluation interval
 * (7 days 6 hours here) is released and its index reused. Its term is therefore bounded by the most
 * accounts active within that horizon, not by the accounts ever seen: here all million throwaway
 * accounts arrive within two days, so they are all held at the cap and all released by the end,
 * when only their indices' array slots remain (the per-index arrays never shrink; new accounts
 * reuse them). {@link #clusterStage_millionAccountsReleasedThenReplaced_heapFollowsAccountsHeld}
 * measures the per-account figures. Figures and the heap benchmark: {@code docs/bounded-memory.md}.
 */
class BoundedMemoryTest {
  private static final int MAX_ACCOUNTS = 100_000;
  private static final int MAX_LINK_KEYS = 1 << 18;
  private static final int THROWAWAY_ACCOUNTS = 1_000_000;
  private static final int SPRAYERS = 1_000;
  private static final long PHASE_ONE = 4_000_000;
  private static final long EXCHANGES = 10_000_000;

  private static final long START = 1_776_902_400_000L; // 2026-04-23T00:00Z
  private static final long DAY = 86_400_000L;
  private static final long PHASE_ONE_STEP = 2 * DAY / PHASE_ONE;
  private static final long PHASE_TWO_STEP = 10 * DAY / (EXCHANGES - PHASE_ONE);

  // The documented bound's per-unit figures (see the class javadoc).
  private static final long NOVELTY_BYTES_PER_SLOT = 8;
  private static final long KEY_SLOT_BYTES = 24;
  private static final long SHARED_KEY_SKETCH_BYTES = 128;
  private static final long LINK_STAGE_KEY_BYTES = 256;
  private static final long PROFILE_BYTES = 3 * 1024;
  private static final long HELD_ACCOUNT_BYTES = 256;
  private static final long INDEX_SLOT_BYTES = 160;
  private static final long OTHER_BYTES = 16L << 20;

  /** Bytes a dropped profile must give back, at least (measured: about 2.2 KB). */
  private static final long RELEASED_PER_PROFILE = 1024;

  private static final Category[] CATEGORIES = Category.values();

  // Strings that repeat, built once: the stream allocates only what is new on each exchange.
  private static final String[] SPRAYER_IDS = new String[SPRAYERS];
  private static final String[] SPRAYER_CARDS = new String[SPRAYERS];
  private static final String[] ASNS = new String[32];

  static {
    for (int k = 0; k < SPRAYERS; k++) {
      SPRAYER_IDS[k] = "sprayer-" + k;
      SPRAYER_CARDS[k] = "card-s" + k / 10;
    }
    for (int k = 0; k < ASNS.length; k++) {
      ASNS[k] = "AS" + (64_500 + k);
    }
  }

  @Test
  void observe_millionThrowawayAccountsAndTenMillionTemplates_heapStaysWithinCapBound() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long base = retainedHeap(memory);
    ExtractionDetector detector =
        ExtractionDetector.builder()
            .maxAccounts(MAX_ACCOUNTS)
            .maxLinkKeys(MAX_LINK_KEYS)
            .idleEviction(Duration.ofDays(7))
            .build();

    long peakLive = 0;
    long peakKeys = 0;
    long alerts = 0;
    long throwaway = 0;
    for (long i = 0; i < PHASE_ONE; i++) {
      alerts += detector.observe(exchange(i)).size();
      peakLive = Math.max(peakLive, detector.liveAccounts());
      peakKeys = Math.max(peakKeys, maxKeys(detector));
      throwaway += i % 4 == 0 ? 1 : 0;
    }
    assertEquals(THROWAWAY_ACCOUNTS, throwaway);
    long registered = registered(detector);
    assertEquals(THROWAWAY_ACCOUNTS + SPRAYERS, registered, "accounts seen");
    assertEquals(0, detector.clusters.releasedAccounts(), "all within the release horizon");
    // The cap is reached and held; every profile beyond it was evicted and counted, the least
    // recently active first, so the busy sprayers all kept theirs.
    assertEquals(MAX_ACCOUNTS, detector.liveAccounts());
    assertEquals(registered - MAX_ACCOUNTS, detector.evictedByCap());
    assertEquals(0, detector.evictedIdle(), "nothing is 7 days idle after 2 days");
    long heapAtCap = retainedHeap(memory) - base;
    long boundAtCap = bound(detector);
    report("at the cap", detector, heapAtCap, boundAtCap);
    assertTrue(heapAtCap <= boundAtCap, mib(heapAtCap) + " retained > bound " + mib(boundAtCap));

    for (long i = PHASE_ONE; i < EXCHANGES; i++) {
      alerts += detector.observe(exchange(i)).size();
      peakLive = Math.max(peakLive, detector.liveAccounts());
      peakKeys = Math.max(peakKeys, maxKeys(detector));
    }
    assertEquals(EXCHANGES, detector.exchanges());
    assertTrue(peakLive <= MAX_ACCOUNTS, "live profiles peaked at " + peakLive);
    assertTrue(peakKeys <= MAX_LINK_KEYS, "link keys peaked at " + peakKeys);
    assertTrue(
        detector.evictedKeys() >= EXCHANGES - MAX_LINK_KEYS,
        "ten million distinct templates must push keys out: " + detector.evictedKeys());

    // Only the sprayers are still active: the throwaway survivors of the cap idled out.
    assertEquals(registered, registered(detector), "no account registered in phase two");
    // The cluster stage released every throwaway account; it holds the sprayers alone.
    assertEquals(SPRAYERS, detector.clusters.accounts());
    assertEquals(THROWAWAY_ACCOUNTS, detector.clusters.releasedAccounts());
    assertEquals(SPRAYERS, detector.liveAccounts());
    assertEquals(MAX_ACCOUNTS - SPRAYERS, detector.evictedIdle());
    assertEquals(
        registered,
        detector.liveAccounts() + detector.evictedByCap() + detector.evictedIdle(),
        "every account seen is live or counted as evicted");
    long heapAtEnd = retainedHeap(memory) - base;
    long boundAtEnd = bound(detector);
    report("after idle eviction", detector, heapAtEnd, boundAtEnd);
    assertTrue(heapAtEnd <= boundAtEnd, mib(heapAtEnd) + " retained > bound " + mib(boundAtEnd));
    // Eviction gives the memory back: the dropped profiles are collectable.
    long dropped = MAX_ACCOUNTS - SPRAYERS;
    assertTrue(
        heapAtCap - heapAtEnd >= dropped * RELEASED_PER_PROFILE,
        "idle eviction of "
            + dropped
            + " profiles released only "
            + mib(heapAtCap - heapAtEnd)
            + " (alerts raised: "
            + alerts
            + ")");
    Reference.reachabilityFence(detector);
  }

  /**
   * The cluster stage alone, measured: a million accounts held (one evidence message each), then
   * released (one message past the release horizon), then a second million on the released indices.
   * Prints the retained heap per account in each state; asserts the per-account figures the bound
   * uses and that the second million costs no more than the first.
   */
  @Test
  void clusterStage_millionAccountsReleasedThenReplaced_heapFollowsAccountsHeld() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    int n = 1_000_000;
    long base = retainedHeap(memory);
    ClusterStage s = new ClusterStage(DetectorConfig.builder().config());
    List<Alert> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      s.process(evidence("throwaway-" + i, START + i), out);
    }
    assertEquals(n, s.accounts());
    long held = retainedHeap(memory) - base;

    long later = START + n + s.releaseAfterMillis() + 1;
    s.process(evidence("after", later), out);
    assertEquals(1, s.accounts());
    assertEquals(n, s.releasedAccounts());
    long released = retainedHeap(memory) - base;

    for (int i = 0; i < n; i++) {
      s.process(evidence("second-" + i, later + i), out);
    }
    assertEquals(n + 1, s.accounts());
    assertEquals(n + 1, s.linker.indices(), "the second million reused the released indices");
    long replaced = retainedHeap(memory) - base;
    assertTrue(out.isEmpty());

    // Test output, for the documented figures; the assertions below do not depend on it.
    System.out.printf(
        Locale.ROOT,
        "BoundedMemoryTest cluster stage: %,d held %s (%d B each); all released %s (%d B per"
            + " index); %,d more on the released indices %s (%d B per account ever seen)%n",
        n,
        mib(held),
        held / n,
        mib(released),
        released / n,
        n,
        mib(replaced),
        replaced / (2L * n));
    assertTrue(held <= (long) n * HELD_ACCOUNT_BYTES, "per held account " + held / n);
    assertTrue(released <= (long) n * INDEX_SLOT_BYTES, "per released index " + released / n);
    assertTrue(
        held - released >= (long) n * 48, "releasing gave back only " + mib(held - released));
    assertTrue(
        replaced <= held + (8L << 20), mib(replaced) + " for a second million vs " + mib(held));
    Reference.reachabilityFence(s);
  }

  private static StageMessage evidence(String id, long ts) {
    return StageMessage.evidence(
        id, AccountProfile.hash(id), 0, ts, 1, 0.7, 3.0, StageMessage.CALIBRATED);
  }

  /** Accounts the cluster stage has heard of: every account ever evaluated. */
  static long registered(ExtractionDetector d) {
    return d.clusters.accounts() + d.clusters.releasedAccounts();
  }

  /** The fuller of the two key tables bounded by maxLinkKeys (link stage, template rarity). */
  static int maxKeys(ExtractionDetector d) {
    return Math.max(d.links.keys(), d.accounts.templates.keys());
  }

  /**
   * The documented bound of the class javadoc for a detector's caps, with the cluster stage's
   * accounts held and indices as they are now.
   */
  static long bound(ExtractionDetector d) {
    DetectorConfig config = d.config();
    long held = d.clusters.accounts();
    long released = d.clusters.linker.indices() - held;
    long novelty = (1L << config.noveltyBits()) * 4 * NOVELTY_BYTES_PER_SLOT;
    long slots = Long.highestOneBit((long) Math.ceil(MAX_LINK_KEYS / 0.6) - 1) << 1;
    long rarityTable = slots * KEY_SLOT_BYTES + (long) MAX_LINK_KEYS * SHARED_KEY_SKETCH_BYTES;
    long linkStage = (long) MAX_LINK_KEYS * LINK_STAGE_KEY_BYTES;
    return novelty
        + rarityTable
        + linkStage
        + (long) config.maxAccounts() * PROFILE_BYTES
        + held * HELD_ACCOUNT_BYTES
        + released * INDEX_SLOT_BYTES
        + OTHER_BYTES;
  }

  /**
   * Exchange {@code i} of the attack stream: a pure function of {@code i}. In phase one every
   * fourth exchange is a throwaway account's only one; every other exchange is a sprayer's.
   */
  static Exchange exchange(long i) {
    long h = Hash64.hash(i);
    boolean phaseOne = i < PHASE_ONE;
    long t =
        phaseOne ? START + i * PHASE_ONE_STEP : START + 2 * DAY + (i - PHASE_ONE) * PHASE_TWO_STEP;
    String account;
    String card;
    if (phaseOne && i % 4 == 0) {
      account = "throwaway-" + i / 4;
      card = "card-t" + i / 4;
    } else {
      // The sprayers take turns: in phase one by their own exchanges' ordinal.
      long ordinal = phaseOne ? 3 * (i / 4) + i % 4 - 1 : i;
      int sprayer = (int) (ordinal % SPRAYERS);
      account = SPRAYER_IDS[sprayer];
      card = SPRAYER_CARDS[sprayer];
    }
    return Exchange.builder(t, account)
        .ip(
            (11 + (h >>> 56 & 0x7F))
                + "."
                + (h >>> 48 & 0xFF)
                + "."
                + (h >>> 40 & 0xFF)
                + "."
                + (h >>> 32 & 0xFF))
        .asn(ASNS[(int) (h & 31)])
        .userAgent("python-requests/2.31.0")
        .paymentFingerprint(card)
        .model("frontier-1")
        .inputTokens(300 + (h >>> 8 & 511))
        .outputTokens(1500 + (h >>> 16 & 2047))
        .templateHash("tpl-" + Long.toHexString(i))
        .promptHash("p-" + Long.toHexString(h))
        .category(CATEGORIES[(int) Long.remainderUnsigned(h, CATEGORIES.length)])
        .reasoningRequested((h & 1) == 0)
        .status(200)
        .build();
  }

  /**
   * Used heap after full collections: the least of a few, so a late collection cannot inflate it.
   */
  static long retainedHeap(MemoryMXBean memory) {
    long min = Long.MAX_VALUE;
    for (int k = 0; k < 3; k++) {
      System.gc();
      min = Math.min(min, memory.getHeapMemoryUsage().getUsed());
    }
    return min;
  }

  private static void report(String when, ExtractionDetector d, long heap, long bound) {
    // Test output, for the figures; the assertions do not depend on it.
    System.out.printf(
        Locale.ROOT,
        "BoundedMemoryTest %s: live %,d, registered %,d (cluster stage holds %,d, released %,d),"
            + " evicted cap %,d idle %,d, keys %,d (evicted %,d); retained %s of bound %s; test"
            + " thread CPU %.1f s%n",
        when,
        d.liveAccounts(),
        registered(d),
        d.clusters.accounts(),
        d.clusters.releasedAccounts(),
        d.evictedByCap(),
        d.evictedIdle(),
        d.links.keys() + d.accounts.templates.keys(),
        d.evictedKeys(),
        mib(heap),
        mib(bound),
        ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() / 1e9);
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }
}
