package io.distillwatch.flink.stage;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeJson;
import io.distillwatch.core.io.RejectReason;
import io.distillwatch.core.io.Rejection;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * SPIKE placeholder for the per-account detection stage: counts each account's exchanges in keyed
 * state, passes accepted exchanges on as JSON lines, and drops the account's state once it has been
 * quiet for {@code expiry} of event time. Records behind the watermark go to {@link
 * ParseExchanges#DEAD_LETTERS} with reason {@code late}.
 */
public final class AccountActivity extends KeyedProcessFunction<String, Exchange, String> {
  private static final long serialVersionUID = 1L;

  private final long expiryMillis;

  private transient ValueState<Long> count;
  private transient ValueState<Long> expiresAt;
  private transient Counter late;
  private transient Counter liveAccounts;

  public AccountActivity(Duration expiry) {
    this.expiryMillis = expiry.toMillis();
  }

  @Override
  public void open(OpenContext openContext) {
    count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
    expiresAt = getRuntimeContext().getState(new ValueStateDescriptor<>("expiresAt", Types.LONG));
    late = getRuntimeContext().getMetricGroup().counter("late");
    // A counter, not a gauge over state: per subtask, and only since this subtask started.
    liveAccounts = getRuntimeContext().getMetricGroup().counter("liveAccounts");
  }

  @Override
  public void processElement(Exchange e, Context ctx, Collector<String> out) throws Exception {
    long watermark = ctx.timerService().currentWatermark();
    if (e.timestamp() < watermark) {
      late.inc();
      String message = "event time " + e.timestamp() + " is behind the watermark " + watermark;
      ctx.output(
          ParseExchanges.DEAD_LETTERS,
          new Rejection(RejectReason.LATE, message, ExchangeJson.toJson(e)).toJson());
      return;
    }
    Long n = count.value();
    if (n == null) {
      liveAccounts.inc();
    }
    count.update(n == null ? 1 : n + 1);

    // One timer per account at a time: move it rather than adding one per exchange, or timers
    // would grow with traffic instead of with accounts.
    Long previous = expiresAt.value();
    long next = e.timestamp() + expiryMillis;
    if (previous == null || next > previous) {
      if (previous != null) {
        ctx.timerService().deleteEventTimeTimer(previous);
      }
      ctx.timerService().registerEventTimeTimer(next);
      expiresAt.update(next);
    }
    out.collect(ExchangeJson.toJson(e));
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out) {
    // The account has been quiet for the whole expiry: clear everything it holds, or state
    // would grow with every account ever seen.
    count.clear();
    expiresAt.clear();
    liveAccounts.dec();
  }
}
