package io.distillwatch.flink.detect;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.flink.stage.ParseExchanges;
import io.distillwatch.flink.types.EncodedExchange;
import io.distillwatch.flink.types.JobTypes;
import io.distillwatch.flink.types.PromptProbe;
import io.distillwatch.flink.types.SequencedExchange;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The step between parsing and detection, chained to the source: decides once whether an exchange
 * is late, encodes it once, and sends it two ways: whole, to its account's account-stage subtask
 * ({@link SequencedExchange}, the main output), and as a {@link PromptProbe} to its prompt's
 * prompt-stage subtask ({@link #PROBES}), which sends its verdict on to the account stage. Both
 * carry the exchange's sequence: the subtask index in the top 24 bits, a count of the subtask's
 * exchanges in the low 40, so it names one exchange among those in flight.
 *
 * <p>Late exchanges (event time at or behind this subtask's watermark) are counted and go to {@link
 * ParseExchanges#DEAD_LETTERS} here, before either path sees them: the account stage waits for the
 * verdict on every exchange it is given, so the two paths must agree on which exchanges go on. An
 * exchange that is not late here is not late at any later stage either, whose watermark is at most
 * this subtask's when the exchange left it.
 *
 * <p>Why two paths: when the whole exchange went through the prompt stage on its way to the account
 * stage, an account's exchanges, spread over the prompt-stage subtasks by prompt, reached the
 * account stage through as many channels, each passing a network buffer's worth at a time, so the
 * account stage saw them in an order that varied from run to run by up to minutes of event time in
 * a replay. At parallelism 2 the built-in scenario's low-and-slow campaign was first alerted at
 * +32.6 h, +50.0 h or +931.5 h from one run to the next, and a casual user was flagged in some runs
 * (README, Status). On the direct path an account's exchanges keep their source order.
 */
public final class SequenceExchanges extends ProcessFunction<Exchange, SequencedExchange> {
  private static final long serialVersionUID = 1L;

  /** Probes for the prompt stage. */
  public static final OutputTag<PromptProbe> PROBES =
      new OutputTag<>("prompt-probes", JobTypes.PROMPT_PROBE);

  private static final int COUNT_BITS = 40;
  private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;

  private transient LateExchanges late;
  private transient long base;
  private transient long count;

  @Override
  public void open(OpenContext openContext) {
    late = new LateExchanges(getRuntimeContext());
    base = (long) getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() << COUNT_BITS;
    count = 0;
  }

  @Override
  public void processElement(Exchange e, Context ctx, Collector<SequencedExchange> out) {
    long watermark = ctx.timerService().currentWatermark();
    if (LateExchanges.isLate(e.timestamp(), watermark)) {
      ctx.output(ParseExchanges.DEAD_LETTERS, late.divert(e, watermark));
      return;
    }
    // Wraps after 2^40 exchanges of one subtask; only the exchanges in flight need distinct names.
    long sequence = base | (count++ & COUNT_MASK);
    EncodedExchange encoded = EncodedExchange.of(e);
    PromptProbe probe = PromptProbe.of(e, encoded, sequence);
    ctx.output(PROBES, probe);
    out.collect(new SequencedExchange(encoded, sequence, probe.accountKey()));
  }
}
