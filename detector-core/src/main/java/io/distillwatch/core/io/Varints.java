package io.distillwatch.core.io;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Variable-length integers for the serial forms of the primitives and the account profile: unsigned
 * LEB128 (7 bits a byte, low group first, the high bit set on every byte but the last) over all 64
 * bits, and zigzag for signed values.
 *
 * <p>Contract: {@link #writeUnsigned} writes any {@code long} as an unsigned 64-bit value in 1 to
 * 10 bytes (values below 128 in one, below 2^14 in two); {@link #readUnsigned} reads it back and
 * throws an {@link IOException} naming the corruption for more than 10 bytes or a tenth byte over
 * 1. {@link #writeSigned} maps {@code v} to {@code (v << 1) ^ (v >> 63)} first, so small negative
 * values stay short too, and {@link Long#MIN_VALUE} (the primitives' "nothing yet") takes 10 bytes.
 * {@link #readUnsignedInt} reads a value that must fit a non-negative {@code int}.
 *
 * <p>Implementation notes: a profile's counters and token totals are small (a few hundred to a few
 * million), its timestamps 41 bits, so these forms take 1 to 6 bytes where the fixed-width forms
 * took 4 or 8; the fixed-width forms are still read by every primitive (its version byte says
 * which). {@link ExchangeCodec#writeVarLong} is the same encoding restricted to non-negative values
 * and 9 bytes, kept for the exchange and alert forms.
 */
public final class Varints {
  private Varints() {}

  /** Writes {@code v} as an unsigned 64-bit varint, 1 to 10 bytes. */
  public static void writeUnsigned(long v, DataOutput out) throws IOException {
    while ((v & ~0x7FL) != 0) {
      out.writeByte((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.writeByte((int) v);
  }

  /** Reads a varint written by {@link #writeUnsigned}. */
  public static long readUnsigned(DataInput in) throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.readUnsignedByte();
      if (shift == 63 && b > 1) {
        throw new IOException("corrupt varint: tenth byte " + b + " overflows 64 bits");
      }
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new IOException("corrupt varint: more than 10 bytes");
  }

  /** Writes {@code v} zigzag-encoded: 1 byte for -64 to 63, 10 for {@link Long#MIN_VALUE}. */
  public static void writeSigned(long v, DataOutput out) throws IOException {
    writeUnsigned((v << 1) ^ (v >> 63), out);
  }

  /** Reads a value written by {@link #writeSigned}. */
  public static long readSigned(DataInput in) throws IOException {
    long z = readUnsigned(in);
    return (z >>> 1) ^ -(z & 1);
  }

  /** Reads a varint that must be a non-negative {@code int}; {@code what} names it in the error. */
  public static int readUnsignedInt(DataInput in, String what) throws IOException {
    long v = readUnsigned(in);
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw new IOException("corrupt " + what + ": " + Long.toUnsignedString(v) + " is not an int");
    }
    return (int) v;
  }

  /**
   * Reads a varint that must be a non-negative {@code long}; {@code what} names it in the error.
   */
  public static long readNonNegative(DataInput in, String what) throws IOException {
    long v = readUnsigned(in);
    if (v < 0) {
      throw new IOException("corrupt " + what + ": " + Long.toUnsignedString(v) + " is negative");
    }
    return v;
  }
}
