package io.distillwatch.flink.stage;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ParseResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The parse stage, chained to the source: the source has parsed each record ({@link
 * ParsingSource}); this stage counts the results and routes them. Accepted exchanges go to the main
 * output; each rejection goes to {@link #DEAD_LETTERS} as {@code
 * {"reason":..,"message":..,"raw":..}}.
 *
 * <p>Nothing here logs a record: the raw line goes to the dead letters and nowhere else.
 *
 * <p>Metrics {@code exchangesIn}, {@code rejected}, and {@code withoutPromptHash} and {@code
 * withoutTemplateHash} (accepted exchanges lacking those optional fields, without which whole
 * signals are blind); accumulators of the same four for the summary of a local run.
 */
public final class ParseExchanges extends ProcessFunction<ParseResult, Exchange> {
  private static final long serialVersionUID = 1L;

  /** Rejected and late records, one JSON object each, with reason and raw line. */
  public static final OutputTag<String> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

  /** Type of {@link RawLine}: a POJO of a byte array and a length. */
  public static final TypeInformation<RawLine> RAW_LINE = Types.POJO(RawLine.class);

  private transient Counter exchangesIn;
  private transient Counter rejected;
  private transient Counter withoutPrompt;
  private transient Counter withoutTemplate;
  private transient LongCounter recordTotal;
  private transient LongCounter rejectedTotal;
  private transient LongCounter withoutPromptTotal;
  private transient LongCounter withoutTemplateTotal;

  @Override
  public void open(OpenContext openContext) {
    exchangesIn = getRuntimeContext().getMetricGroup().counter("exchangesIn");
    rejected = getRuntimeContext().getMetricGroup().counter("rejected");
    withoutPrompt = getRuntimeContext().getMetricGroup().counter(WITHOUT_PROMPT_HASH);
    withoutTemplate = getRuntimeContext().getMetricGroup().counter(WITHOUT_TEMPLATE_HASH);
    recordTotal = new LongCounter();
    rejectedTotal = new LongCounter();
    withoutPromptTotal = new LongCounter();
    withoutTemplateTotal = new LongCounter();
    getRuntimeContext().addAccumulator("records", recordTotal);
    getRuntimeContext().addAccumulator("rejected", rejectedTotal);
    getRuntimeContext().addAccumulator(WITHOUT_PROMPT_HASH, withoutPromptTotal);
    getRuntimeContext().addAccumulator(WITHOUT_TEMPLATE_HASH, withoutTemplateTotal);
  }

  /** Metric and accumulator: accepted exchanges without a {@code prompt_hash}. */
  public static final String WITHOUT_PROMPT_HASH = "withoutPromptHash";

  /** Metric and accumulator: accepted exchanges without a {@code template_hash}. */
  public static final String WITHOUT_TEMPLATE_HASH = "withoutTemplateHash";

  @Override
  public void processElement(ParseResult result, Context ctx, Collector<Exchange> out) {
    exchangesIn.inc();
    recordTotal.add(1);
    if (result instanceof ParseResult.Accepted accepted) {
      Exchange e = accepted.exchange();
      if (e.promptHash() == null) {
        withoutPrompt.inc();
        withoutPromptTotal.add(1);
      }
      if (e.templateHash() == null) {
        withoutTemplate.inc();
        withoutTemplateTotal.add(1);
      }
      out.collect(e);
    } else {
      rejected.inc();
      rejectedTotal.add(1);
      ctx.output(DEAD_LETTERS, result.rejection().toJson());
    }
  }
}
