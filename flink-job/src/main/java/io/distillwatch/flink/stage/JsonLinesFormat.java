package io.distillwatch.flink.stage;

import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.core.io.LineFramer;
import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * JSON lines as {@link RawLine}s, framed by detector-core's {@link LineFramer}, as its {@code
 * JsonLinesReader} frames them for the replay, so the job and the replay see the same records:
 *
 * <ul>
 *   <li>Lines end at LF only; a CR right before the LF is dropped. A lone CR stays in the line (the
 *       parser rejects it as a control character), unlike Flink's {@code TextLineInputFormat},
 *       whose {@code BufferedReader} would split the line there.
 *   <li>Blank lines (only spaces, tabs and CRs) are skipped and not counted.
 *   <li>Bytes are never decoded here: invalid UTF-8 reaches the parser and is rejected with its
 *       byte offset, instead of being replaced by U+FFFD and possibly accepted.
 *   <li>A line longer than {@code maxLineBytes} is not held in memory: its first {@value
 *       #PREFIX_BYTES} bytes are kept, the rest counted and dropped.
 * </ul>
 *
 * <p>Not splittable: a file is one split, read in order (the order the replay reads it). On
 * restore, Flink reopens the file and skips the records already emitted.
 */
public final class JsonLinesFormat extends SimpleStreamFormat<RawLine> {
  private static final long serialVersionUID = 1L;

  /** Bytes kept of an over-long line: as many as the parser keeps in a rejection's raw text. */
  static final int PREFIX_BYTES = ExchangeParser.RAW_PREFIX_BYTES;

  private final int maxLineBytes;

  public JsonLinesFormat() {
    this(ExchangeParser.DEFAULT_MAX_LINE_BYTES);
  }

  public JsonLinesFormat(int maxLineBytes) {
    this.maxLineBytes = maxLineBytes;
  }

  @Override
  public StreamFormat.Reader<RawLine> createReader(Configuration config, FSDataInputStream in) {
    return new Reader(in, maxLineBytes);
  }

  @Override
  public TypeInformation<RawLine> getProducedType() {
    return ParseExchanges.RAW_LINE;
  }

  static final class Reader implements StreamFormat.Reader<RawLine> {
    private final FSDataInputStream in;
    private final LineFramer lines;

    Reader(FSDataInputStream in, int maxLineBytes) {
      this.in = in;
      this.lines = new LineFramer(in, maxLineBytes);
    }

    @Override
    public RawLine read() throws IOException {
      if (!lines.next()) {
        return null;
      }
      if (lines.tooLong()) {
        return new RawLine(
            Arrays.copyOf(lines.bytes(), Math.min(lines.length(), PREFIX_BYTES)),
            lines.totalBytes());
      }
      return RawLine.of(Arrays.copyOf(lines.bytes(), lines.length()));
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
