package io.distillwatch.flink.types;

import io.distillwatch.core.io.Category;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ParseResult;
import io.distillwatch.core.io.RejectReason;
import io.distillwatch.core.io.Rejection;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink's own contract test for the sources' output type: copies, sequences, snapshots, duplicates,
 * over both kinds, every reason, and strings the 64 KiB {@code writeUTF} limit would refuse.
 */
class ParseResultSerializerTest extends SerializerTestBase<ParseResult> {
  @Override
  protected TypeSerializer<ParseResult> createSerializer() {
    return new ParseResultSerializer();
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<ParseResult> getTypeClass() {
    return ParseResult.class;
  }

  @Override
  protected boolean allowNullInstances(TypeSerializer<ParseResult> serializer) {
    return true;
  }

  @Override
  protected ParseResult[] getTestData() {
    RejectReason[] reasons = RejectReason.values();
    ParseResult[] data = new ParseResult[reasons.length + 3];
    data[0] = new ParseResult.Accepted(Exchange.builder(0, "a").build());
    data[1] =
        new ParseResult.Accepted(
            Exchange.builder(1_776_902_400_000L, "acct-ακ😀")
                .orgId("org")
                .ip("203.0.113.7")
                .userAgent("ua\u0000\ud800")
                .outputTokens(10_000_000)
                .category(Category.AGENTIC)
                .reasoningRequested(true)
                .toolCalls(7)
                .status(200)
                .build());
    String huge = "{\"x\":\"" + "é".repeat(100_000) + "\"}";
    data[2] =
        new ParseResult.Rejected(
            new Rejection(RejectReason.TOO_LONG, "line is 200011 bytes", huge + "\ud800"));
    for (int i = 0; i < reasons.length; i++) {
      data[3 + i] =
          new ParseResult.Rejected(
              new Rejection(reasons[i], "message " + i, i % 2 == 0 ? "" : "raw \uFFFD line"));
    }
    return data;
  }
}
