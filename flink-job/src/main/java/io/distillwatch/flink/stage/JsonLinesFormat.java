package io.distillwatch.flink.stage;

import io.distillwatch.core.io.ExchangeParser;
import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * JSON lines as {@link RawLine}s, framed exactly as detector-core's {@code JsonLinesReader} frames
 * them for the replay, so the job and the replay see the same records:
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
  static final int PREFIX_BYTES = 256;

  private static final int CHUNK_BYTES = 64 * 1024;

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
    private final int maxLineBytes;
    private final byte[] chunk = new byte[CHUNK_BYTES];
    private int pos;
    private int limit;
    private boolean eof;
    private byte[] line = new byte[1024];
    private int lineLen;
    private long lineTotal;
    private byte lastByte;

    Reader(FSDataInputStream in, int maxLineBytes) {
      this.in = in;
      this.maxLineBytes = maxLineBytes;
    }

    @Override
    public RawLine read() throws IOException {
      while (readLine()) {
        long total = lineTotal;
        int len = lineLen;
        if (lastByte == '\r') { // CRLF: the CR belongs to the terminator
          total--;
          if (len > total) {
            len--;
          }
        }
        if (isBlank(line, len, total)) {
          continue;
        }
        if (total > maxLineBytes) {
          return new RawLine(Arrays.copyOf(line, Math.min(len, PREFIX_BYTES)), total);
        }
        return RawLine.of(Arrays.copyOf(line, len));
      }
      return null;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }

    private boolean readLine() throws IOException {
      lineLen = 0;
      lineTotal = 0;
      lastByte = 0;
      while (true) {
        if (pos == limit) {
          if (eof || !fill()) {
            return lineTotal > 0;
          }
        }
        int nl = -1;
        for (int i = pos; i < limit; i++) {
          if (chunk[i] == '\n') {
            nl = i;
            break;
          }
        }
        int segEnd = nl >= 0 ? nl : limit;
        append(pos, segEnd - pos);
        if (nl >= 0) {
          pos = nl + 1;
          return true;
        }
        pos = limit;
      }
    }

    private boolean fill() throws IOException {
      int n;
      do {
        n = in.read(chunk, 0, chunk.length);
      } while (n == 0);
      if (n < 0) {
        eof = true;
        pos = limit = 0;
        return false;
      }
      pos = 0;
      limit = n;
      return true;
    }

    /** Appends a segment, keeping at most maxLineBytes + 1 bytes; counts all of them. */
    private void append(int from, int n) {
      if (n == 0) {
        return;
      }
      lastByte = chunk[from + n - 1];
      lineTotal += n;
      int keep = Math.min(n, Math.max(maxLineBytes + 1 - lineLen, 0));
      if (keep == 0) {
        return;
      }
      if (lineLen + keep > line.length) {
        long grown = Math.max((long) line.length * 2, (long) lineLen + keep);
        line = Arrays.copyOf(line, (int) Math.min(grown, (long) maxLineBytes + 1));
      }
      System.arraycopy(chunk, from, line, lineLen, keep);
      lineLen += keep;
    }

    private static boolean isBlank(byte[] b, int len, long total) {
      if (total != len) {
        return false;
      }
      for (int i = 0; i < len; i++) {
        byte c = b[i];
        if (c != ' ' && c != '\t' && c != '\r') {
          return false;
        }
      }
      return true;
    }
  }
}
