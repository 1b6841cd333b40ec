package io.distillwatch.flink.stage;

import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.core.io.ParseResult;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.watermark.WatermarkDeclaration;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A source of undecoded lines (Kafka, files, the generated ones) that emits each line parsed: an
 * accepted exchange or a rejection, as {@link ParseResult}. Splits, enumerator and checkpoints are
 * the inner source's, unchanged.
 *
 * <p>Contract: each line the inner reader emits is parsed exactly once, by one {@link
 * ExchangeParser} per reader (per source subtask), in the order the reader emits them, and the
 * result goes to the same output (the main one or the line's split's) with the same timestamp the
 * line came with. So the watermark strategy the source is given ({@link SourceWatermarks}) reads
 * event time from the result, per split, and the chained {@link ParseExchanges} only counts and
 * routes it.
 *
 * <p>Implementation notes: the parse happens in the reader rather than in each kind of source's
 * decoder (the Kafka deserialization schema, the file format, the generated sources' iterators) for
 * three reasons. One parser per reader is one per subtask over every split it reads, the scope the
 * parser's stream-time check had when the timestamp assigner and the parse stage each held one per
 * subtask; the file format's readers and the generators' iterators are per split, and would reset
 * it at each file or partition. The reader's {@code pollNext} runs in the task thread, as both
 * parses did, so the benchmark's detect and trivial jobs pay the same cost in the same place for
 * every source (a file format would move it to the file source's fetcher thread). And there is one
 * parse path to keep right rather than four. What the reader emits is detector-core's own {@link
 * ParseResult}, immutable, so a chained operator that copies it (no object reuse) copies nothing.
 *
 * <p>Rejected alternative: keep the parsing assigner and hand its result to the next {@code
 * processElement} in the same thread. It holds only while the parse stage is chained right after
 * the source and sees every record the assigner saw, in order; nothing checks that.
 *
 * <p>What the wrapper hides: the inner source's extra interfaces (Kafka's and the file source's
 * lineage vertex, their produced type); the job gives the type at {@code env.fromSource}.
 */
public final class ParsingSource<SplitT extends SourceSplit, EnumChkT>
    implements Source<ParseResult, SplitT, EnumChkT> {
  private static final long serialVersionUID = 1L;

  private final Source<RawLine, SplitT, EnumChkT> lines;

  private ParsingSource(Source<RawLine, SplitT, EnumChkT> lines) {
    this.lines = lines;
  }

  /** {@code lines}, parsed. */
  public static <S extends SourceSplit, E> ParsingSource<S, E> of(Source<RawLine, S, E> lines) {
    return new ParsingSource<>(lines);
  }

  @Override
  public Boundedness getBoundedness() {
    return lines.getBoundedness();
  }

  @Override
  public SourceReader<ParseResult, SplitT> createReader(SourceReaderContext context)
      throws Exception {
    return new Reader<>(lines.createReader(context));
  }

  @Override
  public SplitEnumerator<SplitT, EnumChkT> createEnumerator(SplitEnumeratorContext<SplitT> context)
      throws Exception {
    return lines.createEnumerator(context);
  }

  @Override
  public SplitEnumerator<SplitT, EnumChkT> restoreEnumerator(
      SplitEnumeratorContext<SplitT> context, EnumChkT checkpoint) throws Exception {
    return lines.restoreEnumerator(context, checkpoint);
  }

  @Override
  public SimpleVersionedSerializer<SplitT> getSplitSerializer() {
    return lines.getSplitSerializer();
  }

  @Override
  public SimpleVersionedSerializer<EnumChkT> getEnumeratorCheckpointSerializer() {
    return lines.getEnumeratorCheckpointSerializer();
  }

  @Override
  public Set<? extends WatermarkDeclaration> declareWatermarks() {
    return lines.declareWatermarks();
  }

  /** The inner reader, whose outputs parse what it emits. Not thread-safe, as readers are not. */
  static final class Reader<SplitT extends SourceSplit>
      implements SourceReader<ParseResult, SplitT> {
    private final SourceReader<RawLine, SplitT> lines;
    // The parser keeps the stream time and per-line scratch state: one per reader.
    private final ExchangeParser parser = ExchangeParser.builder().build();
    // The operator hands the same main output to every pollNext; wrap it once.
    private ReaderOutput<ParseResult> output;
    private MainOutput wrapped;

    Reader(SourceReader<RawLine, SplitT> lines) {
      this.lines = lines;
    }

    ParseResult parse(RawLine line) {
      if (line.truncated()) {
        // The file format kept only a prefix: reject it as JsonLinesReader does.
        return parser.rejectTooLong(line.bytes, 0, line.bytes.length, line.totalBytes);
      }
      return parser.parse(line.bytes, 0, line.bytes.length);
    }

    @Override
    public InputStatus pollNext(ReaderOutput<ParseResult> out) throws Exception {
      if (out != output) {
        output = out;
        wrapped = new MainOutput(out);
      }
      return lines.pollNext(wrapped);
    }

    @Override
    public void start() {
      lines.start();
    }

    @Override
    public List<SplitT> snapshotState(long checkpointId) {
      return lines.snapshotState(checkpointId);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
      return lines.isAvailable();
    }

    @Override
    public void addSplits(List<SplitT> splits) {
      lines.addSplits(splits);
    }

    @Override
    public void notifyNoMoreSplits() {
      lines.notifyNoMoreSplits();
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
      lines.handleSourceEvents(event);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
      lines.notifyCheckpointComplete(checkpointId); // Kafka commits offsets here
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
      lines.notifyCheckpointAborted(checkpointId);
    }

    @Override
    public void pauseOrResumeSplits(
        Collection<String> splitsToPause, Collection<String> splitsToResume) {
      lines.pauseOrResumeSplits(splitsToPause, splitsToResume);
    }

    @Override
    public void close() throws Exception {
      lines.close();
    }

    /** One split's output (or the main one): parses each line into {@code out}. */
    class SplitOutput implements SourceOutput<RawLine> {
      private final SourceOutput<ParseResult> out;

      SplitOutput(SourceOutput<ParseResult> out) {
        this.out = out;
      }

      @Override
      public void collect(RawLine line) {
        out.collect(parse(line));
      }

      @Override
      public void collect(RawLine line, long timestamp) {
        out.collect(parse(line), timestamp);
      }

      @Override
      public void emitWatermark(Watermark watermark) {
        out.emitWatermark(watermark);
      }

      @Override
      public void markIdle() {
        out.markIdle();
      }

      @Override
      public void markActive() {
        out.markActive();
      }
    }

    /** The main output, which also makes the per-split outputs (Kafka's partitions, files). */
    final class MainOutput extends SplitOutput implements ReaderOutput<RawLine> {
      private final ReaderOutput<ParseResult> out;

      MainOutput(ReaderOutput<ParseResult> out) {
        super(out);
        this.out = out;
      }

      @Override
      public SourceOutput<RawLine> createOutputForSplit(String splitId) {
        return new SplitOutput(out.createOutputForSplit(splitId));
      }

      @Override
      public void releaseOutputForSplit(String splitId) {
        out.releaseOutputForSplit(splitId);
      }
    }
  }
}
