package io.distillwatch.flink.detect;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeJson;
import io.distillwatch.core.io.RejectReason;
import io.distillwatch.core.io.Rejection;
import io.distillwatch.flink.stage.ParseExchanges;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;

/**
 * The late-exchange rule of the keyed stages that take exchanges: an exchange at or behind the
 * current watermark is counted (metric and accumulator {@code late}) and goes to {@link
 * ParseExchanges#DEAD_LETTERS} with reason {@code late} and its JSON line, so none is dropped
 * silently. Made in {@code open}; one per function or operator instance.
 */
final class LateExchanges {
  private final Counter metric;
  private final LongCounter total = new LongCounter();

  LateExchanges(RuntimeContext context) {
    metric = context.getMetricGroup().counter("late");
    context.addAccumulator("late", total);
  }

  /** Whether an exchange of event time {@code timestamp} is at or behind {@code watermark}. */
  static boolean isLate(long timestamp, long watermark) {
    return timestamp <= watermark;
  }

  /** Counts {@code e}, late at {@code watermark}; its dead letter, for the caller to send. */
  String divert(Exchange e, long watermark) {
    metric.inc();
    total.add(1);
    String message = "event time " + e.timestamp() + " is not after the watermark " + watermark;
    return new Rejection(RejectReason.LATE, message, ExchangeJson.toJson(e)).toJson();
  }
}
