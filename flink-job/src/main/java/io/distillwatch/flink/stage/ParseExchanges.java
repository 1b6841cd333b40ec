package io.distillwatch.flink.stage;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeParser;
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
 * Parses records with {@link ExchangeParser}. Accepted exchanges go to the main output; each
 * rejection goes to {@link #DEAD_LETTERS} as {@code {"reason":..,"message":..,"raw":..}}. Records
 * come as undecoded bytes ({@link #ofRawLines}), so invalid UTF-8 is rejected as it is by the
 * replay.
 *
 * <p>Nothing here logs a record: the raw line goes to the dead letters and nowhere else.
 *
 * <p>Metrics {@code exchangesIn} and {@code rejected}; accumulators {@code records} and {@code
 * rejected} for the closing line of a local run.
 */
public abstract class ParseExchanges<T> extends ProcessFunction<T, Exchange> {
  private static final long serialVersionUID = 1L;

  /** Rejected and late records, one JSON object each, with reason and raw line. */
  public static final OutputTag<String> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

  /** Type of {@link RawLine}: a POJO of a byte array and a length. */
  public static final TypeInformation<RawLine> RAW_LINE = Types.POJO(RawLine.class);

  private transient ExchangeParser parser;
  private transient Counter exchangesIn;
  private transient Counter rejected;
  private transient LongCounter recordTotal;
  private transient LongCounter rejectedTotal;

  ParseExchanges() {}

  /** Parses byte records (UTF-8, not decoded before the parser). */
  public static ParseExchanges<RawLine> ofRawLines() {
    return new Raw();
  }

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

  abstract ParseResult parse(ExchangeParser parser, T record);

  @Override
  public void processElement(T record, Context ctx, Collector<Exchange> out) {
    exchangesIn.inc();
    recordTotal.add(1);
    ParseResult result = parse(parser, record);
    if (result instanceof ParseResult.Accepted accepted) {
      out.collect(accepted.exchange());
    } else {
      rejected.inc();
      rejectedTotal.add(1);
      ctx.output(DEAD_LETTERS, result.rejection().toJson());
    }
  }

  private static final class Raw extends ParseExchanges<RawLine> {
    private static final long serialVersionUID = 1L;

    @Override
    ParseResult parse(ExchangeParser parser, RawLine line) {
      if (line.truncated()) {
        // The file format kept only a prefix: reject it as JsonLinesReader does.
        return parser.rejectTooLong(line.bytes, 0, line.bytes.length, line.totalBytes);
      }
      return parser.parse(line.bytes, 0, line.bytes.length);
    }
  }
}
