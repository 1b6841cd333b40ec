package io.distillwatch.core.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Reads JSON lines as bytes and feeds each line to an {@link ExchangeParser}.
 *
 * <p>Lines end at LF; a CR before the LF is dropped. Lines that are empty or only spaces, tabs and
 * CRs are skipped and not counted; every other line gives exactly one {@link ParseResult}, so
 * {@code records() == parser.accepted() + parser.rejected()} when the parser reads only this input.
 *
 * <p>Bytes are never decoded here, so invalid UTF-8 reaches the parser and is rejected there. A
 * line longer than the parser's {@link ExchangeParser#maxLineBytes()} is not held in memory: at
 * most that many bytes are buffered, the rest is counted and dropped, and the line is rejected as
 * {@link RejectReason#TOO_LONG} with a prefix of the raw line and its total size.
 *
 * <p>Not thread-safe. Closing the reader closes the input stream.
 */
public final class JsonLinesReader implements Closeable {
  private static final int CHUNK_BYTES = 64 * 1024;

  private final InputStream in;
  private final ExchangeParser parser;
  private final int maxLineBytes;
  private final byte[] chunk = new byte[CHUNK_BYTES];
  private int pos;
  private int limit;
  private boolean eof;

  /** Holds up to maxLineBytes + 1 bytes of the current line (the +1 being a possible CR). */
  private byte[] line = new byte[1024];

  private int lineLen;
  private long lineTotal;
  private byte lastByte;
  private long records;

  /** A reader of the stream; it takes ownership of the stream. */
  public JsonLinesReader(InputStream in, ExchangeParser parser) {
    this.in = Objects.requireNonNull(in, "in");
    this.parser = Objects.requireNonNull(parser, "parser");
    this.maxLineBytes = parser.maxLineBytes();
  }

  /** A reader of the file. */
  public static JsonLinesReader open(Path file, ExchangeParser parser) throws IOException {
    return new JsonLinesReader(Files.newInputStream(file), parser);
  }

  /** The result for the next non-blank line, or {@code null} at the end of the input. */
  public ParseResult next() throws IOException {
    while (readLine()) {
      long total = lineTotal;
      int len = lineLen;
      if (lastByte == '\r') { // CRLF: the CR is part of the terminator, not of the line
        total--;
        if (len > total) {
          len--;
        }
      }
      if (isBlank(line, len, total)) {
        continue;
      }
      records++;
      if (total > maxLineBytes) {
        return parser.rejectTooLong(line, 0, lineLen, total);
      }
      return parser.parse(line, 0, len);
    }
    return null;
  }

  /** Feeds every remaining line's result to the sink. */
  public void forEach(Consumer<? super ParseResult> sink) throws IOException {
    ParseResult r;
    while ((r = next()) != null) {
      sink.accept(r);
    }
  }

  /** Non-blank lines read so far; each gave one result. */
  public long records() {
    return records;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** Reads the next line into {@link #line}; false at the end of the input. */
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
      int start = pos;
      int end = limit;
      int nl = -1;
      for (int i = start; i < end; i++) {
        if (chunk[i] == '\n') {
          nl = i;
          break;
        }
      }
      int segEnd = nl >= 0 ? nl : end;
      append(start, segEnd - start);
      if (nl >= 0) {
        pos = nl + 1;
        return true;
      }
      pos = end;
    }
  }

  private boolean fill() throws IOException {
    int n = in.read(chunk, 0, chunk.length);
    while (n == 0) {
      n = in.read(chunk, 0, chunk.length);
    }
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
    int room = maxLineBytes + 1 - lineLen;
    int keep = Math.min(n, Math.max(room, 0));
    if (keep == 0) {
      return;
    }
    if (lineLen + keep > line.length) {
      long grown = Math.max((long) line.length * 2, (long) lineLen + keep);
      line = java.util.Arrays.copyOf(line, (int) Math.min(grown, (long) maxLineBytes + 1));
    }
    System.arraycopy(chunk, from, line, lineLen, keep);
    lineLen += keep;
  }

  /** Blank means only spaces, tabs and CRs; a too-long line is never blank here. */
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
