package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.core.io.ParseResult;
import io.distillwatch.core.io.RejectReason;
import io.distillwatch.flink.stage.ParsingSource;
import io.distillwatch.flink.stage.RawLine;
import io.distillwatch.flink.stage.SourceWatermarks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/**
 * {@link ParsingSource}'s reader over a scripted inner reader: each line is parsed once, as one
 * {@link ExchangeParser} per reader parses the same lines in the same order (rejections with the
 * same reason, message and raw line; the stream time shared by all splits), into the output the
 * line was emitted to, with the timestamp it came with; everything else passes through.
 */
class ParsingSourceTest {
  private static final long T0 = Instant.parse("2026-04-15T00:00:00Z").toEpochMilli();

  /** One line the scripted reader emits: to the main output (split null) or a split's. */
  private record Line(String split, RawLine line, Long timestamp) {}

  private static Line main(byte[] bytes) {
    return new Line(null, RawLine.of(bytes), null);
  }

  private static Line main(String text) {
    return main(text.getBytes(StandardCharsets.UTF_8));
  }

  private static Line split(String split, String text, long timestamp) {
    return new Line(split, RawLine.of(text.getBytes(StandardCharsets.UTF_8)), timestamp);
  }

  private static String record(long timestamp, String account) {
    return "{\"timestamp\":" + timestamp + ",\"account_id\":\"" + account + "\"}";
  }

  /** What reached the outputs: split (null for main), result, timestamp (null if none). */
  private record Out(String split, ParseResult result, Long timestamp) {}

  private static List<Out> read(List<Line> lines) throws Exception {
    Scripted inner = new Scripted(lines);
    SourceReader<ParseResult, Split> reader = ParsingSource.of(inner).createReader(null);
    Recorder out = new Recorder();
    reader.start();
    while (reader.pollNext(out) == InputStatus.MORE_AVAILABLE) {}
    reader.close();
    return out.records;
  }

  @Test
  void pollNext_badInputCorpus_eachKindRejectedAsOneParserRejectsIt() throws Exception {
    Map<String, byte[]> kinds = BadInputCorpus.kinds();
    List<Line> lines = new ArrayList<>();
    kinds.values().forEach(bytes -> lines.add(main(bytes)));
    List<Out> out = read(lines);
    assertEquals(kinds.size(), out.size());
    ExchangeParser alone = ExchangeParser.builder().build();
    TimestampAssigner<ParseResult> assigner = assigner();
    int i = 0;
    for (Map.Entry<String, byte[]> kind : kinds.entrySet()) {
      ParseResult expected = alone.parse(kind.getValue(), 0, kind.getValue().length);
      ParseResult got = out.get(i++).result();
      assertInstanceOf(ParseResult.Rejected.class, got, kind.getKey());
      assertEquals(expected.rejection().reason(), got.rejection().reason(), kind.getKey());
      assertEquals(words(expected), words(got), kind.getKey());
      assertEquals(expected.rejection().rawLine(), got.rejection().rawLine(), kind.getKey());
      assertEquals(SourceWatermarks.UNREADABLE, assigner.extractTimestamp(got, 42L), kind.getKey());
    }
  }

  @Test
  void pollNext_invalidUtf8_rejectedWithItsByteOffset() throws Exception {
    byte[] invalid =
        ("{\"timestamp\":" + T0 + ",\"account_id\":\"a\u00ff\"}")
            .getBytes(StandardCharsets.ISO_8859_1);
    ParseResult r = read(List.of(main(invalid))).get(0).result();
    assertEquals(RejectReason.MALFORMED_JSON, r.rejection().reason());
    assertTrue(r.rejection().message().contains("invalid UTF-8 (byte 0xFF) at byte"), r.toString());
  }

  @Test
  void pollNext_truncatedFileLine_rejectedTooLongWithItsTrueSize() throws Exception {
    // A file line over the maximum length, of which the format kept a prefix.
    RawLine prefix =
        new RawLine(("{\"timestamp\":" + T0 + ",\"account_id\":\"a\"").getBytes(), 10L << 20);
    ParseResult r = read(List.of(new Line(null, prefix, null))).get(0).result();
    assertEquals(RejectReason.TOO_LONG, r.rejection().reason());
    assertTrue(r.rejection().rawLine().endsWith("...(" + (10L << 20) + " bytes)"), r.toString());
  }

  @Test
  void pollNext_validLines_acceptedWithTheirEventTime() throws Exception {
    List<Out> out =
        read(
            List.of(
                main(record(T0, "a")),
                main("{\"account_id\":\"b\",\"timestamp\":\"2026-04-15T02:00:01.5+02:00\"}")));
    assertEquals("a", out.get(0).result().exchange().accountId());
    assertEquals(T0, assigner().extractTimestamp(out.get(0).result(), 42L));
    assertEquals(T0 + 1_500, assigner().extractTimestamp(out.get(1).result(), 42L));
    assertEquals(null, out.get(0).timestamp(), "collect(line) stays collect(result)");
  }

  @Test
  void pollNext_splitOutputs_resultsGoToTheLinesSplitWithItsTimestamp() throws Exception {
    List<Out> out =
        read(
            List.of(
                split("p0", record(T0, "a"), 7L),
                split("p1", record(T0 + 1_000, "b"), 8L),
                main(record(T0 + 2_000, "c"))));
    assertEquals(new Out("p0", out.get(0).result(), 7L), out.get(0));
    assertEquals(new Out("p1", out.get(1).result(), 8L), out.get(1));
    assertEquals(new Out(null, out.get(2).result(), null), out.get(2));
    assertEquals("b", out.get(1).result().exchange().accountId());
  }

  @Test
  void pollNext_streamTimeCheck_spansEverySplitOfTheReader() throws Exception {
    // One parser per reader, as the parse stage had one per subtask: a record more than a day
    // ahead of what another split already brought is rejected, whichever split it comes on.
    long twoDays = Duration.ofDays(2).toMillis();
    List<Out> out =
        read(
            List.of(
                split("p0", record(T0, "a"), 0L),
                split("p1", record(T0 + twoDays, "b"), 0L),
                split("p1", record(T0 + 1_000, "c"), 0L)));
    assertTrue(out.get(0).result().isAccepted());
    assertEquals(RejectReason.IMPOSSIBLE_VALUE, out.get(1).result().rejection().reason());
    assertTrue(out.get(1).result().rejection().message().contains("stream time"));
    assertTrue(out.get(2).result().isAccepted());
  }

  @Test
  void reader_everythingButRecords_passesThroughToTheInnerReader() throws Exception {
    Scripted inner = new Scripted(List.of());
    ParsingSource<Split, Void> source = ParsingSource.of(inner);
    assertEquals(Boundedness.BOUNDED, source.getBoundedness());
    assertSame(inner.splits, source.getSplitSerializer());
    SourceReader<ParseResult, Split> reader = source.createReader(null);
    Split s = new Split("p0");
    reader.addSplits(List.of(s));
    assertEquals(List.of(s), reader.snapshotState(3));
    reader.notifyNoMoreSplits();
    reader.notifyCheckpointComplete(3);
    reader.notifyCheckpointAborted(4);
    reader.pauseOrResumeSplits(List.of("p0"), List.of());
    assertSame(inner.reader.available, reader.isAvailable());
    Recorder out = new Recorder();
    assertEquals(InputStatus.END_OF_INPUT, reader.pollNext(out));
    reader.close();
    assertEquals(
        List.of(
            "addSplits",
            "snapshot 3",
            "noMoreSplits",
            "complete 3",
            "aborted 4",
            "pause [p0]",
            "close"),
        inner.reader.calls);
    assertTrue(out.idle, "markIdle passes through");
    assertFalse(out.watermarks.isEmpty(), "watermarks pass through");
  }

  /** The rejection's message, the wall clock it names (a few ms apart in two parsers) left out. */
  private static String words(ParseResult r) {
    return r.rejection().message().replaceAll("wall clock \\([^)]*\\)", "wall clock (now)");
  }

  private static TimestampAssigner<ParseResult> assigner() {
    return SourceWatermarks.of(Duration.ofSeconds(60), Duration.ofSeconds(30))
        .createTimestampAssigner(
            new TimestampAssignerSupplier.Context() {
              @Override
              public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
              }
            });
  }

  record Split(String splitId) implements SourceSplit {}

  /** A source whose reader emits the given lines, one per pollNext, then idles and ends. */
  private static final class Scripted implements Source<RawLine, Split, Void> {
    final List<Line> lines;
    final SimpleVersionedSerializer<Split> splits =
        new SimpleVersionedSerializer<>() {
          @Override
          public int getVersion() {
            return 1;
          }

          @Override
          public byte[] serialize(Split s) {
            return s.splitId().getBytes(StandardCharsets.UTF_8);
          }

          @Override
          public Split deserialize(int version, byte[] bytes) {
            return new Split(new String(bytes, StandardCharsets.UTF_8));
          }
        };
    ScriptedReader reader;

    Scripted(List<Line> lines) {
      this.lines = lines;
    }

    @Override
    public Boundedness getBoundedness() {
      return Boundedness.BOUNDED;
    }

    @Override
    public SourceReader<RawLine, Split> createReader(SourceReaderContext context) {
      return reader = new ScriptedReader(lines);
    }

    @Override
    public SplitEnumerator<Split, Void> createEnumerator(SplitEnumeratorContext<Split> context) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SplitEnumerator<Split, Void> restoreEnumerator(
        SplitEnumeratorContext<Split> context, Void checkpoint) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SimpleVersionedSerializer<Split> getSplitSerializer() {
      return splits;
    }

    @Override
    public SimpleVersionedSerializer<Void> getEnumeratorCheckpointSerializer() {
      throw new UnsupportedOperationException();
    }
  }

  private static final class ScriptedReader implements SourceReader<RawLine, Split> {
    final Deque<Line> lines;
    final List<String> calls = new ArrayList<>();
    final CompletableFuture<Void> available = new CompletableFuture<>();
    final List<Split> splits = new ArrayList<>();

    ScriptedReader(List<Line> lines) {
      this.lines = new ArrayDeque<>(lines);
    }

    @Override
    public void start() {}

    @Override
    public InputStatus pollNext(ReaderOutput<RawLine> out) {
      Line l = lines.poll();
      if (l == null) {
        out.emitWatermark(new Watermark(T0));
        out.markIdle();
        return InputStatus.END_OF_INPUT;
      }
      SourceOutput<RawLine> to = l.split() == null ? out : out.createOutputForSplit(l.split());
      if (l.timestamp() == null) {
        to.collect(l.line());
      } else {
        to.collect(l.line(), l.timestamp());
      }
      return lines.isEmpty() ? InputStatus.END_OF_INPUT : InputStatus.MORE_AVAILABLE;
    }

    @Override
    public List<Split> snapshotState(long checkpointId) {
      calls.add("snapshot " + checkpointId);
      return List.copyOf(splits);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
      return available;
    }

    @Override
    public void addSplits(List<Split> added) {
      calls.add("addSplits");
      splits.addAll(added);
    }

    @Override
    public void notifyNoMoreSplits() {
      calls.add("noMoreSplits");
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      calls.add("complete " + checkpointId);
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) {
      calls.add("aborted " + checkpointId);
    }

    @Override
    public void pauseOrResumeSplits(Collection<String> pause, Collection<String> resume) {
      calls.add("pause " + pause);
    }

    @Override
    public void close() {
      calls.add("close");
    }
  }

  /** The operator's side: records per output, watermarks and idleness. */
  private static final class Recorder implements ReaderOutput<ParseResult> {
    final List<Out> records = new ArrayList<>();
    final List<Long> watermarks = new ArrayList<>();
    boolean idle;

    @Override
    public void collect(ParseResult r) {
      records.add(new Out(null, r, null));
    }

    @Override
    public void collect(ParseResult r, long timestamp) {
      records.add(new Out(null, r, timestamp));
    }

    @Override
    public void emitWatermark(Watermark watermark) {
      watermarks.add(watermark.getTimestamp());
    }

    @Override
    public void markIdle() {
      idle = true;
    }

    @Override
    public void markActive() {
      idle = false;
    }

    @Override
    public SourceOutput<ParseResult> createOutputForSplit(String splitId) {
      return new SourceOutput<>() {
        @Override
        public void collect(ParseResult r) {
          records.add(new Out(splitId, r, null));
        }

        @Override
        public void collect(ParseResult r, long timestamp) {
          records.add(new Out(splitId, r, timestamp));
        }

        @Override
        public void emitWatermark(Watermark watermark) {
          watermarks.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}
      };
    }

    @Override
    public void releaseOutputForSplit(String splitId) {}
  }
}
