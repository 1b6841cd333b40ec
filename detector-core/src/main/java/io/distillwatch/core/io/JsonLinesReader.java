package io.distillwatch.core.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Reads JSON lines as bytes and feeds each line to an {@link ExchangeParser}; the lines are framed
 * by a {@link LineFramer}.
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
  private final InputStream in;
  private final ExchangeParser parser;
  private final LineFramer lines;
  private long records;

  /** A reader of the stream; it takes ownership of the stream. */
  public JsonLinesReader(InputStream in, ExchangeParser parser) {
    this.in = Objects.requireNonNull(in, "in");
    this.parser = Objects.requireNonNull(parser, "parser");
    this.lines = new LineFramer(in, parser.maxLineBytes());
  }

  /** A reader of the file. */
  public static JsonLinesReader open(Path file, ExchangeParser parser) throws IOException {
    return new JsonLinesReader(Files.newInputStream(file), parser);
  }

  /** The result for the next non-blank line, or {@code null} at the end of the input. */
  public ParseResult next() throws IOException {
    if (!lines.next()) {
      return null;
    }
    records++;
    if (lines.tooLong()) {
      return parser.rejectTooLong(lines.bytes(), 0, lines.length(), lines.totalBytes());
    }
    return parser.parse(lines.bytes(), 0, lines.length());
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
}
