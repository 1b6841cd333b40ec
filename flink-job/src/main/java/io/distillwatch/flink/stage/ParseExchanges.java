package io.distillwatch.flink.stage;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.core.io.ParseResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Parses JSON lines with {@link ExchangeParser}. Accepted exchanges go to the main output; each
 * rejection goes to {@link #DEAD_LETTERS} as {@code {"reason":..,"message":..,"raw":..}}.
 *
 * <p>Metrics {@code exchangesIn} and {@code rejected}; accumulators {@code records} and {@code
 * rejected} for the closing line of a local run.
 */
public final class ParseExchanges extends ProcessFunction<String, Exchange> {
  private static final long serialVersionUID = 1L;

  /** Rejected and late records, one JSON object each, with reason and raw line. */
  public static final OutputTag<String> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

  private transient ExchangeParser parser;
  private transient Counter exchangesIn;
  private transient Counter rejected;
  private transient LongCounter recordTotal;
  private transient LongCounter rejectedTotal;

  @Override
  public void open(OpenContext openContext) {
    // The parser keeps per-line scratch state, so each subtask has its own.
    parser = ExchangeParser.builder().build();
    exchangesIn = getRuntimeContext().getMetricGroup().counter("exchangesIn");
    rejected = getRuntimeContext().getMetricGroup().counter("rejected");
    recordTotal = new LongCounter();
    rejectedTotal = new LongCounter();
    getRuntimeContext().addAccumulator("records", recordTotal);
    getRuntimeContext().addAccumulator("rejected", rejectedTotal);
  }

  @Override
  public void processElement(String line, Context ctx, Collector<Exchange> out) {
    exchangesIn.inc();
    recordTotal.add(1);
    ParseResult result = parser.parse(line);
    if (result instanceof ParseResult.Accepted accepted) {
      out.collect(accepted.exchange());
    } else {
      rejected.inc();
      rejectedTotal.add(1);
      ctx.output(DEAD_LETTERS, result.rejection().toJson());
    }
  }
}
