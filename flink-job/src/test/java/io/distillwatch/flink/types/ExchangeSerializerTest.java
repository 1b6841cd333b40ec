package io.distillwatch.flink.types;

import io.distillwatch.core.io.Category;
import io.distillwatch.core.io.Exchange;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink's own contract test for serializers: copies, sequences, snapshots, duplicates. */
class ExchangeSerializerTest extends SerializerTestBase<Exchange> {
  @Override
  protected TypeSerializer<Exchange> createSerializer() {
    return new ExchangeSerializer();
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<Exchange> getTypeClass() {
    return Exchange.class;
  }

  @Override
  protected boolean allowNullInstances(TypeSerializer<Exchange> serializer) {
    return true;
  }

  @Override
  protected Exchange[] getTestData() {
    return new Exchange[] {
      Exchange.builder(0, "a").build(),
      Exchange.builder(1_776_902_400_000L, "acct-ακ😀")
          .orgId("org")
          .ip("203.0.113.7")
          .asn("AS1")
          .userAgent("ua\u0000\ud800")
          .paymentFingerprint("pf")
          .model("m")
          .inputTokens(1)
          .outputTokens(10_000_000)
          .templateHash("t")
          .promptHash("p")
          .category(Category.AGENTIC)
          .reasoningRequested(true)
          .toolCalls(7)
          .status(200)
          .build(),
      Exchange.builder(-5, "b").templateHash("").status(599).build()
    };
  }
}
