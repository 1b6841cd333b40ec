package io.distillwatch.flink.types;

import io.distillwatch.core.io.Category;
import io.distillwatch.core.io.Exchange;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink's own contract test for the prompt stage's input type: copies, sequences, snapshots,
 * duplicates, over exchanges with and without a prompt and with strings past 64 KiB.
 */
class EncodedExchangeSerializerTest extends SerializerTestBase<EncodedExchange> {
  @Override
  protected TypeSerializer<EncodedExchange> createSerializer() {
    return new EncodedExchangeSerializer();
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<EncodedExchange> getTypeClass() {
    return EncodedExchange.class;
  }

  @Override
  protected boolean allowNullInstances(TypeSerializer<EncodedExchange> serializer) {
    return true; // no meaningful empty value (FormSerializer#createInstance)
  }

  @Override
  protected EncodedExchange[] getTestData() {
    return new EncodedExchange[] {
      EncodedExchange.of(Exchange.builder(0, "a").build()),
      EncodedExchange.of(
          Exchange.builder(1_776_902_400_000L, "acct-ακ😀")
              .promptHash("p-1")
              .templateHash("t")
              .ip("203.0.113.7")
              .userAgent("ua\u0000\ud800")
              .outputTokens(10_000_000)
              .category(Category.AGENTIC)
              .reasoningRequested(true)
              .toolCalls(7)
              .status(200)
              .build()),
      EncodedExchange.of(
          Exchange.builder(Long.MAX_VALUE, "b").promptHash("é".repeat(100_000)).build()),
    };
  }
}
