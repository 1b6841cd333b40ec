package io.distillwatch.flink.stage;

import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.core.io.ParseResult;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.eventtime.WatermarksWithIdleness;

/**
 * Event time for a source of undecoded records, given at {@code env.fromSource}: the source then
 * runs one watermark generator per split (per Kafka partition, per file), and its watermark is the
 * least of its active splits'. A subtask that reads a lagging partition beside a fast one therefore
 * holds its watermark back to the lagging one, and the lagging partition's records are not late.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>A record's timestamp is its {@code timestamp} if {@link ExchangeParser} accepts it, else
 *       {@link #UNREADABLE}; so exactly the records the parse stage accepts carry event time.
 *   <li>Per split: bounded out-of-orderness ({@code --out-of-orderness}), and idleness ({@code
 *       --idleness}): a split with no readable record for that long stops holding the watermark
 *       back.
 *   <li>An unreadable record neither moves its split's watermark nor counts as activity, so a
 *       partition of garbage cannot stall event time, and the parse stage rejects it with its own
 *       reason, as before.
 * </ul>
 *
 * <p>Implementation notes: the assigner parses the whole record with its own {@link
 * ExchangeParser}, not a cheaper read of the {@code timestamp} field alone, because a record with a
 * plausible timestamp can still be rejected (a missing {@code account_id}, a syntax error later in
 * the line), and it must not move the watermark: one rejected record dated a day ahead would make
 * every record after it late. Flink creates one assigner per source subtask and calls it on every
 * record in the order it hands them to the chained parse stage, so the assigner's parser sees the
 * same records in the same order as the parse stage's and reaches the same decisions, the stream
 * time check included. The price is parsing each record twice, in the same thread.
 */
public final class SourceWatermarks {
  /** The timestamp of a record the parser rejects: it never moves a watermark. */
  public static final long UNREADABLE = Long.MIN_VALUE;

  private SourceWatermarks() {}

  /** The strategy for a source whose records {@code parser} parses. */
  public static <T> WatermarkStrategy<T> of(
      ParseExchanges<T> parser, Duration outOfOrderness, Duration idleness) {
    WatermarkGeneratorSupplier<T> generators =
        context ->
            new SkipUnreadable<>(
                new WatermarksWithIdleness<>(
                    new BoundedOutOfOrdernessWatermarks<>(outOfOrderness),
                    idleness,
                    context.getInputActivityClock()));
    return WatermarkStrategy.forGenerator(generators).withTimestampAssigner(assigner(parser));
  }

  /** Assigners that parse records as {@code parser} does, one parser per assigner. */
  static <T> TimestampAssignerSupplier<T> assigner(ParseExchanges<T> parser) {
    return context -> new ParsedTimestamp<>(parser);
  }

  /** The accepted exchange's timestamp, or {@link #UNREADABLE}. Not thread-safe. */
  static final class ParsedTimestamp<T> implements TimestampAssigner<T> {
    private final ParseExchanges<T> parse;
    // Built as the parse stage builds its own, so both accept and reject the same records.
    private final ExchangeParser parser = ExchangeParser.builder().build();

    ParsedTimestamp(ParseExchanges<T> parse) {
      this.parse = parse;
    }

    @Override
    public long extractTimestamp(T record, long recordTimestamp) {
      // Not the Kafka record's timestamp for a rejected record: that is the producer's clock, and
      // during a backfill it would move the watermark hours or days past the records to come.
      return parse.parse(parser, record) instanceof ParseResult.Accepted accepted
          ? accepted.exchange().timestamp()
          : UNREADABLE;
    }
  }

  /**
   * Passes readable records on to {@code inner}; hides unreadable ones, so that they are not taken
   * for activity by the idleness wrapper inside.
   */
  static final class SkipUnreadable<T> implements WatermarkGenerator<T> {
    private final WatermarkGenerator<T> inner;

    SkipUnreadable(WatermarkGenerator<T> inner) {
      this.inner = inner;
    }

    @Override
    public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {
      if (eventTimestamp != UNREADABLE) {
        inner.onEvent(event, eventTimestamp, output);
      }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
      inner.onPeriodicEmit(output);
    }
  }
}
