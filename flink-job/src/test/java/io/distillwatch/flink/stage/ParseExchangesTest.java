package io.distillwatch.flink.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.core.io.ParseResult;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** The parse stage after the source has parsed: routes each result, parses nothing again. */
class ParseExchangesTest {
  private static final long T0 = 1_776_902_400_000L;

  @Test
  void processElement_acceptedAndRejected_exchangesOnwardRejectionsAsDeadLetterJson()
      throws Exception {
    ExchangeParser parser = ExchangeParser.builder().build();
    ParseResult ok = parser.parse("{\"timestamp\":" + T0 + ",\"account_id\":\"a\"}");
    ParseResult bad = parser.parse("{\"timestamp\":" + T0 + "}");
    try (var h = ProcessFunctionTestHarnesses.forProcessFunction(new ParseExchanges())) {
      h.processElement(ok, T0);
      h.processElement(bad, Long.MIN_VALUE);
      assertEquals(
          List.of(new StreamRecord<Exchange>(ok.exchange(), T0)), List.copyOf(h.getOutput()));
      var dead = h.getSideOutput(ParseExchanges.DEAD_LETTERS);
      assertEquals(1, dead.size());
      assertEquals(bad.rejection().toJson(), dead.peek().getValue());
      assertEquals(
          "{\"reason\":\"missing_field\",\"message\":\"account_id is missing or null\",\"raw\":"
              + "\"{\\\"timestamp\\\":"
              + T0
              + "}\"}",
          dead.peek().getValue());
    }
  }

  @Test
  void processElement_countsAcceptedExchangesWithoutPromptOrTemplateHash() throws Exception {
    ExchangeParser parser = ExchangeParser.builder().build();
    ParseResult bare = parser.parse("{\"timestamp\":" + T0 + ",\"account_id\":\"a\"}");
    ParseResult full =
        parser.parse(
            "{\"timestamp\":"
                + T0
                + ",\"account_id\":\"a\",\"prompt_hash\":\"p1\",\"template_hash\":\"t1\"}");
    ParseResult promptOnly =
        parser.parse("{\"timestamp\":" + T0 + ",\"account_id\":\"a\",\"prompt_hash\":\"p2\"}");
    ParseResult bad = parser.parse("{\"timestamp\":" + T0 + "}");
    ParseExchanges stage = new ParseExchanges();
    try (var h = ProcessFunctionTestHarnesses.forProcessFunction(stage)) {
      for (ParseResult r : List.of(bare, full, promptOnly, bad)) {
        h.processElement(r, T0);
      }
      var context = stage.getRuntimeContext();
      assertEquals(1L, context.getAccumulator(ParseExchanges.WITHOUT_PROMPT_HASH).getLocalValue());
      assertEquals(
          2L, context.getAccumulator(ParseExchanges.WITHOUT_TEMPLATE_HASH).getLocalValue());
      assertEquals(1L, context.getAccumulator("rejected").getLocalValue());
    }
  }
}
