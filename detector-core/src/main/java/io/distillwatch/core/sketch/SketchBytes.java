package io.distillwatch.core.sketch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The envelope shared by every serialized sketch. All integers are little-endian.
 *
 * <pre>
 * offset  size  field
 *   0      1    format version, per family (HyperLogLog: 2, older 1 still read; others: 1)
 *   1      1    family id: 1 HyperLogLog, 2 CountMinSketch, 3 SpaceSaving, 4 MinHash
 *   2      ..   family parameters, then payload (drawn in each family's class)
 *   n-4    4    CRC32C of bytes [0, n-4)
 * </pre>
 *
 * The checksum is what lets {@code fromBytes} promise it never returns a wrong sketch: structural
 * checks catch truncation and out-of-range values, but a flipped bit inside a register would
 * otherwise decode to a plausible, silently different sketch.
 */
final class SketchBytes {
  static final byte VERSION = 1;
  static final byte FAMILY_HLL = 1;
  static final byte FAMILY_CMS = 2;
  static final byte FAMILY_SPACE_SAVING = 3;
  static final byte FAMILY_MINHASH = 4;
  static final int HEADER = 2;
  static final int CHECKSUM = 4;

  private SketchBytes() {}

  /** A little-endian buffer with the header written and room for the body and checksum. */
  static ByteBuffer writer(byte family, int bodyBytes) {
    return writer(family, VERSION, bodyBytes);
  }

  /** As {@link #writer(byte, int)} for a family whose format has moved past version 1. */
  static ByteBuffer writer(byte family, byte version, int bodyBytes) {
    ByteBuffer buf = ByteBuffer.allocate(HEADER + bodyBytes + CHECKSUM);
    buf.order(ByteOrder.LITTLE_ENDIAN);
    buf.put(version).put(family);
    return buf;
  }

  /** Appends the checksum and returns the array. */
  static byte[] seal(ByteBuffer buf) {
    if (buf.remaining() != CHECKSUM) {
      throw new IllegalStateException("body size mismatch: " + buf.remaining() + " bytes left");
    }
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), 0, buf.position());
    buf.putInt((int) crc.getValue());
    return buf.array();
  }

  /**
   * Checks version, family and minimum length, and returns a buffer positioned after the header.
   * The checksum is verified separately by {@link #verify} once the expected length is known.
   */
  static ByteBuffer reader(byte[] bytes, byte family, String name, int minBodyBytes) {
    return reader(bytes, family, name, minBodyBytes, VERSION);
  }

  /**
   * As {@link #reader(byte[], byte, String, int)}, accepting every format version from 1 to {@code
   * newestVersion}; the caller dispatches on {@code bytes[0]} and must check the version-specific
   * length (with {@link #verify}) before reading past {@code minBodyBytes}.
   */
  static ByteBuffer reader(
      byte[] bytes, byte family, String name, int minBodyBytes, byte newestVersion) {
    if (bytes == null) {
      throw new SketchFormatException(name + ": bytes are null");
    }
    if (bytes.length < HEADER + CHECKSUM + minBodyBytes) {
      throw new SketchFormatException(
          name
              + ": truncated, "
              + bytes.length
              + " bytes but at least "
              + (HEADER + CHECKSUM + minBodyBytes)
              + " needed");
    }
    if (bytes[1] != family) {
      throw new SketchFormatException(
          name + ": wrong family id " + bytes[1] + ", expected " + family);
    }
    if (bytes[0] < 1 || bytes[0] > newestVersion) {
      throw new SketchFormatException(
          name
              + ": unsupported format version "
              + bytes[0]
              + ", this code reads "
              + (newestVersion == 1 ? "1" : "1 to " + newestVersion));
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    buf.position(HEADER);
    return buf;
  }

  /** Checks the total length against the one implied by the parameters, then the checksum. */
  static void verify(byte[] bytes, int bodyBytes, String name) {
    int expected = HEADER + bodyBytes + CHECKSUM;
    if (bytes.length != expected) {
      throw new SketchFormatException(
          name + ": wrong length " + bytes.length + ", parameters imply " + expected);
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - CHECKSUM);
    int stored = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(expected - CHECKSUM);
    if (stored != (int) crc.getValue()) {
      throw new SketchFormatException(name + ": checksum mismatch, bytes are corrupt");
    }
  }

  static SketchFormatException bad(String name, String what) {
    return new SketchFormatException(name + ": " + what);
  }
}
