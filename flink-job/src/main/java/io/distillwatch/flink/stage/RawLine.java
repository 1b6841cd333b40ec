package io.distillwatch.flink.stage;

import java.util.Arrays;

/**
 * One input record as its undecoded bytes, so that invalid UTF-8 reaches {@link ExchangeParser} and
 * is rejected there rather than silently replaced by a decoder (Flink's {@code TextLineInputFormat}
 * and {@code SimpleStringSchema} both replace it with U+FFFD).
 *
 * <p>{@code totalBytes} is the record's full length. It exceeds {@code bytes.length} only for a
 * file line longer than the parser's maximum: then {@code bytes} holds just a prefix, so a 5 GB
 * line costs no more memory than a short one, and the rejection still names the true size.
 *
 * <p>A POJO for Flink (public fields, no-arg constructor), so it needs no generic serializer.
 */
public final class RawLine {
  public byte[] bytes;
  public long totalBytes;

  public RawLine() {}

  public RawLine(byte[] bytes, long totalBytes) {
    this.bytes = bytes;
    this.totalBytes = totalBytes;
  }

  /** A whole record. */
  public static RawLine of(byte[] bytes) {
    return new RawLine(bytes, bytes.length);
  }

  /** True if {@link #bytes} is only a prefix of the record. */
  public boolean truncated() {
    return totalBytes > bytes.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RawLine r && r.totalBytes == totalBytes && Arrays.equals(r.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(bytes) + Long.hashCode(totalBytes);
  }

  @Override
  public String toString() {
    return "RawLine(" + totalBytes + " bytes)"; // never the content: it may be anything
  }
}
