package io.distillwatch.flink.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.StageMessage;
import io.distillwatch.flink.DetectorSettings;
import io.distillwatch.flink.types.MarkedExchange;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.runtime.operators.testutils.MockInputSplitProvider;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The account stage restored at another parallelism (scale in and out), on the heap backend and on
 * RocksDB with the write-back profile cache: the profiles and their idle-expiry timers move to the
 * subtasks that now own their keys, which count them for their live-account gauges, with Flink's
 * own repartitioning of the snapshots ({@link AbstractStreamOperatorTestHarness#repackageState},
 * {@link AbstractStreamOperatorTestHarness#repartitionOperatorState}).
 *
 * <p>The input is built so that an account's profile and messages depend on its own exchanges
 * alone, not on the stage-wide population statistics a subtask keeps (which a rescale must
 * re-estimate): no template, model or prompt (so no rarity table, model registry or novelty prior
 * is consulted; every prompt is "not novel", so the content priors stay 0), and timestamps rising
 * with the input order (so each subtask's stream time, which decides when an idle profile starts
 * afresh, is the exchange's own time in every layout). Then a run at any parallelism, rescaled or
 * not, must hold the profiles and send the per-account messages of one uninterrupted subtask, up to
 * the one field that is the stage's estimate by design ({@link StageMessage#liveAccounts}, see
 * {@link #masked}).
 */
class AccountDetectRescaleTest {
  private static final long T0 = 1_776_902_400_000L;
  private static final long IDLE = Duration.ofHours(1).toMillis();
  private static final CoreStages STAGES =
      new CoreStages(new DetectorSettings(0.001, Set.of(), Set.of(), IDLE));
  private static final int MAX_PARALLELISM = 128;

  /** Watermarks trail the latest event time by this, as a source's bounded out-of-orderness. */
  private static final long LAG = Duration.ofMinutes(1).toMillis();

  /** A watermark goes to every subtask after every this many exchanges, and after the last. */
  private static final int WATERMARK_EVERY = 100;

  /**
   * Profiles cached per subtask on RocksDB: far fewer than the accounts, so most misses evict a
   * profile (written back if dirty), and at a snapshot the cache holds dirty profiles that only the
   * snapshot's flush writes.
   */
  private static final int SMALL_CACHE = 8;

  private static final int ACCOUNTS = 150;
  private static final int EXCHANGES_PER_PHASE = 3_000;
  private static final long STEP = 2_000;

  /** Where the scenario is checkpointed and rescaled: the start of the second phase. */
  private static final long PHASE_2 = T0 + EXCHANGES_PER_PHASE * STEP;

  /** The two phases: before the rescale and after. */
  private static final List<MarkedExchange> BEFORE = phase(1, T0);

  private static final List<MarkedExchange> AFTER = phase(2, PHASE_2);

  enum Backend {
    HEAP(0),
    ROCKSDB_WRITE_BACK(SMALL_CACHE);

    final int cache;

    Backend(int cache) {
      this.cache = cache;
    }

    StateBackend create() {
      if (this == HEAP) {
        return new HashMapStateBackend();
      }
      // As the job configures it: timers on the heap.
      EmbeddedRocksDBStateBackend b = new EmbeddedRocksDBStateBackend();
      b.setPriorityQueueStateType(EmbeddedRocksDBStateBackend.PriorityQueueStateType.HEAP);
      return b;
    }
  }

  private static String account(int i) {
    return String.format("acct-%03d", i);
  }

  /** Active before the rescale only: restored with a timer that fires after it. */
  private static boolean early(int i) {
    return i % 10 == 0;
  }

  /** Active before the rescale and in the first minutes after it, then idle until the end. */
  private static boolean quiet(int i) {
    return i % 10 == 1;
  }

  /**
   * One phase of the scenario: {@link #EXCHANGES_PER_PHASE} exchanges, {@link #STEP} apart from
   * {@code start}, by accounts drawn with a skew (a few busy, most occasional, so accounts reach
   * different evaluation points). In phase 2 {@link #early} accounts are gone, {@link #quiet} ones
   * stop after five minutes, and every third account pays with a new card (a payment message).
   */
  private static List<MarkedExchange> phase(int phase, long start) {
    Random random = new Random(41 + phase);
    List<MarkedExchange> out = new ArrayList<>();
    for (int n = 0; n < EXCHANGES_PER_PHASE; n++) {
      long t = start + n * STEP;
      int i;
      do {
        i = (int) (ACCOUNTS * Math.pow(random.nextDouble(), 1.5));
      } while (phase == 2
          && (early(i) || (quiet(i) && t - start > Duration.ofMinutes(5).toMillis())));
      String card = "card-" + i + (phase == 2 && i % 3 == 0 ? "-b" : "");
      Exchange e =
          Exchange.builder(t, account(i))
              .orgId("org-" + i % 7)
              .ip("10.0." + i % 13 + "." + i)
              .userAgent("client/" + i % 5)
              .paymentFingerprint(card)
              .inputTokens(100 + random.nextInt(2_000))
              .outputTokens(50 + random.nextInt(4_000))
              .build();
      out.add(MarkedExchange.of(e, false));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // the uninterrupted run

  /** What one subtask that ran both phases without a stop holds and sends. */
  record Uninterrupted(
      Map<String, List<StageMessage>> before,
      Map<String, ByteBuffer> atRescale,
      Map<String, List<StageMessage>> after,
      Map<String, ByteBuffer> atEnd) {}

  private static Uninterrupted uninterrupted;

  /** Heap, no cache, parallelism 1, one harness for both phases; computed once. */
  private static synchronized Uninterrupted uninterrupted() throws Exception {
    if (uninterrupted == null) {
      try (Subtask s = new Subtask(Backend.HEAP, 1, 0, null)) {
        List<Subtask> one = List.of(s);
        long watermark = feed(one, BEFORE, Long.MIN_VALUE);
        Map<String, List<StageMessage>> before = byAccount(one);
        s.h.snapshot(1, PHASE_2); // as the rescaled runs do; changes nothing on the heap
        Map<String, ByteBuffer> atRescale = AccountDetectOperatorTest.stored(s.h);
        feed(one, AFTER, watermark);
        Map<String, List<StageMessage>> after = byAccount(one);
        s.h.snapshot(2, Long.MAX_VALUE);
        uninterrupted =
            new Uninterrupted(before, atRescale, after, AccountDetectOperatorTest.stored(s.h));
      }
    }
    return uninterrupted;
  }

  // ---------------------------------------------------------------------------------------------
  // the tests

  /**
   * A run at {@code from} subtasks, checkpointed after the first phase and restored at {@code to}
   * subtasks for the second: the restored subtasks hold between them exactly the uninterrupted
   * run's profiles, each on the subtask that owns its key group, with one timer each; their
   * live-account gauges count the profiles each holds; they send each account the uninterrupted
   * run's messages; the idle accounts' timers, restored with their keys, clear them (state and
   * cache) on their new subtasks; and they end with the uninterrupted run's profiles.
   */
  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @CsvSource({
    "HEAP, 2, 1",
    "HEAP, 1, 2",
    "HEAP, 2, 3",
    "ROCKSDB_WRITE_BACK, 2, 1",
    "ROCKSDB_WRITE_BACK, 1, 2",
    "ROCKSDB_WRITE_BACK, 2, 3"
  })
  void rescale_profilesTimersAndMessagesAsAnUninterruptedRun(Backend backend, int from, int to)
      throws Exception {
    Uninterrupted whole = uninterrupted();
    assertTrue(whole.atRescale.size() > 100, "profiles at the rescale " + whole.atRescale.size());
    Set<String> idleAtEnd = new TreeSet<>();
    for (int i = 0; i < ACCOUNTS; i++) {
      if ((early(i) || quiet(i)) && whole.atRescale.containsKey(account(i))) {
        idleAtEnd.add(account(i));
      }
    }
    assertTrue(idleAtEnd.size() >= 20, "accounts idle after the rescale " + idleAtEnd);
    Set<String> touchedThenIdle = new TreeSet<>();
    for (MarkedExchange m : AFTER) {
      if (idleAtEnd.contains(m.encoded().accountId())) {
        touchedThenIdle.add(m.encoded().accountId());
      }
    }
    assertTrue(
        touchedThenIdle.size() >= 5, "quiet accounts seen after the rescale " + touchedThenIdle);

    // Phase 1 at the old parallelism, then a checkpoint of every subtask.
    List<Subtask> old = open(backend, from);
    OperatorSubtaskState[] snapshots = new OperatorSubtaskState[from];
    long watermark;
    long oldLive = 0;
    try {
      watermark = feed(old, BEFORE, Long.MIN_VALUE);
      assertSamePerAccount(whole.before, byAccount(old), "before the rescale");
      Map<String, ByteBuffer> heldBeforeSnapshot = new TreeMap<>();
      for (Subtask s : old) {
        heldBeforeSnapshot.putAll(AccountDetectOperatorTest.stored(s.h));
        oldLive += s.live();
      }
      if (backend.cache > 0) {
        // The scenario must exercise the write-back: evicted profiles were written to the state,
        // and some profiles are in the state only once the snapshot flushes the cache.
        long stale =
            whole.atRescale.keySet().stream()
                .filter(a -> !whole.atRescale.get(a).equals(heldBeforeSnapshot.get(a)))
                .count();
        assertTrue(stale > 0, "no profile dirty in the cache at the snapshot");
        assertTrue(
            heldBeforeSnapshot.size() > whole.atRescale.size() / 2,
            "evicted profiles written: " + heldBeforeSnapshot.size());
      } else {
        assertSameProfiles(whole.atRescale, heldBeforeSnapshot, "written through");
      }
      for (int i = 0; i < from; i++) {
        snapshots[i] = old.get(i).h.snapshot(1, PHASE_2);
      }
    } finally {
      closeAll(old);
    }
    assertEquals(
        whole.atRescale.size(), oldLive, "the old subtasks' live accounts are their profiles");

    // Phase 2 at the new parallelism, restored from the repartitioned checkpoint.
    OperatorSubtaskState packed = AbstractStreamOperatorTestHarness.repackageState(snapshots);
    List<Subtask> rescaled = open(backend, to, packed, from);
    try {
      Map<String, ByteBuffer> restored = new TreeMap<>();
      int profiles = 0;
      for (int i = 0; i < to; i++) {
        Subtask s = rescaled.get(i);
        Map<String, ByteBuffer> held = AccountDetectOperatorTest.stored(s.h);
        for (String a : held.keySet()) {
          assertEquals(i, owner(a, to), a + " restored on subtask " + i);
        }
        assertEquals(held.size(), s.h.numEventTimeTimers(), "one timer per profile on " + i);
        profiles += held.size();
        restored.putAll(held);
        // Counted from the restored keys, not estimated as the old total over the new parallelism
        // (which the key groups' imbalance puts off, for good: the gauge only counts up and down).
        assertEquals(held.size(), s.live(), "liveAccounts of subtask " + i);
        s.h.processWatermark(new Watermark(watermark)); // watermarks are not in a checkpoint
      }
      assertEquals(restored.size(), profiles, "an account restored on two subtasks");
      assertSameProfiles(whole.atRescale, restored, "restored");

      feed(rescaled, AFTER, watermark);
      assertSamePerAccount(whole.after, byAccount(rescaled), "after the rescale");

      // The idle accounts' timers fired where their keys went: gone from the state, and from the
      // cache (else the snapshot's flush would write them back).
      Map<String, ByteBuffer> atEnd = new TreeMap<>();
      int timers = 0;
      for (int i = 0; i < to; i++) {
        Subtask s = rescaled.get(i);
        s.h.snapshot(2, Long.MAX_VALUE);
        atEnd.putAll(AccountDetectOperatorTest.stored(s.h));
        timers += s.h.numEventTimeTimers();
        assertEquals(
            AccountDetectOperatorTest.stored(s.h).size(),
            s.live(),
            "liveAccounts of subtask " + i + " at the end");
      }
      for (String a : idleAtEnd) {
        assertFalse(atEnd.containsKey(a), a + " idle since the rescale, still held");
      }
      assertEquals(atEnd.size(), timers, "one timer per profile at the end");
      assertSameProfiles(whole.atEnd, atEnd, "at the end");
    } finally {
      closeAll(rescaled);
    }
  }

  /**
   * Timers move with their keys, and clear what the new owner holds: eleven accounts seen once
   * each, checkpointed at {@code from} subtasks and restored at {@code to}. On each new subtask one
   * account it now owns comes back once ten minutes later (on RocksDB that profile is then only in
   * the cache, dirty: its restored timer must read it there and move on), one comes back at half an
   * hour, the rest stay idle. A watermark past ten minutes plus the idle time clears the idle and
   * the ten-minute accounts on the subtasks that own them, from the state and from the cache (a
   * snapshot's flush would otherwise write the dirty one back), and keeps the half-hour ones.
   */
  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @CsvSource({
    "HEAP, 2, 1",
    "HEAP, 2, 3",
    "ROCKSDB_WRITE_BACK, 2, 1",
    "ROCKSDB_WRITE_BACK, 2, 3",
    "ROCKSDB_WRITE_BACK, 1, 2"
  })
  void rescale_idleAccount_clearedByItsTimerOnTheSubtaskThatOwnsItNow(
      Backend backend, int from, int to) throws Exception {
    List<String> accounts = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      accounts.add("idle-" + i);
    }
    OperatorSubtaskState[] snapshots = new OperatorSubtaskState[from];
    List<Subtask> old = open(backend, from);
    try {
      List<MarkedExchange> once = new ArrayList<>();
      for (int i = 0; i < accounts.size(); i++) {
        once.add(marked(accounts.get(i), T0 + i * 1_000L));
      }
      feed(old, once, Long.MIN_VALUE);
      for (int i = 0; i < from; i++) {
        snapshots[i] = old.get(i).h.snapshot(1, T0 + 20_000);
      }
    } finally {
      closeAll(old);
    }

    long back = T0 + Duration.ofMinutes(10).toMillis();
    long kept = T0 + Duration.ofMinutes(30).toMillis();
    List<Subtask> rescaled =
        open(backend, to, AbstractStreamOperatorTestHarness.repackageState(snapshots), from);
    try {
      Map<Integer, String> comesBack = new HashMap<>();
      Map<Integer, String> staysLive = new HashMap<>();
      for (String a : accounts) {
        int owner = owner(a, to);
        if (comesBack.putIfAbsent(owner, a) != null) {
          staysLive.putIfAbsent(owner, a);
        }
      }
      assertEquals(to, comesBack.size(), "every new subtask owns a returning account");
      assertEquals(to, staysLive.size(), "every new subtask owns a kept account");
      Map<Integer, Map<String, ByteBuffer>> restored = new HashMap<>();
      for (int i = 0; i < to; i++) {
        Subtask s = rescaled.get(i);
        restored.put(i, AccountDetectOperatorTest.stored(s.h));
        assertEquals(restored.get(i).size(), s.h.numEventTimeTimers(), "timers on " + i);
        assertEquals(restored.get(i).size(), s.live(), "liveAccounts of subtask " + i);
        s.h.processWatermark(new Watermark(T0 + 20_000 - LAG));
      }
      for (int i = 0; i < to; i++) {
        Subtask s = rescaled.get(i);
        String a = comesBack.get(i);
        s.h.processElement(marked(a, back), back);
        s.h.processElement(marked(staysLive.get(i), kept), kept);
        if (backend.cache > 0) {
          assertEquals(
              restored.get(i).get(a),
              AccountDetectOperatorTest.stored(s.h).get(a),
              a + "'s new profile only in the cache");
        }
      }

      long watermark = back + IDLE;
      for (int i = 0; i < to; i++) {
        Subtask s = rescaled.get(i);
        s.h.processWatermark(new Watermark(watermark));
        assertEquals(
            Set.of(staysLive.get(i)),
            AccountDetectOperatorTest.stored(s.h).keySet(),
            "held on " + i);
        assertEquals(1, s.h.numEventTimeTimers(), "the kept account's timer on " + i);
        assertEquals(1, s.live(), "liveAccounts of subtask " + i + " after the expiry");
        s.h.snapshot(2, watermark);
        assertEquals(
            Set.of(staysLive.get(i)),
            AccountDetectOperatorTest.stored(s.h).keySet(),
            comesBack.get(i) + " cleared from the cache too, else the flush writes it back");
      }
    } finally {
      closeAll(rescaled);
    }
  }

  private static MarkedExchange marked(String account, long t) {
    return MarkedExchange.of(
        Exchange.builder(t, account).paymentFingerprint("card-" + account).build(), false);
  }

  // ---------------------------------------------------------------------------------------------
  // the harness

  /** One parallel subtask: its harness, its environment and the metrics its operator registers. */
  private static final class Subtask implements AutoCloseable {
    final InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
    final MockEnvironment env;
    final KeyedOneInputStreamOperatorTestHarness<String, MarkedExchange, StageMessage> h;

    Subtask(Backend backend, int parallelism, int index, OperatorSubtaskState restore)
        throws Exception {
      env =
          new MockEnvironmentBuilder()
              .setTaskName("account-stage")
              .setManagedMemorySize(3 * 1024 * 1024)
              .setInputSplitProvider(new MockInputSplitProvider())
              .setBufferSize(1024)
              .setMaxParallelism(MAX_PARALLELISM)
              .setParallelism(parallelism)
              .setSubtaskIndex(index)
              .setMetricGroup(
                  new InterceptingTaskMetricGroup() {
                    @Override
                    public InternalOperatorMetricGroup getOrAddOperator(
                        OperatorID id, String name, Map<String, String> variables) {
                      return metrics;
                    }
                  })
              .build();
      h =
          new KeyedOneInputStreamOperatorTestHarness<>(
              new AccountDetectOperator<>(STAGES, backend.cache),
              (MarkedExchange m) -> m.encoded().accountId(),
              Types.STRING,
              env);
      h.setStateBackend(backend.create());
      if (restore != null) {
        h.initializeState(restore);
      }
      h.open();
    }

    /** The operator's {@code liveAccounts} gauge. */
    long live() {
      @SuppressWarnings("unchecked")
      Gauge<Long> gauge = (Gauge<Long>) metrics.get("liveAccounts");
      assertNotNull(gauge, "liveAccounts gauge");
      return gauge.getValue();
    }

    @Override
    public void close() throws Exception {
      try {
        h.close();
      } finally {
        env.close();
      }
    }
  }

  /** {@code parallelism} fresh subtasks. */
  private static List<Subtask> open(Backend backend, int parallelism) throws Exception {
    return open(backend, parallelism, null, parallelism);
  }

  /**
   * {@code parallelism} subtasks, each restored (if {@code packed} is not null) from its share of
   * {@code packed}, a checkpoint written by {@code writers} subtasks.
   */
  private static List<Subtask> open(
      Backend backend, int parallelism, OperatorSubtaskState packed, int writers) throws Exception {
    List<Subtask> subtasks = new ArrayList<>();
    try {
      for (int i = 0; i < parallelism; i++) {
        OperatorSubtaskState mine =
            packed == null
                ? null
                : AbstractStreamOperatorTestHarness.repartitionOperatorState(
                    packed, MAX_PARALLELISM, writers, parallelism, i);
        subtasks.add(new Subtask(backend, parallelism, i, mine));
      }
    } catch (Exception | Error e) {
      closeAll(subtasks);
      throw e;
    }
    return subtasks;
  }

  private static void closeAll(List<Subtask> subtasks) throws Exception {
    Exception first = null;
    for (Subtask s : subtasks) {
      try {
        s.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** The subtask a job at {@code parallelism} routes {@code account} to. */
  private static int owner(String account, int parallelism) {
    return KeyGroupRangeAssignment.assignKeyToParallelOperator(
        account, MAX_PARALLELISM, parallelism);
  }

  /**
   * Routes each exchange to its key's subtask, and a watermark {@link #LAG} behind the latest time
   * to every subtask after every {@link #WATERMARK_EVERY} exchanges and after the last; returns the
   * last watermark (none sent if it would not advance past {@code watermark}).
   */
  private static long feed(List<Subtask> subtasks, List<MarkedExchange> input, long watermark)
      throws Exception {
    long latest = Long.MIN_VALUE;
    for (int n = 0; n < input.size(); n++) {
      MarkedExchange m = input.get(n);
      long t = m.encoded().timestamp();
      latest = Math.max(latest, t);
      subtasks.get(owner(m.encoded().accountId(), subtasks.size())).h.processElement(m, t);
      if ((n + 1) % WATERMARK_EVERY == 0 || n == input.size() - 1) {
        if (latest - LAG > watermark) {
          watermark = latest - LAG;
          for (Subtask s : subtasks) {
            s.h.processWatermark(new Watermark(watermark));
          }
        }
      }
    }
    return watermark;
  }

  /**
   * The messages the subtasks sent since the last call, by account in the order each was sent
   * (subtasks interleave accounts differently; each account's messages come from one subtask), with
   * {@link #masked} live-account counts; the subtasks' outputs are cleared.
   */
  private static Map<String, List<StageMessage>> byAccount(List<Subtask> subtasks) {
    Map<String, List<StageMessage>> out = new TreeMap<>();
    Map<String, Integer> sender = new HashMap<>();
    for (int i = 0; i < subtasks.size(); i++) {
      Subtask s = subtasks.get(i);
      for (StageMessage m : s.h.extractOutputValues()) {
        Integer was = sender.putIfAbsent(m.accountId(), i);
        assertEquals(
            i, was == null ? i : was, "messages of " + m.accountId() + " from two subtasks");
        out.computeIfAbsent(m.accountId(), a -> new ArrayList<>()).add(masked(m));
      }
      s.h.getOutput().clear();
    }
    return out;
  }

  /**
   * {@code m} with its live-account count set to 0. It is the sending subtask's estimate of the
   * population's live accounts (its own live count times the parallelism), the one stage-wide
   * figure that reaches this scenario's messages, and it legitimately differs: at parallelism
   * {@code p} a subtask counts only its own accounts and scales them by {@code p} (an estimate, not
   * the uninterrupted subtask's exact count), and after a rescale every new subtask starts from one
   * old subtask's count scaled by the old over the new parallelism ({@code
   * AccountStage#rescaleLiveAccounts}), exact again only once the idle time has passed. Everything
   * else in a message is the account's own and must match.
   *
   * <p>Seen here, against about 150 live accounts, before {@code LiveCount#scale} rounded its
   * buckets cumulatively (stop 18): 142 after 2 -> 1 (old subtask 0's count, doubled), but 198
   * after 1 -> 2 and 177 after 2 -> 3, as each of its 256 buckets was rounded on its own and a
   * bucket holding one account kept it at a factor of 1/2 or 2/3 (and lost it at 1/3). That is
   * detector-core's estimate ({@code LiveCountTest} holds it to the scaled total), not the
   * operator's doing.
   */
  private static StageMessage masked(StageMessage m) {
    return new StageMessage(
        m.type(),
        m.route(),
        m.accountId(),
        m.accountHash(),
        m.orgHash(),
        m.kind(),
        m.keyHash(),
        m.value(),
        m.otherId(),
        m.otherHash(),
        m.otherOrgHash(),
        m.timestamp(),
        m.exchanges(),
        m.lnEvidence(),
        m.bar(),
        m.flags(),
        0,
        m.alert(),
        m.profileStart(),
        m.signals());
  }

  /** The same accounts with the same bytes; a failure names the account. */
  private static void assertSameProfiles(
      Map<String, ByteBuffer> expected, Map<String, ByteBuffer> actual, String when) {
    assertEquals(expected.keySet(), actual.keySet(), "accounts with a profile, " + when);
    for (String account : expected.keySet()) {
      assertEquals(
          expected.get(account), actual.get(account), "profile bytes of " + account + ", " + when);
    }
  }

  /** The same accounts with the same messages each; a failure names the account and message. */
  private static void assertSamePerAccount(
      Map<String, List<StageMessage>> expected,
      Map<String, List<StageMessage>> actual,
      String when) {
    assertTrue(expected.size() > 50, "accounts with messages " + expected.size());
    assertEquals(expected.keySet(), actual.keySet(), "accounts with messages, " + when);
    for (String account : expected.keySet()) {
      List<StageMessage> e = expected.get(account);
      List<StageMessage> a = actual.get(account);
      for (int i = 0; i < Math.min(e.size(), a.size()); i++) {
        assertEquals(e.get(i), a.get(i), account + " message " + i + ", " + when);
      }
      assertEquals(e.size(), a.size(), account + " messages, " + when);
    }
    assertNotEquals(0, expected.values().stream().mapToInt(List::size).sum());
  }
}
