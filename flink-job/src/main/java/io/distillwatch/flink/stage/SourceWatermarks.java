package io.distillwatch.flink.stage;

import io.distillwatch.core.io.ParseResult;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.eventtime.WatermarksWithIdleness;

/**
 * Event time for a source of parsed records ({@link ParsingSource}), given at {@code
 * env.fromSource}: the source then runs one watermark generator per split (per Kafka partition, per
 * file), and its watermark is the least of its active splits'. A subtask that reads a lagging
 * partition beside a fast one therefore holds its watermark back to the lagging one, and the
 * lagging partition's records are not late.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>A record's timestamp is its exchange's {@code timestamp} if the parser accepted it, else
 *       {@link #UNREADABLE}; so exactly the records the parse stage passes on carry event time.
 *   <li>Per split: bounded out-of-orderness ({@code --out-of-orderness}), and idleness ({@code
 *       --idleness}): a split with no readable record for that long stops holding the watermark
 *       back.
 *   <li>An unreadable record neither moves its split's watermark nor counts as activity, so a
 *       partition of garbage cannot stall event time, and the parse stage sends it to the dead
 *       letters with its reason.
 * </ul>
 *
 * <p>Implementation notes: the assigner only reads the parse result. The whole record was parsed,
 * once, by the source's reader, not a cheaper read of the {@code timestamp} field alone, because a
 * record with a plausible timestamp can still be rejected (a missing {@code account_id}, a syntax
 * error later in the line), and it must not move the watermark: one rejected record dated a day
 * ahead would make every record after it late.
 */
public final class SourceWatermarks {
  /** The timestamp of a record the parser rejects: it never moves a watermark. */
  public static final long UNREADABLE = Long.MIN_VALUE;

  private SourceWatermarks() {}

  /** The strategy for a source of parse results. */
  public static WatermarkStrategy<ParseResult> of(Duration outOfOrderness, Duration idleness) {
    WatermarkGeneratorSupplier<ParseResult> generators =
        context ->
            new SkipUnreadable<>(
                new WatermarksWithIdleness<>(
                    new BoundedOutOfOrdernessWatermarks<>(outOfOrderness),
                    idleness,
                    context.getInputActivityClock()));
    return WatermarkStrategy.forGenerator(generators)
        .withTimestampAssigner(context -> new AcceptedTimestamp());
  }

  /** The accepted exchange's timestamp, or {@link #UNREADABLE}. */
  static final class AcceptedTimestamp implements TimestampAssigner<ParseResult> {
    @Override
    public long extractTimestamp(ParseResult record, long recordTimestamp) {
      // Not the Kafka record's timestamp for a rejected record: that is the producer's clock, and
      // during a backfill it would move the watermark hours or days past the records to come.
      return record instanceof ParseResult.Accepted accepted
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
