package io.distillwatch.flink.source;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeJson;
import io.distillwatch.flink.stage.RawLine;
import java.util.Iterator;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceSplit;

/**
 * The whole synthetic trace as one split. Its checkpointed position is the number of records
 * already emitted: on restore the generator replays the trace from its seed and skips them, so the
 * split stays a few bytes however long the trace is.
 */
public final class ScenarioSplit
    implements IteratorSourceSplit<RawLine, ScenarioSplit.PositionedIterator> {

  private final ScenarioSpec spec;
  private final long emitted;

  public ScenarioSplit(ScenarioSpec spec, long emitted) {
    this.spec = spec;
    this.emitted = emitted;
  }

  public ScenarioSpec spec() {
    return spec;
  }

  public long emitted() {
    return emitted;
  }

  @Override
  public String splitId() {
    return "scenario-" + spec.seed();
  }

  @Override
  public PositionedIterator getIterator() {
    Iterator<Exchange> it = spec.generator().iterator();
    for (long i = 0; i < emitted && it.hasNext(); i++) {
      it.next();
    }
    return new PositionedIterator(it, emitted);
  }

  @Override
  public ScenarioSplit getUpdatedSplitForIterator(PositionedIterator iterator) {
    return new ScenarioSplit(spec, iterator.position);
  }

  /** Exchanges as JSON lines, so the synthetic source goes through the same parser as Kafka. */
  public static final class PositionedIterator implements Iterator<RawLine> {
    private final Iterator<Exchange> exchanges;
    private long position;

    PositionedIterator(Iterator<Exchange> exchanges, long position) {
      this.exchanges = exchanges;
      this.position = position;
    }

    @Override
    public boolean hasNext() {
      return exchanges.hasNext();
    }

    @Override
    public RawLine next() {
      RawLine line = RawLine.of(ExchangeJson.toJsonBytes(exchanges.next()));
      position++;
      return line;
    }
  }
}
