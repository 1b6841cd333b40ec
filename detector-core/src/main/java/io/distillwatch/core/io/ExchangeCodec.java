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

  /**
   * {@link #VERSION}, read when called: javac copies the constant into the classes that use it, so
   * code in another module (the Flink job's serializers) that names the constant keeps the value it
   * was compiled against until it is recompiled, while this method returns the binary form version
   * of the detector-core it runs with.
   */
  public static int version() {
    return VERSION;
  }

  /** Longest string accepted when reading: corrupt lengths fail instead of allocating. */
  static final int MAX_STRING_CHARS = 16 << 20;

  private ExchangeCodec() {}

  /**
   * Writes {@code e} in the current version, without a version byte: the bytes of {@link #encode},
   * in one write.
   */
  public static void write(Exchange e, DataOutput out) throws IOException {
    out.write(encode(e));
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

  /**
   * The body of {@link #write} as an array of exactly its length: the same bytes, made in one pass
   * over a buffer sized up front.
   *
   * <p>Implementation notes. Engines that keep an exchange as bytes (the Flink job moves the body
   * through its prompt stage without decoding it) encode once per exchange; writing through a
   * {@link DataOutput} costs a virtual call per byte, which profiling showed as the hottest part of
   * the job's source.
   */
  public static byte[] encode(Exchange e) {
    String[] optional = optional(e);
    String account = e.accountId();
    int accountSize = stringSize(account);
    int size = 8 + 1 + 1 + accountSize;
    int presence = 0;
    int ascii = 0; // the optional strings of one byte per char, which putString copies at once
    for (int i = 0; i < optional.length; i++) {
      String s = optional[i];
      if (s != null) {
        presence |= 1 << i;
        int stringSize = stringSize(s);
        size += stringSize;
        if (stringSize == varLongSize(s.length()) + s.length()) {
          ascii |= 1 << i;
        }
      }
    }
    long status = e.status() & 0xFFFF_FFFFL;
    size +=
        varLongSize(e.inputTokens())
            + varLongSize(e.outputTokens())
            + varLongSize(e.toolCalls())
            + varLongSize(status);
    byte[] b = new byte[size];
    long t = e.timestamp();
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (t >>> (56 - 8 * i));
    }
    int pos =
        putString(account, accountSize == varLongSize(account.length()) + account.length(), b, 8);
    b[pos++] = (byte) presence;
    for (int i = 0; i < optional.length; i++) {
      if (optional[i] != null) {
        pos = putString(optional[i], (ascii & (1 << i)) != 0, b, pos);
      }
    }
    pos = putVarLong(e.inputTokens(), b, pos);
    pos = putVarLong(e.outputTokens(), b, pos);
    b[pos++] = (byte) (e.category().ordinal() | (e.reasoningRequested() ? 0x80 : 0));
    pos = putVarLong(e.toolCalls(), b, pos);
    pos = putVarLong(status, b, pos);
    if (pos != size) {
      throw new IllegalStateException("exchange encoded to " + pos + " bytes, sized " + size);
    }
    return b;
  }

  /**
   * Reads a body of {@link #encode} (form {@link #VERSION}) that fills {@code body} exactly.
   *
   * @throws IOException if the body is corrupt or truncated, or has trailing bytes
   */
  public static Exchange decode(byte[] body) throws IOException {
    ArrayInput in = new ArrayInput(body, 0);
    Exchange e = read(in, VERSION);
    if (in.pos != body.length) {
      throw new IOException("corrupt exchange: " + (body.length - in.pos) + " trailing bytes");
    }
    return e;
  }

  /** The event time of a body of {@link #encode}, without decoding the rest. */
  public static long timestampOf(byte[] body) throws IOException {
    if (body.length < 8) {
      throw new IOException("corrupt exchange: " + body.length + " bytes");
    }
    long t = 0;
    for (int i = 0; i < 8; i++) {
      t = (t << 8) | (body[i] & 0xFFL);
    }
    return t;
  }

  /** The account id of a body of {@link #encode}, without decoding the rest. */
  public static String accountIdOf(byte[] body) throws IOException {
    return readString(new ArrayInput(body, 8));
  }

  private static int stringSize(String s) {
    int n = s.length();
    int size = varLongSize(n);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      size += (c >= 0x0001 && c <= 0x007F) ? 1 : c <= 0x07FF ? 2 : 3;
    }
    return size;
  }

  /**
   * Writes {@code s} at {@code pos}; {@code ascii} says that every char is 1..0x7F, one byte each,
   * as {@link #stringSize} found. Such a string is copied with the JDK's bulk char-to-byte copy (an
   * array copy for a Latin-1 string), which deprecation warns drops each char's high byte: there is
   * none.
   */
  @SuppressWarnings("deprecation")
  private static int putString(String s, boolean ascii, byte[] b, int pos) {
    int n = s.length();
    pos = putVarLong(n, b, pos);
    if (ascii) {
      s.getBytes(0, n, b, pos);
      return pos + n;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x0001 && c <= 0x007F) {
        b[pos++] = (byte) c;
      } else if (c <= 0x07FF) {
        b[pos++] = (byte) (0xC0 | (c >> 6));
        b[pos++] = (byte) (0x80 | (c & 0x3F));
      } else {
        b[pos++] = (byte) (0xE0 | (c >> 12));
        b[pos++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        b[pos++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    return pos;
  }

  private static int varLongSize(long v) {
    if (v < 0) {
      throw new IllegalArgumentException("varlong must be >= 0, got " + v);
    }
    int size = 1;
    while ((v & ~0x7FL) != 0) {
      size++;
      v >>>= 7;
    }
    return size;
  }

  private static int putVarLong(long v, byte[] b, int pos) {
    while ((v & ~0x7FL) != 0) {
      b[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    b[pos++] = (byte) v;
    return pos;
  }

  /**
   * {@link DataInput} over an array, for {@link #decode}: a final class, so the reads inline. Only
   * what {@link #read(DataInput, int)} calls is supported.
   */
  private static final class ArrayInput implements DataInput {
    private final byte[] b;
    private int pos;

    ArrayInput(byte[] b, int pos) {
      this.b = b;
      this.pos = pos;
    }

    private void need(int n) throws java.io.EOFException {
      if (n > b.length - pos) {
        throw new java.io.EOFException("corrupt exchange: truncated");
      }
    }

    /**
     * The next {@code n} bytes as a string if they are all single-byte chars, made straight from
     * the array (one copy, not two); null, reading nothing, if not.
     */
    String asciiString(int n) throws IOException {
      need(n);
      for (int i = pos; i < pos + n; i++) {
        if (b[i] <= 0) {
          return null; // a multi-byte char (negative) or U+0000 (two bytes in this form)
        }
      }
      String s = new String(b, pos, n, StandardCharsets.ISO_8859_1);
      pos += n;
      return s;
    }

    @Override
    public void readFully(byte[] dst) throws IOException {
      readFully(dst, 0, dst.length);
    }

    @Override
    public void readFully(byte[] dst, int off, int len) throws IOException {
      need(len);
      System.arraycopy(b, pos, dst, off, len);
      pos += len;
    }

    @Override
    public int skipBytes(int n) {
      int k = Math.max(0, Math.min(n, b.length - pos));
      pos += k;
      return k;
    }

    @Override
    public boolean readBoolean() throws IOException {
      return readUnsignedByte() != 0;
    }

    @Override
    public byte readByte() throws IOException {
      return (byte) readUnsignedByte();
    }

    @Override
    public int readUnsignedByte() throws IOException {
      need(1);
      return b[pos++] & 0xFF;
    }

    @Override
    public short readShort() throws IOException {
      return (short) readUnsignedShort();
    }

    @Override
    public int readUnsignedShort() throws IOException {
      return (readUnsignedByte() << 8) | readUnsignedByte();
    }

    @Override
    public char readChar() throws IOException {
      return (char) readUnsignedShort();
    }

    @Override
    public int readInt() throws IOException {
      return (readUnsignedShort() << 16) | readUnsignedShort();
    }

    @Override
    public long readLong() throws IOException {
      need(8);
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (b[pos++] & 0xFFL);
      }
      return v;
    }

    @Override
    public float readFloat() throws IOException {
      return Float.intBitsToFloat(readInt());
    }

    @Override
    public double readDouble() throws IOException {
      return Double.longBitsToDouble(readLong());
    }

    @Override
    public String readLine() {
      throw new UnsupportedOperationException("not part of the exchange form");
    }

    @Override
    public String readUTF() {
      throw new UnsupportedOperationException("not part of the exchange form");
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
    if (in instanceof ArrayInput array) {
      String ascii = array.asciiString((int) n);
      if (ascii != null) {
        return ascii;
      }
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
    Varints.writeUnsigned(v, out);
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
