package io.distillwatch.core.io;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Compact binary form of {@link Exchange}, for engines that move exchanges between machines (the
 * Flink job's serializer) or persist them. Every exchange round-trips exactly: absent fields stay
 * {@code null}, any string (including lone surrogates and strings of any length) comes back equal.
 *
 * <p>{@link #write} writes the body in the current {@link #VERSION}; {@link #read(DataInput, int)}
 * reads the body of a given version, so a reader that recorded the version once (a serializer
 * snapshot) need not repeat it per record. {@link #toBytes}/{@link #fromBytes} add a version byte
 * first for standalone blobs. Corrupt input throws {@link IOException}, never a wrong exchange.
 *
 * <p>Version 1 body:
 *
 * <pre>
 * long    timestamp
 * string  accountId
 * byte    presence bits of orgId, ip, asn, userAgent, paymentFingerprint, model, templateHash,
 *         promptHash (bit 0 = orgId); each present one follows as a string, in that order
 * varlong inputTokens, varlong outputTokens
 * byte    category ordinal | 0x80 if reasoningRequested
 * varint  toolCalls, varint status
 * string: varint char count, then each char as 1-3 bytes (modified UTF-8 without the 64 KiB
 *         limit: surrogates are written one by one, so any Java string round-trips)
 * </pre>
 */
public final class ExchangeCodec {
  /** Version of the form {@link #write} writes. */
  public static final int VERSION = 1;

  /** Longest string accepted when reading: corrupt lengths fail instead of allocating. */
  static final int MAX_STRING_CHARS = 16 << 20;

  private ExchangeCodec() {}

  /** Writes {@code e} in the current version, without a version byte. */
  public static void write(Exchange e, DataOutput out) throws IOException {
    out.writeLong(e.timestamp());
    writeString(e.accountId(), out);
    String[] optional = optional(e);
    int presence = 0;
    for (int i = 0; i < optional.length; i++) {
      if (optional[i] != null) {
        presence |= 1 << i;
      }
    }
    out.writeByte(presence);
    for (String s : optional) {
      if (s != null) {
        writeString(s, out);
      }
    }
    writeVarLong(e.inputTokens(), out);
    writeVarLong(e.outputTokens(), out);
    out.writeByte(e.category().ordinal() | (e.reasoningRequested() ? 0x80 : 0));
    writeVarLong(e.toolCalls(), out);
    writeVarLong(e.status() & 0xFFFF_FFFFL, out);
  }

  /** Reads an exchange written by {@link #write} in the current version. */
  public static Exchange read(DataInput in) throws IOException {
    return read(in, VERSION);
  }

  /**
   * Reads an exchange written in {@code version}.
   *
   * @throws IOException if the version is unknown or the data is corrupt or truncated
   */
  public static Exchange read(DataInput in, int version) throws IOException {
    if (version != 1) {
      throw new IOException("unknown exchange form version " + version + " (known: 1)");
    }
    long timestamp = in.readLong();
    String accountId = readString(in);
    int presence = in.readUnsignedByte();
    String[] optional = new String[8];
    for (int i = 0; i < optional.length; i++) {
      if ((presence & (1 << i)) != 0) {
        optional[i] = readString(in);
      }
    }
    long inputTokens = readVarLong(in);
    long outputTokens = readVarLong(in);
    int flags = in.readUnsignedByte();
    int category = flags & 0x7F;
    if (category >= Category.values().length) {
      throw new IOException("corrupt exchange: category ordinal " + category);
    }
    long toolCalls = readVarLong(in);
    long status = readVarLong(in);
    if (toolCalls > Integer.MAX_VALUE || status > 0xFFFF_FFFFL) {
      throw new IOException("corrupt exchange: tool calls " + toolCalls + ", status " + status);
    }
    try {
      return new Exchange(
          timestamp,
          accountId,
          optional[0],
          optional[1],
          optional[2],
          optional[3],
          optional[4],
          optional[5],
          inputTokens,
          outputTokens,
          optional[6],
          optional[7],
          Category.ofOrdinal(category),
          (flags & 0x80) != 0,
          (int) toolCalls,
          (int) status);
    } catch (IllegalArgumentException | NullPointerException ex) {
      throw new IOException("corrupt exchange: " + ex.getMessage(), ex);
    }
  }

  /** A standalone blob: the version byte, then the body. */
  public static byte[] toBytes(Exchange e) {
    var bytes = new java.io.ByteArrayOutputStream(128);
    var out = new java.io.DataOutputStream(bytes);
    try {
      out.writeByte(VERSION);
      write(e, out);
      out.flush();
    } catch (IOException ex) {
      throw new java.io.UncheckedIOException(ex); // cannot happen in memory
    }
    return bytes.toByteArray();
  }

  /** Reads a blob of {@link #toBytes}; trailing bytes are corruption. */
  public static Exchange fromBytes(byte[] bytes) throws IOException {
    var stream = new java.io.ByteArrayInputStream(bytes);
    var in = new java.io.DataInputStream(stream);
    try {
      Exchange e = read(in, in.readUnsignedByte());
      if (stream.available() != 0) {
        throw new IOException("corrupt exchange: " + stream.available() + " trailing bytes");
      }
      return e;
    } catch (java.io.EOFException ex) {
      throw new IOException("corrupt exchange: truncated", ex);
    }
  }

  private static String[] optional(Exchange e) {
    return new String[] {
      e.orgId(),
      e.ip(),
      e.asn(),
      e.userAgent(),
      e.paymentFingerprint(),
      e.model(),
      e.templateHash(),
      e.promptHash()
    };
  }

  /**
   * Writes any string: its length in chars as a varint, then each char as 1 (U+0001..U+007F), 2
   * (U+0000, U+0080..U+07FF) or 3 bytes, surrogates one by one, as in modified UTF-8.
   *
   * <p>Implementation notes. Ids and hashes are nearly always ASCII: such a string goes out as one
   * array write instead of a virtual {@code writeByte} per char (the job serializes every exchange
   * once per shuffle, and this loop was its hottest part). The bytes are the same either way.
   */
  public static void writeString(String s, DataOutput out) throws IOException {
    int n = s.length();
    writeVarLong(n, out);
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      if (c == 0 || c > 0x7F) {
        break;
      }
      i++;
    }
    if (i == n) {
      out.write(s.getBytes(StandardCharsets.ISO_8859_1));
      return;
    }
    for (i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x0001 && c <= 0x007F) {
        out.writeByte(c);
      } else if (c <= 0x07FF) {
        out.writeByte(0xC0 | (c >> 6));
        out.writeByte(0x80 | (c & 0x3F));
      } else {
        out.writeByte(0xE0 | (c >> 12));
        out.writeByte(0x80 | ((c >> 6) & 0x3F));
        out.writeByte(0x80 | (c & 0x3F));
      }
    }
  }

  /**
   * Reads a string of {@link #writeString}; a malformed byte sequence is an IOException.
   *
   * <p>Implementation notes. A string of {@code n} chars takes at least {@code n} bytes, so the
   * first {@code n} are read in one call; when they are all single-byte chars (the usual case) they
   * are the string. Otherwise decoding goes on from the first multi-byte char, taking the rest of
   * those bytes first and then the stream's.
   */
  public static String readString(DataInput in) throws IOException {
    long n = readVarLong(in);
    if (n > MAX_STRING_CHARS) {
      throw new IOException("corrupt string: length " + n);
    }
    byte[] bytes = new byte[(int) n];
    in.readFully(bytes);
    int k = 0;
    while (k < bytes.length && bytes[k] >= 0) {
      k++;
    }
    if (k == bytes.length) {
      return new String(bytes, StandardCharsets.ISO_8859_1);
    }
    char[] chars = new char[bytes.length];
    for (int i = 0; i < k; i++) {
      chars[i] = (char) bytes[i];
    }
    Bytes src = new Bytes(bytes, k, in);
    for (int i = k; i < chars.length; i++) {
      int b = src.next();
      if (b < 0x80) {
        chars[i] = (char) b;
      } else if ((b & 0xE0) == 0xC0) {
        chars[i] = (char) (((b & 0x1F) << 6) | continuation(src.next()));
      } else if ((b & 0xF0) == 0xE0) {
        int hi = continuation(src.next());
        chars[i] = (char) (((b & 0x0F) << 12) | (hi << 6) | continuation(src.next()));
      } else {
        throw new IOException("corrupt string: lead byte 0x" + Integer.toHexString(b));
      }
    }
    return new String(chars);
  }

  /** The bytes already read for a string, then the stream's. */
  private static final class Bytes {
    private final byte[] read;
    private final DataInput in;
    private int pos;

    Bytes(byte[] read, int pos, DataInput in) {
      this.read = read;
      this.pos = pos;
      this.in = in;
    }

    int next() throws IOException {
      return pos < read.length ? read[pos++] & 0xFF : in.readUnsignedByte();
    }
  }

  private static int continuation(int b) throws IOException {
    if ((b & 0xC0) != 0x80) {
      throw new IOException("corrupt string: continuation byte 0x" + Integer.toHexString(b));
    }
    return b & 0x3F;
  }

  /** Unsigned LEB128; values are non-negative. */
  public static void writeVarLong(long v, DataOutput out) throws IOException {
    if (v < 0) {
      throw new IllegalArgumentException("varlong must be >= 0, got " + v);
    }
    while ((v & ~0x7FL) != 0) {
      out.writeByte((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.writeByte((int) v);
  }

  /** Reads a varlong of {@link #writeVarLong}; more than 9 bytes is corruption. */
  public static long readVarLong(DataInput in) throws IOException {
    long v = 0;
    for (int shift = 0; shift < 63; shift += 7) {
      int b = in.readUnsignedByte();
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new IOException("corrupt varlong: more than 9 bytes");
  }
}
