package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.flink.stage.AccountActivity;
import io.distillwatch.flink.stage.ParseExchanges;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class AccountActivityTest {
  private static final long T0 = 1_776_902_400_000L;
  private static final Duration EXPIRY = Duration.ofHours(1);

  private static KeyedOneInputStreamOperatorTestHarness<String, Exchange, String> harness()
      throws Exception {
    return ProcessFunctionTestHarnesses.forKeyedProcessFunction(
        new AccountActivity(EXPIRY), Exchange::accountId, Types.STRING);
  }

  private static Exchange exchange(String account, long t) {
    return Exchange.builder(t, account).build();
  }

  @Test
  void onTimer_accountQuietForExpiry_clearsStateAndTimers() throws Exception {
    try (var h = harness()) {
      h.processElement(exchange("a", T0), T0);
      h.processElement(exchange("a", T0 + 1_000), T0 + 1_000);
      h.processElement(exchange("b", T0 + 2_000), T0 + 2_000);
      assertEquals(3, h.extractOutputValues().size());
      // Two accounts, two state entries each; one timer each, moved rather than added.
      assertEquals(4, h.numKeyedStateEntries());
      assertEquals(2, h.numEventTimeTimers());

      h.processWatermark(new Watermark(T0 + 1_000 + EXPIRY.toMillis()));
      assertEquals(2, h.numKeyedStateEntries());
      assertEquals(1, h.numEventTimeTimers());

      h.processWatermark(new Watermark(T0 + 2_000 + EXPIRY.toMillis()));
      assertEquals(0, h.numKeyedStateEntries());
      assertEquals(0, h.numEventTimeTimers());
    }
  }

  @Test
  void processElement_behindWatermark_goesToDeadLettersAsLate() throws Exception {
    try (var h = harness()) {
      h.processWatermark(new Watermark(T0));
      h.processElement(exchange("a", T0 - 1), T0 - 1);
      assertTrue(h.extractOutputValues().isEmpty());
      var dead = h.getSideOutput(ParseExchanges.DEAD_LETTERS);
      assertEquals(1, dead.size());
      assertTrue(dead.peek().getValue().startsWith("{\"reason\":\"late\""));
      assertEquals(0, h.numKeyedStateEntries());
    }
  }
}
