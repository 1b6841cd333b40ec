package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.core.io.ParseResult;
import io.distillwatch.core.io.RejectReason;
import io.distillwatch.core.io.Rejection;
import io.distillwatch.flink.stage.SourceWatermarks;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.clock.ManualClock;
import org.apache.flink.util.clock.RelativeClock;
import org.junit.jupiter.api.Test;

/**
 * The source's watermark strategy: the timestamp assigner over parse results (exactly the records
 * the parser accepted get event time; {@link ParsingSourceTest} feeds it the bad-input corpus
 * through the source's parser), and the per-split generator (bounded out-of-orderness, idleness,
 * unreadable records ignored).
 */
class SourceWatermarksTest {
  private static final long T0 = Instant.parse("2026-04-15T00:00:00Z").toEpochMilli();
  private static final Duration OUT_OF_ORDERNESS = Duration.ofSeconds(60);
  private static final Duration IDLENESS = Duration.ofSeconds(30);

  private static WatermarkStrategy<ParseResult> strategy() {
    return SourceWatermarks.of(OUT_OF_ORDERNESS, IDLENESS);
  }

  private static TimestampAssigner<ParseResult> assigner() {
    return strategy()
        .createTimestampAssigner(
            new TimestampAssignerSupplier.Context() {
              @Override
              public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
              }
            });
  }

  @Test
  void extractTimestamp_accepted_isTheExchangesTimestamp() {
    ParseResult accepted = new ParseResult.Accepted(Exchange.builder(T0, "a").build());
    assertEquals(T0, assigner().extractTimestamp(accepted, 42L));
  }

  @Test
  void extractTimestamp_rejected_isUnreadableNotTheRecordsOwnTimestamp() {
    // A rejected record with a plausible timestamp in its raw line, and a Kafka record timestamp.
    ParseResult rejected =
        new ParseResult.Rejected(
            new Rejection(
                RejectReason.MISSING_FIELD, "account_id is missing", "{\"timestamp\":" + T0 + "}"));
    assertEquals(SourceWatermarks.UNREADABLE, assigner().extractTimestamp(rejected, T0));
  }

  @Test
  void extractTimestamp_parserAheadOfStreamTime_unreadableAsTheParserRejectsIt() {
    ExchangeParser parser = ExchangeParser.builder().build();
    var a = assigner();
    List<String> lines =
        List.of(
            "{\"timestamp\":" + T0 + ",\"account_id\":\"a\"}",
            // more than a day after the stream time: the parser's stream-time check rejects it
            "{\"timestamp\":" + (T0 + Duration.ofDays(2).toMillis()) + ",\"account_id\":\"a\"}",
            "{\"timestamp\":" + (T0 + 1_000) + ",\"account_id\":\"a\"}");
    List<Long> got = new ArrayList<>();
    for (String line : lines) {
      got.add(a.extractTimestamp(parser.parse(line), 42L));
    }
    assertEquals(List.of(T0, SourceWatermarks.UNREADABLE, T0 + 1_000), got);
  }

  /** Watermarks and idleness as one split's generator emits them. */
  private static final class Recorder implements WatermarkOutput {
    final List<Long> watermarks = new ArrayList<>();
    boolean idle;

    @Override
    public void emitWatermark(Watermark watermark) {
      watermarks.add(watermark.getTimestamp());
      idle = false;
    }

    @Override
    public void markIdle() {
      idle = true;
    }

    @Override
    public void markActive() {
      idle = false;
    }

    long last() {
      return watermarks.get(watermarks.size() - 1);
    }
  }

  private static WatermarkGenerator<ParseResult> generator(ManualClock clock) {
    return strategy()
        .createWatermarkGenerator(
            new WatermarkGeneratorSupplier.Context() {
              @Override
              public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
              }

              @Override
              public RelativeClock getInputActivityClock() {
                return clock;
              }
            });
  }

  @Test
  void generator_readableRecords_boundedOutOfOrderness() {
    var g = generator(new ManualClock());
    var out = new Recorder();
    g.onEvent(null, T0 + 10_000, out);
    g.onEvent(null, T0, out); // out of order: does not move it back
    g.onPeriodicEmit(out);
    assertEquals(T0 + 10_000 - OUT_OF_ORDERNESS.toMillis() - 1, out.last());
  }

  @Test
  void generator_unreadableRecords_neitherMoveTheWatermarkNorKeepTheSplitActive() {
    ManualClock clock = new ManualClock();
    var g = generator(clock);
    var out = new Recorder();
    g.onEvent(null, T0, out);
    g.onPeriodicEmit(out);
    long before = out.last();
    // A split that now brings only garbage: the watermark stays, and after the idleness time the
    // split is idle, so it does not hold back the other splits' watermark.
    for (int i = 0; i < 10; i++) {
      clock.advanceTime(IDLENESS.dividedBy(5));
      g.onEvent(null, SourceWatermarks.UNREADABLE, out);
      g.onPeriodicEmit(out);
      assertEquals(before, out.last());
    }
    assertTrue(out.idle, "a split of unreadable records goes idle");
    g.onEvent(null, T0 + 1_000, out);
    g.onPeriodicEmit(out);
    assertFalse(out.idle, "a readable record makes it active again");
    assertEquals(T0 + 1_000 - OUT_OF_ORDERNESS.toMillis() - 1, out.last());
  }
}
