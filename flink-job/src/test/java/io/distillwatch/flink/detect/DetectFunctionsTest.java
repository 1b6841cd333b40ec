package io.distillwatch.flink.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.LinkKey;
import io.distillwatch.core.link.StageMessage;
import io.distillwatch.flink.DetectorSettings;
import io.distillwatch.flink.stage.ParseExchanges;
import io.distillwatch.flink.types.EncodedExchange;
import io.distillwatch.flink.types.MarkedExchange;
import io.distillwatch.flink.types.NoveltyMark;
import io.distillwatch.flink.types.PromptProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** Operator harness tests: outputs, and keyed state and timers back to zero after expiry. */
class DetectFunctionsTest {
  private static final long T0 = 1_776_902_400_000L;
  private static final long IDLE = Duration.ofHours(1).toMillis();
  private static final CoreStages STAGES =
      new CoreStages(new DetectorSettings(0.001, Set.of(), Set.of(), IDLE));

  private static KeyedOneInputStreamOperatorTestHarness<String, MarkedExchange, StageMessage>
      accounts() throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new AccountDetectOperator<>(STAGES), DetectFunctionsTest::account, Types.STRING);
    h.open();
    return h;
  }

  private static String account(MarkedExchange m) {
    return m.exchange().accountId();
  }

  private static Exchange exchange(String account, long t) {
    return Exchange.builder(t, account).paymentFingerprint("card-" + account).build();
  }

  /** An exchange as the prompt stage passes it on, marked as a prompt seen before. */
  private static MarkedExchange marked(String account, long t) {
    return MarkedExchange.of(exchange(account, t), false);
  }

  @Test
  void accounts_idleForEviction_profilesAndTimersDropToZero() throws Exception {
    try (var h = accounts()) {
      h.processElement(marked("a", T0), T0);
      h.processElement(marked("a", T0 + 1_000), T0 + 1_000);
      h.processElement(marked("b", T0 + 2_000), T0 + 2_000);
      assertTrue(!h.extractOutputValues().isEmpty(), "new accounts send their payment key");
      assertEquals(2, h.numKeyedStateEntries());
      assertEquals(2, h.numEventTimeTimers(), "one timer per account, not per exchange");

      // a's timer (set at its first exchange) finds it active later and moves on.
      h.processWatermark(new Watermark(T0 + IDLE));
      assertEquals(2, h.numKeyedStateEntries());
      assertEquals(2, h.numEventTimeTimers());

      h.processWatermark(new Watermark(T0 + 1_000 + IDLE));
      assertEquals(1, h.numKeyedStateEntries());
      assertEquals(1, h.numEventTimeTimers());

      h.processWatermark(new Watermark(T0 + 2_000 + IDLE));
      assertEquals(0, h.numKeyedStateEntries());
      assertEquals(0, h.numEventTimeTimers());
    }
  }

  @Test
  void accounts_atOrBehindWatermark_deadLetterAsLateAndNoState() throws Exception {
    try (var h = accounts()) {
      h.processWatermark(new Watermark(T0));
      h.processElement(marked("a", T0), T0);
      h.processElement(marked("a", T0 - 1), T0 - 1);
      assertTrue(h.extractOutputValues().isEmpty());
      var dead = h.getSideOutput(ParseExchanges.DEAD_LETTERS);
      assertEquals(2, dead.size());
      assertTrue(dead.peek().getValue().startsWith("{\"reason\":\"late\""));
      assertEquals(0, h.numKeyedStateEntries());
      assertEquals(0, h.numEventTimeTimers());
    }
  }

  private static KeyedOneInputStreamOperatorTestHarness<Long, PromptProbe, NoveltyMark> prompts(
      OperatorSubtaskState restoreFrom) throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new PromptDetectFunction(STAGES)),
            PromptProbe::route,
            Types.LONG);
    if (restoreFrom != null) {
      h.initializeState(restoreFrom);
    }
    h.open();
    return h;
  }

  private static PromptProbe probe(Exchange e, long sequence) {
    return PromptProbe.of(e, EncodedExchange.of(e), sequence);
  }

  private static PromptProbe prompted(String account, long t, String prompt) {
    return probe(exchange(account, t).toBuilder().promptHash(prompt).build(), t - T0);
  }

  @Test
  void prompts_samePromptFromAnotherAccount_novelOnlyFirstAndAfterRestore() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = prompts(null)) {
      h.processElement(prompted("a", T0, "bench-1"), T0);
      h.processElement(prompted("b", T0 + 1, "bench-1"), T0 + 1);
      h.processElement(probe(exchange("c", T0 + 2), 2), T0 + 2);
      List<Boolean> novel = h.extractOutputValues().stream().map(m -> m.novelPrompt()).toList();
      assertEquals(
          List.of(true, false, true),
          novel,
          "a prompt is new once; an exchange without one is new");
      assertEquals(
          new NoveltyMark("b".hashCode(), 1, false),
          h.extractOutputValues().get(1),
          "the verdict goes to the probe's account and names its exchange");
      assertEquals(0, h.numKeyedStateEntries(), "the filter is operator state, not keyed");
      assertEquals(0, h.numEventTimeTimers());
      snapshot = h.snapshot(1, T0 + 10);
    }
    try (var h = prompts(snapshot)) {
      h.processElement(prompted("d", T0 + 20, "bench-1"), T0 + 20);
      h.processElement(prompted("d", T0 + 21, "bench-2"), T0 + 21);
      List<Boolean> novel = h.extractOutputValues().stream().map(m -> m.novelPrompt()).toList();
      assertEquals(List.of(false, true), novel, "the restored filter remembers bench-1");
    }
  }

  @Test
  void sequence_atOrBehindWatermark_deadLetterAsLate_elseBothPathsWithOneSequence()
      throws Exception {
    try (var h = ProcessFunctionTestHarnesses.forProcessFunction(new SequenceExchanges())) {
      h.processWatermark(new Watermark(T0));
      h.processElement(exchange("a", T0), T0);
      h.processElement(exchange("a", T0 + 1), T0 + 1);
      h.processElement(exchange("b", T0 + 2), T0 + 2);
      var out = h.extractOutputValues();
      assertEquals(2, out.size(), "the exchange at the watermark is late");
      var dead = h.getSideOutput(ParseExchanges.DEAD_LETTERS);
      assertEquals(1, dead.size());
      assertTrue(dead.peek().getValue().startsWith("{\"reason\":\"late\""));
      assertEquals(exchange("a", T0 + 1), out.get(0).encoded().exchange());
      List<PromptProbe> probes = new ArrayList<>();
      h.getSideOutput(SequenceExchanges.PROBES).forEach(r -> probes.add(r.getValue()));
      assertEquals(2, probes.size(), "a probe for each exchange that goes on, none for the late");
      for (int i = 0; i < 2; i++) {
        assertEquals(out.get(i).sequence(), probes.get(i).sequence());
        assertEquals(out.get(i).encoded().accountId().hashCode(), probes.get(i).accountKey());
        assertEquals(out.get(i).accountKey(), probes.get(i).accountKey());
        assertEquals(out.get(i).encoded().route(), probes.get(i).route());
      }
      assertTrue(out.get(0).sequence() != out.get(1).sequence());
    }
  }

  @Test
  void accounts_snapshotAndRestore_keepProfilesAndTimers() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = accounts()) {
      h.processElement(marked("a", T0), T0);
      h.processElement(marked("b", T0 + 5), T0 + 5);
      snapshot = h.snapshot(1, T0 + 10);
    }
    try (var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new AccountDetectOperator<>(STAGES), DetectFunctionsTest::account, Types.STRING)) {
      h.initializeState(snapshot);
      h.open();
      assertEquals(2, h.numKeyedStateEntries());
      assertEquals(2, h.numEventTimeTimers());
      h.processElement(marked("a", T0 + 100), T0 + 100);
      h.processWatermark(new Watermark(T0 + 100 + IDLE));
      assertEquals(0, h.numKeyedStateEntries());
      assertEquals(0, h.numEventTimeTimers());
    }
  }

  @Test
  void links_keyIdleForEviction_stateAndTimersDropToZero() throws Exception {
    // Two accounts on one card: their payment observations share a route (the card's key).
    List<StageMessage> messages = new ArrayList<>();
    var stage = STAGES.newAccountStage();
    stage.observe(
        null, exchange("a", T0).toBuilder().paymentFingerprint("card").build(), false, messages);
    stage.observe(
        null,
        exchange("b", T0 + 1_000).toBuilder().paymentFingerprint("card").build(),
        false,
        messages);
    assertTrue(messages.size() >= 2, "messages " + messages);
    try (var h =
        ProcessFunctionTestHarnesses.forKeyedProcessFunction(
            new LinkDetectFunction<>(STAGES), StageMessage::route, Types.LONG)) {
      for (StageMessage m : messages) {
        h.processElement(new StreamRecord<>(m, m.timestamp()));
      }
      long keys =
          messages.stream()
              .filter(m -> m.type() == StageMessage.Type.OBSERVE)
              .map(StageMessage::route)
              .distinct()
              .count();
      assertEquals(keys, h.numKeyedStateEntries());
      assertEquals(keys, h.numEventTimeTimers());
      assertTrue(
          h.extractOutputValues().stream().anyMatch(m -> m.type() == StageMessage.Type.EDGE),
          "the second user of a card is linked to the first");

      h.processWatermark(new Watermark(T0 + 1_000 + IDLE));
      assertEquals(0, h.numKeyedStateEntries());
      assertEquals(0, h.numEventTimeTimers());
    }
  }

  /**
   * Runs exchanges of five accounts over three idle periods through the account stage on the given
   * backend; returns its messages, then its keyed state entries and timers at the end.
   */
  private static List<Object> accountRun(StateBackend backend, int profileCache) throws Exception {
    try (var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new AccountDetectOperator<>(STAGES, profileCache),
            DetectFunctionsTest::account,
            Types.STRING)) {
      h.setStateBackend(backend);
      h.open();
      long t = T0;
      for (int i = 0; i < 600; i++) {
        // Accounts 0-2 stay busy; 3 and 4 go quiet after the first third, so they expire, then
        // come back as new profiles.
        int account = i % 5;
        t += 20_000;
        if (i % 50 == 0) {
          h.processWatermark(new Watermark(t - 1));
        }
        if (account >= 3 && i > 200 && i < 400) {
          continue; // 4,000 s without exchanges: past the 1 h idle eviction
        }
        Exchange e =
            exchange("acct-" + account, t).toBuilder().model(i % 2 == 0 ? "m-a" : "m-b").build();
        h.processElement(MarkedExchange.of(e, false), t);
      }
      List<Object> result = new ArrayList<>(h.extractOutputValues());
      h.snapshot(1, t); // writes the cache's changed profiles to the state, as a checkpoint does
      // Profiles left in the state itself (the harness counts entries on the heap backend only).
      KeyedStateBackend<String> state =
          ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
      try (Stream<String> keys = state.getKeys("profile", VoidNamespace.INSTANCE)) {
        result.add(keys.count());
      }
      result.add(h.numEventTimeTimers());
      return result;
    }
  }

  @Test
  void accounts_rocksDbWithProfileCache_sameMessagesAndStateAsWithout() throws Exception {
    List<Object> heap = accountRun(new HashMapStateBackend(), 0);
    List<Object> rocks = accountRun(rocksDb(), 0);
    // A cache of 2 for 5 accounts: hits, misses and evictions all happen.
    List<Object> small = accountRun(rocksDb(), 2);
    List<Object> large = accountRun(rocksDb(), 100);
    assertTrue(heap.size() > 20, "the run sends messages: " + heap.size());
    // Accounts 3 and 4 expired and came back: their payment card is sent again, as a new
    // profile's first use.
    long payments =
        heap.stream()
            .filter(o -> o instanceof StageMessage m && m.accountId().equals("acct-3"))
            .filter(o -> ((StageMessage) o).kind() == LinkKey.PAYMENT)
            .count();
    assertEquals(2, payments, "acct-3 expired and returned");
    assertEquals(heap, rocks);
    assertEquals(heap, small);
    assertEquals(heap, large);
  }

  /** RocksDB as the job configures it: timers on the heap. */
  private static StateBackend rocksDb() {
    EmbeddedRocksDBStateBackend b = new EmbeddedRocksDBStateBackend();
    b.setPriorityQueueStateType(EmbeddedRocksDBStateBackend.PriorityQueueStateType.HEAP);
    return b;
  }

  @Test
  void accounts_negativeProfileCache_refused() {
    assertThrows(IllegalArgumentException.class, () -> new AccountDetectOperator<>(STAGES, -1));
  }
}
