package io.distillwatch.bench;

import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.io.Category;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.sketch.Hash64;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;

/**
 * Heap retained by {@link ExtractionDetector} per live account, and per account it has ever seen.
 * Not a JMH benchmark: it measures retained heap after full collections, not time, so it is a plain
 * {@code main} in the benchmarks jar.
 *
 * <p>Three measurements, each on a fresh detector:
 *
 * <ol>
 *   <li><b>empty</b>: the fixed tables of a detector with the default configuration (novelty table,
 *       calibrators, the first arrays of the key tables and the linker).
 *   <li><b>live</b>: {@code N} accounts with {@code k} exchanges each, round robin within a few
 *       hours (nothing idles out, no cap), so all {@code N} profiles are live. Heap per live
 *       account = (heap - empty) / N. Includes everything an account costs: its profile, its map
 *       entry, its id, its cluster-stage index and the link keys it created (a unique IP and
 *       payment card each, a shared template, fresh prompts).
 *   <li><b>churn</b>: a detector capped at {@code maxAccounts = N} (and at the smallest link-key
 *       tables, 1,024 keys, so that the bounded key tables do not blur the figure) fed {@code N +
 *       M} single-exchange accounts, {@code M = 4N}, so {@code M} profiles are evicted by the cap.
 *       Heap retained per evicted account = (heap(N + M) - heap(N)) / M, both with the same caps.
 *       An ideal bounded detector retains 0 here. This one retains, until the cluster stage's
 *       release horizon (idle eviction plus {@code reevaluateEvery}) passes, its cluster-stage
 *       state for every account it has heard of (every account: its first exchange is evaluated):
 *       the primitive index entry, the account id string, its alert band, flag time, flags and
 *       threshold bin, and the linker's per-index arrays. The accounts here are fed within a few
 *       hours, so none is past the horizon and this figure is that retained state; once the horizon
 *       passes, lone accounts are released and their indices reused ({@code BoundedMemoryTest}
 *       measures that).
 * </ol>
 *
 * <p>Run (the 1M-account case needs a few GB of heap):
 *
 * <pre>
 * mvn -o -q -pl benchmarks -am -DskipTests package
 * java -Xmx8g -cp benchmarks/target/benchmarks.jar io.distillwatch.bench.HeapPerAccount [N ...]
 * </pre>
 *
 * <p>Default {@code N}: 100,000 and 1,000,000. Figures vary by a few percent between JVMs and
 * garbage collectors (compressed oops assumed: heaps under 32 GB).
 */
public final class HeapPerAccount {
  private static final long START = 1_776_902_400_000L; // 2026-04-23T00:00Z
  private static final int EXCHANGES_PER_ACCOUNT = 16;
  private static final int MIN_LINK_KEYS = 1024;
  private static final String[] MODELS = {"frontier-1", "frontier-1-mini"};
  private static final Category[] CATEGORIES = Category.values();

  private HeapPerAccount() {}

  public static void main(String[] args) {
    int[] sizes = args.length == 0 ? new int[] {100_000, 1_000_000} : new int[args.length];
    for (int i = 0; i < args.length; i++) {
      sizes[i] = Integer.parseInt(args[i].replace("_", "").replace(",", ""));
    }
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long base = retained(memory);
    ExtractionDetector empty = ExtractionDetector.builder().build();
    long fixed = retained(memory) - base;
    reachabilityFence(empty);
    empty = null;

    System.out.printf(
        Locale.ROOT,
        "JVM %s, max heap %,d MiB; empty detector (default config): %,.1f MiB%n%n",
        System.getProperty("java.vm.version"),
        Runtime.getRuntime().maxMemory() >> 20,
        fixed / 1048576.0);
    System.out.printf(
        Locale.ROOT,
        "%-12s %-14s %10s %14s %16s%n",
        "live",
        "exchanges/acct",
        "heap MiB",
        "bytes/account",
        "case");
    for (int n : sizes) {
      for (int k : new int[] {1, EXCHANGES_PER_ACCOUNT}) {
        long heap = live(memory, base, n, k);
        System.out.printf(
            Locale.ROOT,
            "%-,12d %-14d %10.1f %,14.0f %16s%n",
            n,
            k,
            heap / 1048576.0,
            (heap - fixed) / (double) n,
            "live");
      }
      // The key table is held at its smallest cap in both runs, so that the difference is only
      // what the detector keeps per account ever seen (the key table is bounded by maxLinkKeys).
      long single = churn(memory, base, n, 0);
      int churn = 4 * n;
      long churned = churn(memory, base, n, churn);
      System.out.printf(
          Locale.ROOT,
          "%-,12d %-14d %10.1f %,14.0f %16s%n",
          n,
          1,
          churned / 1048576.0,
          (churned - single) / (double) churn,
          "per evicted acct");
    }
  }

  /** Retained heap of a detector holding {@code n} live accounts of {@code k} exchanges each. */
  private static long live(MemoryMXBean memory, long base, int n, int k) {
    ExtractionDetector d = ExtractionDetector.builder().maxAccounts(Math.max(n, 1)).build();
    // Round robin over the accounts, all within a few hours: no profile idles out.
    long step = Math.max(1, 4 * 3_600_000L / ((long) n * k));
    long t = START;
    for (int round = 0; round < k; round++) {
      for (int a = 0; a < n; a++) {
        d.observe(exchange(a, round, t));
        t += step;
      }
    }
    check(d.liveAccounts() == n, "expected " + n + " live accounts, got " + d.liveAccounts());
    long heap = retained(memory) - base;
    reachabilityFence(d);
    return heap;
  }

  /**
   * Retained heap of a detector capped at {@code cap} accounts and the smallest key table (1,024
   * keys) after {@code cap + extra} single-exchange accounts.
   */
  private static long churn(MemoryMXBean memory, long base, int cap, int extra) {
    ExtractionDetector d =
        ExtractionDetector.builder().maxAccounts(cap).maxLinkKeys(MIN_LINK_KEYS).build();
    long t = START;
    for (int a = 0; a < cap + extra; a++) {
      d.observe(exchange(a, 0, t));
      t += 10;
    }
    check(d.liveAccounts() == cap, "expected " + cap + " live accounts");
    check(d.evictedByCap() == extra, "expected " + extra + " cap evictions");
    long heap = retained(memory) - base;
    reachabilityFence(d);
    return heap;
  }

  /**
   * An ordinary-looking exchange of account {@code a}: its own IP and card, one of 1,000 shared
   * templates, a fresh prompt. Pure function of its arguments.
   */
  static Exchange exchange(int a, int round, long t) {
    long h = Hash64.hash(((long) a << 20) ^ round);
    return Exchange.builder(t, "acct-" + Integer.toHexString(0x1000_0000 | a))
        .ip(
            (11 + (a >>> 24 & 0x3F))
                + "."
                + (a >>> 16 & 0xFF)
                + "."
                + (a >>> 8 & 0xFF)
                + "."
                + (a & 0xFF))
        .asn("AS" + (64_500 + a % 50))
        .userAgent(a % 3 == 0 ? "python-httpx/0.27.0" : "Mozilla/5.0")
        .paymentFingerprint(Long.toHexString(Hash64.hash((long) a) | 1L << 60))
        .model(MODELS[a & 1])
        .inputTokens(200 + (h & 1023))
        .outputTokens(300 + (h >>> 10 & 1023))
        .templateHash("t" + (a % 1000))
        .promptHash(Long.toHexString(h | 1L << 60))
        .category(CATEGORIES[(int) ((h >>> 20) % CATEGORIES.length)])
        .reasoningRequested((h >>> 30 & 7) == 0)
        .status(200)
        .build();
  }

  /** Used heap after full collections, settled: the minimum of a few. */
  static long retained(MemoryMXBean memory) {
    long min = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      min = Math.min(min, memory.getHeapMemoryUsage().getUsed());
    }
    return min;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }

  private static void reachabilityFence(Object o) {
    java.lang.ref.Reference.reachabilityFence(o);
  }
}
