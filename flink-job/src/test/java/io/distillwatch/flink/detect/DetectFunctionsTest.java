package io.distillwatch.flink.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.link.StageMessage;
import io.distillwatch.flink.DetectorSettings;
import io.distillwatch.flink.stage.ParseExchanges;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
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

  private static KeyedOneInputStreamOperatorTestHarness<String, Exchange, StageMessage> accounts()
      throws Exception {
    return ProcessFunctionTestHarnesses.forKeyedProcessFunction(
        new AccountDetectFunction<>(STAGES), Exchange::accountId, Types.STRING);
  }

  private static Exchange exchange(String account, long t) {
    return Exchange.builder(t, account).paymentFingerprint("card-" + account).build();
  }

  @Test
  void accounts_idleForEviction_profilesAndTimersDropToZero() throws Exception {
    try (var h = accounts()) {
      h.processElement(exchange("a", T0), T0);
      h.processElement(exchange("a", T0 + 1_000), T0 + 1_000);
      h.processElement(exchange("b", T0 + 2_000), T0 + 2_000);
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
      h.processElement(exchange("a", T0), T0);
      h.processElement(exchange("a", T0 - 1), T0 - 1);
      assertTrue(h.extractOutputValues().isEmpty());
      var dead = h.getSideOutput(ParseExchanges.DEAD_LETTERS);
      assertEquals(2, dead.size());
      assertTrue(dead.peek().getValue().startsWith("{\"reason\":\"late\""));
      assertEquals(0, h.numKeyedStateEntries());
      assertEquals(0, h.numEventTimeTimers());
    }
  }

  @Test
  void accounts_snapshotAndRestore_keepProfilesAndTimers() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = accounts()) {
      h.processElement(exchange("a", T0), T0);
      h.processElement(exchange("b", T0 + 5), T0 + 5);
      snapshot = h.snapshot(1, T0 + 10);
    }
    try (var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new AccountDetectFunction<>(STAGES)),
            Exchange::accountId,
            Types.STRING)) {
      h.initializeState(snapshot);
      h.open();
      assertEquals(2, h.numKeyedStateEntries());
      assertEquals(2, h.numEventTimeTimers());
      h.processElement(exchange("a", T0 + 100), T0 + 100);
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
        null, exchange("a", T0).toBuilder().paymentFingerprint("card").build(), 2, messages);
    stage.observe(
        null,
        exchange("b", T0 + 1_000).toBuilder().paymentFingerprint("card").build(),
        2,
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
}
