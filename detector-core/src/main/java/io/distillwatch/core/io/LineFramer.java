package io.distillwatch.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * Splits a byte stream into JSON lines without decoding them: the framing shared by {@link
 * JsonLinesReader} and the Flink job's file format, so the replay and the job see the same records.
 *
 * <ul>
 *   <li>Lines end at LF only; a CR right before the LF belongs to the terminator and is dropped. A
 *       lone CR stays in the line (the parser rejects it as a control character).
 *   <li>Blank lines (empty, or only spaces, tabs and CRs) are skipped: {@link #next} never stops on
 *       one.
 *   <li>Bytes are never decoded here, so invalid UTF-8 reaches the parser and is rejected there.
 *   <li>A line longer than {@code maxLineBytes} is not held in memory: at most {@code maxLineBytes
 *       + 1} bytes of it are buffered, the rest counted and dropped; {@link #tooLong} says so and
 *       {@link #totalBytes} is still its full length.
 * </ul>
 *
 * <p>Typical use: {@code while (framer.next()) { framer.tooLong() ? reject(framer.bytes(),
 * framer.length(), framer.totalBytes()) : parse(framer.bytes(), 0, framer.length()); }}. The bytes
 * stay valid until the next call of {@link #next}. Not thread-safe; it does not close the stream.
 */
public final class LineFramer {
  private static final int CHUNK_BYTES = 64 * 1024;

  private final InputStream in;
  private final int maxLineBytes;
  private final byte[] chunk = new byte[CHUNK_BYTES];
  private int pos;
  private int limit;
  private boolean eof;

  /** Holds up to maxLineBytes + 1 bytes of the current line (the +1 being a possible CR). */
  private byte[] line = new byte[1024];

  /** Bytes of the line read into {@link #line}, and the line's full length, both with the CR. */
  private int lineLen;

  private long lineTotal;
  private byte lastByte;

  /** The current line's bytes held and full length, without the CR of a CRLF. */
  private int len;

  private long total;

  /**
   * A framer of the stream.
   *
   * @param maxLineBytes longest line held whole; longer lines are {@link #tooLong}
   */
  public LineFramer(InputStream in, int maxLineBytes) {
    this.in = Objects.requireNonNull(in, "in");
    this.maxLineBytes = maxLineBytes;
  }

  /** Advances to the next non-blank line; false at the end of the input. */
  public boolean next() throws IOException {
    while (readLine()) {
      total = lineTotal;
      len = lineLen;
      if (lastByte == '\r') { // CRLF: the CR is part of the terminator, not of the line
        total--;
        if (len > total) {
          len--;
        }
      }
      if (!isBlank(line, len, total)) {
        return true;
      }
    }
    len = 0;
    total = 0;
    return false;
  }

  /**
   * The current line's bytes, from index 0 to {@link #length()}: the whole line, or its first
   * {@code maxLineBytes + 1} bytes if it is {@link #tooLong}. Overwritten by {@link #next}.
   */
  public byte[] bytes() {
    return line;
  }

  /** How many bytes of the current line {@link #bytes()} holds. */
  public int length() {
    return len;
  }

  /** The current line's full length in bytes, without its terminator. */
  public long totalBytes() {
    return total;
  }

  /** Whether the current line is longer than {@code maxLineBytes}, so only a prefix is held. */
  public boolean tooLong() {
    return total > maxLineBytes;
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
      line = Arrays.copyOf(line, (int) Math.min(grown, (long) maxLineBytes + 1));
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
