package io.distillwatch.flink.source;

import io.distillwatch.flink.stage.RawLine;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceEnumerator;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceReader;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceSplit;

/**
 * A source of generated lines over Flink's iterator-source reader and enumerator: a subclass names
 * its initial splits and how a split is serialized; the enumerator hands the splits out and, on
 * restore, the ones it still held. The generated sources (the built-in scenario, the benchmark's
 * and the soak's input) differ only in those.
 *
 * @param <S> the split: a position in an iterator of lines
 * @param <I> the split's iterator
 */
public abstract class LineIteratorSource<
        S extends IteratorSourceSplit<RawLine, I>, I extends Iterator<RawLine>>
    implements Source<RawLine, S, Collection<S>> {
  private static final long serialVersionUID = 1L;

  private final Boundedness boundedness;

  protected LineIteratorSource(Boundedness boundedness) {
    this.boundedness = boundedness;
  }

  /** The splits a fresh run starts with. */
  protected abstract List<S> initialSplits();

  @Override
  public final Boundedness getBoundedness() {
    return boundedness;
  }

  @Override
  public final SourceReader<RawLine, S> createReader(SourceReaderContext context) {
    return new IteratorSourceReader<>(context);
  }

  @Override
  public final SplitEnumerator<S, Collection<S>> createEnumerator(
      SplitEnumeratorContext<S> context) {
    return new IteratorSourceEnumerator<>(context, initialSplits());
  }

  @Override
  public final SplitEnumerator<S, Collection<S>> restoreEnumerator(
      SplitEnumeratorContext<S> context, Collection<S> checkpoint) {
    return new IteratorSourceEnumerator<>(context, checkpoint);
  }
}
