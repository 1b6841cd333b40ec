package io.distillwatch.flink.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.detect.AccountProfile;
import io.distillwatch.core.detect.DetectorConfig;
import io.distillwatch.core.detect.PromptStage;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.LinkKey;
import io.distillwatch.core.link.StageMessage;
import io.distillwatch.flink.DetectorSettings;
import io.distillwatch.flink.source.ScenarioSpec;
import io.distillwatch.flink.types.AccountProfileSerializer;
import io.distillwatch.flink.types.MarkedExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The account stage's write-back profile cache on RocksDB: what a checkpoint holds, what eviction
 * writes, what timers see and drop, and that the messages are those of writing every profile
 * through to the state (a cache of 0), which is what the job did before the cache wrote back.
 */
class AccountDetectOperatorTest {
  private static final long T0 = 1_776_902_400_000L;
  private static final long IDLE = Duration.ofHours(1).toMillis();
  private static final CoreStages STAGES =
      new CoreStages(new DetectorSettings(0.001, Set.of(), Set.of(), IDLE));

  private static KeyedOneInputStreamOperatorTestHarness<String, MarkedExchange, StageMessage>
      harness(StateBackend backend, int profileCache, OperatorSubtaskState restoreFrom)
          throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new AccountDetectOperator<>(STAGES, profileCache),
            (MarkedExchange m) -> m.encoded().accountId(),
            Types.STRING);
    h.setStateBackend(backend);
    if (restoreFrom != null) {
      h.initializeState(restoreFrom);
    }
    h.open();
    return h;
  }

  /** RocksDB as the job configures it: timers on the heap. */
  private static StateBackend rocksDb() {
    EmbeddedRocksDBStateBackend b = new EmbeddedRocksDBStateBackend();
    b.setPriorityQueueStateType(EmbeddedRocksDBStateBackend.PriorityQueueStateType.HEAP);
    return b;
  }

  private static MarkedExchange marked(String account, long t) {
    return MarkedExchange.of(
        Exchange.builder(t, account).paymentFingerprint("card-" + account).build(), false);
  }

  /**
   * Each account's profile as the keyed state holds it (the cache not consulted), serialized with
   * the state's serializer, by account; each account is held once. {@code AccountDetectRescaleTest}
   * reads its subtasks with it too.
   */
  static Map<String, ByteBuffer> stored(
      KeyedOneInputStreamOperatorTestHarness<String, MarkedExchange, StageMessage> h)
      throws Exception {
    KeyedStateBackend<String> backend =
        ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
    List<String> accounts;
    try (Stream<String> keys =
        backend.getKeys(AccountDetectOperator.PROFILE_STATE, VoidNamespace.INSTANCE)) {
      accounts = keys.toList();
    }
    ValueState<AccountProfile> state =
        backend.getPartitionedState(
            VoidNamespace.INSTANCE,
            VoidNamespaceSerializer.INSTANCE,
            new ValueStateDescriptor<>(AccountDetectOperator.PROFILE_STATE, STAGES.profileType()));
    String current = backend.getCurrentKey();
    AccountProfileSerializer serializer = new AccountProfileSerializer();
    Map<String, ByteBuffer> out = new TreeMap<>();
    for (String account : accounts) {
      backend.setCurrentKey(account);
      DataOutputSerializer bytes = new DataOutputSerializer(1024);
      serializer.serialize(state.value(), bytes);
      assertTrue(out.put(account, ByteBuffer.wrap(bytes.getCopyOfBuffer())) == null, account);
    }
    if (current != null) {
      backend.setCurrentKey(current);
    }
    return out;
  }

  /** Five accounts, three exchanges each, a second apart. */
  private static void fiveAccounts(
      KeyedOneInputStreamOperatorTestHarness<String, MarkedExchange, StageMessage> h)
      throws Exception {
    fiveAccounts(h, T0, 3);
  }

  /** The same five accounts, later and busier: they reach more evaluation points. */
  private static void fiveAccountsLater(
      KeyedOneInputStreamOperatorTestHarness<String, MarkedExchange, StageMessage> h)
      throws Exception {
    fiveAccounts(h, T0 + Duration.ofMinutes(50).toMillis(), 20);
  }

  /** Accounts {@code acct-0} to {@code acct-4} in turn, {@code rounds} times, a second apart. */
  private static void fiveAccounts(
      KeyedOneInputStreamOperatorTestHarness<String, MarkedExchange, StageMessage> h,
      long start,
      int rounds)
      throws Exception {
    long t = start;
    for (int round = 0; round < rounds; round++) {
      for (int a = 0; a < 5; a++) {
        t += 1_000;
        h.processElement(marked("acct-" + a, t), t);
      }
    }
  }

  @Test
  void snapshot_dirtyCachedProfiles_restoresTheWriteThroughProfiles() throws Exception {
    OperatorSubtaskState writeBack;
    OperatorSubtaskState writeThrough;
    try (var h = harness(rocksDb(), 100)) {
      fiveAccounts(h);
      assertEquals(Map.of(), stored(h), "all five only in the cache, dirty");
      writeBack = h.snapshot(1, T0 + 60_000);
      assertEquals(5, stored(h).size(), "the snapshot wrote them");
    }
    try (var h = harness(rocksDb(), 0)) {
      fiveAccounts(h);
      assertEquals(5, stored(h).size(), "written through");
      writeThrough = h.snapshot(1, T0 + 60_000);
    }
    Map<String, ByteBuffer> restoredWriteBack;
    Map<String, ByteBuffer> restoredWriteThrough;
    try (var h = harness(rocksDb(), 100, writeBack)) {
      restoredWriteBack = stored(h);
      assertEquals(5, h.numEventTimeTimers());
    }
    try (var h = harness(rocksDb(), 0, writeThrough)) {
      restoredWriteThrough = stored(h);
    }
    assertEquals(5, restoredWriteBack.size());
    assertSameProfiles(restoredWriteThrough, restoredWriteBack);
  }

  @Test
  void snapshot_profilesChangedAfterIt_restoreSeesThemAsAtTheSnapshot() throws Exception {
    // After a snapshot the cached objects go on changing; restored, the job must continue from
    // the snapshot's profiles, so its later messages are those of a run that never stopped.
    List<StageMessage> uninterrupted;
    try (var h = harness(rocksDb(), 0)) {
      fiveAccounts(h);
      h.getOutput().clear();
      fiveAccountsLater(h);
      uninterrupted = h.extractOutputValues();
    }
    OperatorSubtaskState snapshot;
    try (var h = harness(rocksDb(), 100)) {
      fiveAccounts(h);
      snapshot = h.snapshot(1, T0 + 60_000);
      fiveAccountsLater(h); // the "failure" comes after these, which the snapshot must not see
    }
    try (var h = harness(rocksDb(), 100, snapshot)) {
      fiveAccountsLater(h);
      assertTrue(!uninterrupted.isEmpty(), "the second part sends messages");
      assertSameMessages(uninterrupted, h.extractOutputValues());
    }
  }

  @Test
  void processElement_cacheFull_evictedDirtyProfileWrittenAndCurrentKeyKept() throws Exception {
    Map<String, ByteBuffer> throughA;
    try (var h = harness(rocksDb(), 0)) {
      h.processElement(marked("a", T0), T0);
      throughA = stored(h);
    }
    try (var h = harness(rocksDb(), 2)) {
      h.processElement(marked("a", T0), T0);
      h.processElement(marked("b", T0 + 1), T0 + 1);
      assertEquals(Map.of(), stored(h));
      h.processElement(marked("c", T0 + 2), T0 + 2);
      assertEquals(throughA, stored(h), "a, least recently used, pushed out and written");
      assertEquals("c", h.getOperator().getCurrentKey(), "the write for a put the key back");
      assertEquals(3, h.numEventTimeTimers());
      // a is read back from the state; b is pushed out in turn, and written.
      h.processElement(marked("a", T0 + 3), T0 + 3);
      assertEquals(Set.of("a", "b"), stored(h).keySet());
    }
  }

  @Test
  void onEventTime_idleAccount_clearsStateAndCache() throws Exception {
    try (var h = harness(rocksDb(), 10)) {
      h.processElement(marked("a", T0), T0);
      h.snapshot(1, T0 + 1); // a written, and still cached (clean)
      h.processElement(marked("b", T0 + 2_000), T0 + 2_000);
      h.processElement(marked("c", T0 + 3_000), T0 + 3_000); // c only in the cache, dirty
      assertEquals(Set.of("a"), stored(h).keySet());

      h.processWatermark(new Watermark(T0 + IDLE));
      assertEquals(Map.of(), stored(h), "a's state cleared");
      h.snapshot(2, T0 + IDLE);
      assertEquals(Set.of("b", "c"), stored(h).keySet(), "and its cached copy, or this writes it");
      assertEquals(2, h.numEventTimeTimers());

      h.processWatermark(new Watermark(T0 + 3_000 + IDLE));
      h.snapshot(3, T0 + 3_000 + IDLE);
      assertEquals(Map.of(), stored(h));
      assertEquals(0, h.numEventTimeTimers());

      // a comes back: a new profile, from a cache that no longer has the old one.
      h.processElement(marked("a", T0 + 2 * IDLE), T0 + 2 * IDLE);
      h.snapshot(4, T0 + 2 * IDLE);
      assertEquals(Set.of("a"), stored(h).keySet());
      assertEquals(1, h.numEventTimeTimers());
    }
  }

  @Test
  void onEventTime_activeAccountOnlyInCache_reschedules() throws Exception {
    try (var h = harness(rocksDb(), 10)) {
      h.processElement(marked("a", T0), T0);
      h.processElement(marked("a", T0 + 1_000), T0 + 1_000);
      assertEquals(Map.of(), stored(h), "a only in the cache");

      // The timer set at T0 must see the cached lastSeen (T0 + 1 s), not the empty state.
      h.processWatermark(new Watermark(T0 + IDLE));
      assertEquals(1, h.numEventTimeTimers(), "moved on to lastSeen + idle");
      h.snapshot(1, T0 + IDLE);
      assertEquals(Set.of("a"), stored(h).keySet(), "still held");

      h.processWatermark(new Watermark(T0 + 1_000 + IDLE));
      assertEquals(0, h.numEventTimeTimers());
      h.snapshot(2, T0 + 1_000 + IDLE);
      assertEquals(Map.of(), stored(h));
    }
  }

  /**
   * A generated week of the built-in campaigns through the account stage, with watermarks (so
   * profiles expire) and a checkpoint every 2,000 exchanges, the run restored from its checkpoint
   * once a third of the way in: the messages and the final profiles are those of writing every
   * profile through, whatever the cache's size (1 and 50 evict on most misses; 100,000 never).
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 50, 100_000})
  void generatedTrace_withRestore_sameMessagesAndProfilesAsWriteThrough(int cache)
      throws Exception {
    List<MarkedExchange> input = generatedInput();
    Run writeThrough = run(input, rocksDb(), 0, -1);
    Run writeBack = run(input, rocksDb(), cache, input.size() / 3);
    assertTrue(writeThrough.messages.size() > 1_000, "messages " + writeThrough.messages.size());
    assertTrue(writeThrough.profiles.size() > 50, "profiles " + writeThrough.profiles.size());
    assertSameMessages(writeThrough.messages, writeBack.messages);
    assertSameProfiles(writeThrough.profiles, writeBack.profiles);
  }

  @Test
  void generatedTrace_heapWithoutCache_sameMessagesAndProfilesAsRocksDb() throws Exception {
    List<MarkedExchange> input = generatedInput();
    Run heap = run(input, new HashMapStateBackend(), 0, input.size() / 3);
    Run rocks = run(input, rocksDb(), DEFAULT_CACHE, -1);
    assertSameMessages(heap.messages, rocks.messages);
    assertSameProfiles(heap.profiles, rocks.profiles);
  }

  /** Exchanges of {@link #generatedInput} in {@link #OLD_FUNCTION_CHECKPOINT}. */
  private static final int OLD_FUNCTION_EXCHANGES = 3_000;

  /**
   * A checkpoint of the {@code KeyedProcessFunction} this operator replaced, written at {@code
   * 9d5192f} (heap state, the first {@link #OLD_FUNCTION_EXCHANGES} of {@link #generatedInput} with
   * the watermarks {@link #run} sends, {@code OperatorSnapshotUtil.writeStateHandle}): 94 profiles
   * with their timers, and the account stage's operator state.
   */
  private static final String OLD_FUNCTION_CHECKPOINT = "state/account-stage-9d5192f.snapshot";

  /**
   * A job upgraded from the function keeps its profiles, their timers and the account stage, and
   * goes on as a run that never stopped, but for what the checkpoint's profile form (2) lacks: the
   * reused-template sets of form 3, which restored profiles learn again from their next exchanges.
   * So the operator restored from the function's checkpoint holds the accounts the run holds at
   * that point with their counts and times; it goes on to every message of the uninterrupted run
   * except template-set bands (where reused bands come later or differ), and to its final profiles,
   * byte for byte for accounts first seen after the restore, while its idle-expiry timers, all set
   * by the function, fire through the rest of the week.
   */
  @Test
  void restore_fromTheReplacedFunctionsCheckpoint_carriesOnAsAnUninterruptedRun() throws Exception {
    List<MarkedExchange> input = generatedInput();
    Run whole = run(input, new HashMapStateBackend(), 0, -1);
    Run prefix = run(input.subList(0, OLD_FUNCTION_EXCHANGES), new HashMapStateBackend(), 0, -1);
    OperatorSubtaskState old =
        OperatorSnapshotUtil.readStateHandle(
            Path.of(
                    AccountDetectOperatorTest.class
                        .getClassLoader()
                        .getResource(OLD_FUNCTION_CHECKPOINT)
                        .toURI())
                .toString());

    try (var h = harness(new HashMapStateBackend(), 0, old)) {
      assertEquals(94, h.numEventTimeTimers(), "the function's timers, one per profile");
      assertSameCountsAndTimes(prefix.profiles, stored(h));
    }
    Run upgraded = run(input, new HashMapStateBackend(), 0, OLD_FUNCTION_EXCHANGES, old);
    List<StageMessage> after =
        whole.messages.subList(prefix.messages.size(), whole.messages.size());
    assertTrue(
        after.stream().anyMatch(m -> m.kind() == LinkKey.TEMPLATE_SET),
        "the run sends template-set bands after the restore point (else this tests less)");
    assertSameMessages(withoutTemplateSets(after), withoutTemplateSets(upgraded.messages));
    assertSameCountsAndTimes(whole.profiles, upgraded.profiles);
    int compared = 0;
    for (String account : whole.profiles.keySet()) {
      if (!prefix.profiles.containsKey(account)) {
        assertEquals(
            whole.profiles.get(account), upgraded.profiles.get(account), "profile of " + account);
        compared++;
      }
    }
    assertTrue(compared > 10, "accounts first seen after the restore: " + compared);
  }

  private static List<StageMessage> withoutTemplateSets(List<StageMessage> messages) {
    return messages.stream().filter(m -> m.kind() != LinkKey.TEMPLATE_SET).toList();
  }

  /** The same accounts, each with the same exchange count and last-seen time. */
  private static void assertSameCountsAndTimes(
      Map<String, ByteBuffer> expected, Map<String, ByteBuffer> actual) throws IOException {
    assertEquals(expected.keySet(), actual.keySet(), "accounts with a profile in the state");
    AccountProfileSerializer serializer = new AccountProfileSerializer();
    for (String account : expected.keySet()) {
      AccountProfile e = profile(serializer, expected.get(account));
      AccountProfile a = profile(serializer, actual.get(account));
      assertEquals(e.exchanges(), a.exchanges(), "exchanges of " + account);
      assertEquals(e.lastSeen(), a.lastSeen(), "last seen of " + account);
    }
  }

  private static AccountProfile profile(AccountProfileSerializer serializer, ByteBuffer bytes)
      throws IOException {
    return serializer.deserialize(new DataInputDeserializer(bytes.duplicate()));
  }

  private static final int DEFAULT_CACHE = 10_000;

  /** Equal lists; a failure names the first difference only (the lists run to thousands). */
  private static void assertSameMessages(List<StageMessage> expected, List<StageMessage> actual) {
    for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
      assertEquals(expected.get(i), actual.get(i), "message " + i);
    }
    assertEquals(expected.size(), actual.size(), "messages");
  }

  /** The same accounts with the same bytes; a failure names the account. */
  private static void assertSameProfiles(
      Map<String, ByteBuffer> expected, Map<String, ByteBuffer> actual) {
    assertEquals(expected.keySet(), actual.keySet(), "accounts with a profile in the state");
    for (String account : expected.keySet()) {
      assertEquals(expected.get(account), actual.get(account), "profile bytes of " + account);
    }
  }

  /** Watermarks trail the latest event time by this, as a source's bounded out-of-orderness. */
  private static final long LAG = Duration.ofMinutes(1).toMillis();

  record Run(List<StageMessage> messages, Map<String, ByteBuffer> profiles) {}

  /**
   * Runs {@code input} through one harness, checkpointing every 2,000 exchanges; at exchange {@code
   * restoreAt} (if not negative) takes a checkpoint, drops the harness and goes on in a new one
   * restored from it. Returns every message and the profiles in the state after a last checkpoint.
   */
  private static Run run(List<MarkedExchange> input, StateBackend backend, int cache, int restoreAt)
      throws Exception {
    return run(input, backend, cache, restoreAt, null);
  }

  /**
   * {@link #run(List, StateBackend, int, int)}, but with {@code restoreFrom} not null the first
   * {@code restoreAt} exchanges were run elsewhere, into that checkpoint: their watermarks are only
   * followed, and the run starts at exchange {@code restoreAt} in a harness restored from it. The
   * messages are then those of the exchanges from {@code restoreAt} on.
   */
  private static Run run(
      List<MarkedExchange> input,
      StateBackend backend,
      int cache,
      int restoreAt,
      OperatorSubtaskState restoreFrom)
      throws Exception {
    List<StageMessage> messages = new ArrayList<>();
    var h = restoreFrom == null ? harness(backend, cache) : null;
    try {
      long checkpoint = 0;
      long latest = Long.MIN_VALUE;
      long watermark = Long.MIN_VALUE;
      for (int i = 0; i < input.size(); i++) {
        MarkedExchange m = input.get(i);
        long t = m.encoded().timestamp();
        latest = Math.max(latest, t);
        if (i % 500 == 0 && latest - LAG > watermark) {
          watermark = latest - LAG;
          if (h != null) {
            h.processWatermark(new Watermark(watermark));
          }
        }
        if (i % 2_000 == 0 && h != null) {
          h.snapshot(++checkpoint, t);
        }
        if (i == restoreAt) {
          OperatorSubtaskState snapshot = restoreFrom;
          if (h != null) {
            snapshot = h.snapshot(++checkpoint, t);
            messages.addAll(h.extractOutputValues());
            h.close();
          }
          h = harness(backend, cache, snapshot);
          h.processWatermark(new Watermark(watermark)); // watermarks are not in a checkpoint
        }
        if (h != null) {
          h.processElement(m, t);
        }
      }
      messages.addAll(h.extractOutputValues());
      h.snapshot(++checkpoint, Long.MAX_VALUE);
      return new Run(messages, stored(h));
    } finally {
      if (h != null) {
        h.close();
      }
    }
  }

  private static List<MarkedExchange> generatedInput() {
    ScenarioSpec spec = CheckpointSideEffectTest.WEEK;
    PromptStage prompts = new PromptStage(DetectorConfig.builder().config());
    List<MarkedExchange> input = new ArrayList<>();
    for (Exchange e : spec.generator()) {
      input.add(MarkedExchange.of(e, prompts.novel(e)));
    }
    return input;
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, MarkedExchange, StageMessage>
      harness(StateBackend backend, int profileCache) throws Exception {
    return harness(backend, profileCache, null);
  }
}
