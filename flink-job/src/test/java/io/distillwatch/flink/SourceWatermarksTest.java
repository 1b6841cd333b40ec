package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.flink.stage.ParseExchanges;
import io.distillwatch.flink.stage.RawLine;
import io.distillwatch.flink.stage.SourceWatermarks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * The source's watermark strategy: the timestamp assigner over good and bad records (exactly the
 * records the parser accepts get event time), and the per-split generator (bounded
 * out-of-orderness, idleness, unreadable records ignored).
 */
class SourceWatermarksTest {
  private static final long T0 = Instant.parse("2026-04-15T00:00:00Z").toEpochMilli();
  private static final Duration OUT_OF_ORDERNESS = Duration.ofSeconds(60);
  private static final Duration IDLENESS = Duration.ofSeconds(30);

  private static WatermarkStrategy<RawLine> strategy() {
    return SourceWatermarks.of(ParseExchanges.ofRawLines(), OUT_OF_ORDERNESS, IDLENESS);
  }

  private static TimestampAssigner<RawLine> assigner() {
    return strategy()
        .createTimestampAssigner(
            new TimestampAssignerSupplier.Context() {
              @Override
              public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
              }
            });
  }

  private static long timestamp(TimestampAssigner<RawLine> a, String line) {
    return a.extractTimestamp(RawLine.of(line.getBytes(StandardCharsets.UTF_8)), 42L);
  }

  @Test
  void extractTimestamp_epochMillis_isTheRecordsTimestamp() {
    assertEquals(T0, timestamp(assigner(), "{\"timestamp\":" + T0 + ",\"account_id\":\"a\"}"));
  }

  @Test
  void extractTimestamp_isoString_isItsEpochMillis() {
    var a = assigner();
    assertEquals(T0, timestamp(a, "{\"account_id\":\"a\",\"timestamp\":\"2026-04-15T00:00:00Z\"}"));
    assertEquals(
        T0 + 1_500,
        timestamp(a, "{\"timestamp\":\"2026-04-15T02:00:01.5+02:00\",\"account_id\":\"a\"}"));
  }

  @Test
  void extractTimestamp_recordsTheParserRejects_areUnreadable() {
    var a = assigner();
    // A readable timestamp is not enough: the rest of the record must parse too.
    for (String bad :
        List.of(
            "not json",
            "",
            "{\"account_id\":\"a\"}",
            "{\"timestamp\":\"yesterday\",\"account_id\":\"a\"}",
            "{\"timestamp\":" + T0 + "}",
            "{\"timestamp\":" + T0 + ",\"account_id\":\"a\",\"status\":42}",
            "{\"timestamp\":" + T0 + ",\"account_id\":\"a\"} trailing",
            "{\"timestamp\":" + T0 + ",\"account_id\":\"a\",\"timestamp\":" + T0 + "}",
            "{\"timestamp\":4102444800000,\"account_id\":\"a\"}", // 2100: after the wall clock
            "{\"timestamp\":1,\"account_id\":\"a\"}")) { // before 2000
      assertEquals(SourceWatermarks.UNREADABLE, timestamp(a, bad), bad);
    }
    byte[] invalidUtf8 =
        ("{\"timestamp\":" + T0 + ",\"account_id\":\"a\u00ff\"}")
            .getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(SourceWatermarks.UNREADABLE, a.extractTimestamp(RawLine.of(invalidUtf8), 42L));
    // A file line over the maximum length, of which the format kept a prefix.
    RawLine truncated =
        new RawLine(
            ("{\"timestamp\":" + T0 + ",\"account_id\":\"a\"").getBytes(StandardCharsets.UTF_8),
            10L << 20);
    assertEquals(SourceWatermarks.UNREADABLE, a.extractTimestamp(truncated, 42L));
    // Still fine after all that.
    assertEquals(T0, timestamp(a, "{\"timestamp\":" + T0 + ",\"account_id\":\"a\"}"));
  }

  @Test
  void extractTimestamp_badInputCorpus_everyKindUnreadable() {
    var a = assigner();
    for (Map.Entry<String, byte[]> kind : BadInputCorpus.kinds().entrySet()) {
      assertEquals(
          SourceWatermarks.UNREADABLE,
          a.extractTimestamp(RawLine.of(kind.getValue()), 42L),
          kind.getKey());
    }
  }

  @Test
  void extractTimestamp_aheadOfStreamTime_rejectedAsTheParseStageRejectsIt() {
    var a = assigner();
    ExchangeParser parseStage = ExchangeParser.builder().build();
    List<String> lines =
        List.of(
            "{\"timestamp\":" + T0 + ",\"account_id\":\"a\"}",
            // more than a day after the stream time: the parser's stream-time check rejects it
            "{\"timestamp\":" + (T0 + Duration.ofDays(2).toMillis()) + ",\"account_id\":\"a\"}",
            "{\"timestamp\":" + (T0 + 1_000) + ",\"account_id\":\"a\"}");
    for (String line : lines) {
      long t = timestamp(a, line);
      boolean accepted = parseStage.parse(line).isAccepted();
      assertEquals(accepted, t != SourceWatermarks.UNREADABLE, line);
    }
    assertEquals(2, parseStage.accepted());
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

  private static WatermarkGenerator<RawLine> generator(ManualClock clock) {
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
