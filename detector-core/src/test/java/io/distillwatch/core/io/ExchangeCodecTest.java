package io.distillwatch.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExchangeCodecTest {
  static final Exchange FULL =
      Exchange.builder(1_776_902_400_000L, "acct-1f3a")
          .orgId("org-9")
          .ip("2001:db8::7")
          .asn("AS64500")
          .userAgent("python-httpx/0.27")
          .paymentFingerprint("9c1e")
          .model("frontier-2")
          .inputTokens(812)
          .outputTokens(10_000_000)
          .templateHash("5b2f")
          .promptHash("e41a")
          .category(Category.REASONING)
          .reasoningRequested(true)
          .toolCalls(3)
          .status(599)
          .build();

  @Test
  void fromBytes_everyFieldSet_roundTrips() throws IOException {
    assertEquals(FULL, ExchangeCodec.fromBytes(ExchangeCodec.toBytes(FULL)));
  }

  @Test
  void fromBytes_onlyRequiredFields_keepsNulls() throws IOException {
    Exchange e = Exchange.builder(0, "a").build();
    Exchange back = ExchangeCodec.fromBytes(ExchangeCodec.toBytes(e));
    assertEquals(e, back);
    assertEquals(null, back.orgId());
    assertEquals(null, back.promptHash());
  }

  @Test
  void fromBytes_unicodeNulCharAndLoneSurrogates_roundTripExactly() throws IOException {
    String odd = "é漢字😀\u0000\ud800x\udfff" + "z".repeat(70_000); // past writeUTF's 64 KiB
    Exchange e = FULL.toBuilder().accountId("ακαριασμός-" + odd).userAgent(odd).asn("").build();
    assertEquals(e, ExchangeCodec.fromBytes(ExchangeCodec.toBytes(e)));
  }

  @Test
  void read_randomExchangesInSequence_roundTrip() throws IOException {
    Random r = new Random(7);
    Exchange[] all = new Exchange[500];
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    for (int i = 0; i < all.length; i++) {
      var b = Exchange.builder(r.nextLong(), "acct-" + r.nextInt(1000));
      if (r.nextBoolean()) {
        b.orgId("org-" + r.nextInt(10));
      }
      if (r.nextBoolean()) {
        b.templateHash(Long.toHexString(r.nextLong()));
      }
      all[i] =
          b.inputTokens(r.nextInt(Integer.MAX_VALUE))
              .outputTokens(Math.abs(r.nextLong()))
              .category(Category.ofOrdinal(r.nextInt(Category.values().length)))
              .reasoningRequested(r.nextBoolean())
              .toolCalls(r.nextInt(Integer.MAX_VALUE))
              .status(r.nextInt())
              .build();
      ExchangeCodec.write(all[i], out);
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
    for (Exchange e : all) {
      assertEquals(e, ExchangeCodec.read(in));
    }
    assertEquals(0, in.available());
  }

  /**
   * The one-call path for ASCII strings and the per-char path write the same form: random strings
   * of every kind of char, ASCII runs first or not, against a plain per-char encoder, then back.
   */
  @Test
  void writeString_anyChars_sameBytesAsPerCharModifiedUtf8_andReadsBack() throws IOException {
    char[] kinds = {
      'a', 'Z', '7', '\u0000', '\u007f', '\u0080', '\u00e9', '\u07ff', '\u0800', '\u6f22', '\ud83d',
      '\ude00', '\uffff'
    };
    for (long seed = 0; seed < 2_000; seed++) {
      Random rnd = new Random(seed);
      StringBuilder sb = new StringBuilder();
      int n = rnd.nextInt(40);
      boolean ascii = rnd.nextBoolean();
      for (int i = 0; i < n; i++) {
        sb.append(
            ascii && rnd.nextInt(10) > 0
                ? (char) (1 + rnd.nextInt(127))
                : kinds[rnd.nextInt(kinds.length)]);
      }
      String s = sb.toString();
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      DataOutputStream e = new DataOutputStream(expected);
      ExchangeCodec.writeVarLong(s.length(), e);
      for (char c : s.toCharArray()) {
        if (c >= 1 && c <= 0x7F) {
          e.writeByte(c);
        } else if (c <= 0x7FF) {
          e.writeByte(0xC0 | (c >> 6));
          e.writeByte(0x80 | (c & 0x3F));
        } else {
          e.writeByte(0xE0 | (c >> 12));
          e.writeByte(0x80 | ((c >> 6) & 0x3F));
          e.writeByte(0x80 | (c & 0x3F));
        }
      }
      ByteArrayOutputStream actual = new ByteArrayOutputStream();
      ExchangeCodec.writeString(s, new DataOutputStream(actual));
      assertArrayEquals(expected.toByteArray(), actual.toByteArray(), "seed " + seed);
      DataInputStream in =
          new DataInputStream(new ByteArrayInputStream(concat(actual.toByteArray(), 42)));
      assertEquals(s, ExchangeCodec.readString(in), "seed " + seed);
      assertEquals(42, in.readByte(), "reads exactly its own bytes, seed " + seed);
    }
  }

  /** Form 1 written field by field through a DataOutput: the writer before {@code encode}. */
  private static byte[] fieldByField(Exchange e) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeLong(e.timestamp());
    ExchangeCodec.writeString(e.accountId(), out);
    String[] optional = {
      e.orgId(),
      e.ip(),
      e.asn(),
      e.userAgent(),
      e.paymentFingerprint(),
      e.model(),
      e.templateHash(),
      e.promptHash()
    };
    int presence = 0;
    for (int i = 0; i < optional.length; i++) {
      presence |= optional[i] != null ? 1 << i : 0;
    }
    out.writeByte(presence);
    for (String s : optional) {
      if (s != null) {
        ExchangeCodec.writeString(s, out);
      }
    }
    ExchangeCodec.writeVarLong(e.inputTokens(), out);
    ExchangeCodec.writeVarLong(e.outputTokens(), out);
    out.writeByte(e.category().ordinal() | (e.reasoningRequested() ? 0x80 : 0));
    ExchangeCodec.writeVarLong(e.toolCalls(), out);
    ExchangeCodec.writeVarLong(e.status() & 0xFFFF_FFFFL, out);
    return bytes.toByteArray();
  }

  private static String randomString(Random r) {
    char[] kinds = {'a', '7', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\ud83d', '\uffff'};
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(30);
    boolean ascii = r.nextInt(4) > 0;
    for (int i = 0; i < n; i++) {
      sb.append(ascii ? (char) (1 + r.nextInt(127)) : kinds[r.nextInt(kinds.length)]);
    }
    return sb.toString();
  }

  private static Exchange randomExchange(Random r) {
    var b = Exchange.builder(r.nextLong(), "a" + randomString(r));
    String[] fields = new String[8];
    for (int i = 0; i < fields.length; i++) {
      fields[i] = r.nextBoolean() ? randomString(r) : null;
    }
    return b.orgId(fields[0])
        .ip(fields[1])
        .asn(fields[2])
        .userAgent(fields[3])
        .paymentFingerprint(fields[4])
        .model(fields[5])
        .templateHash(fields[6])
        .promptHash(fields[7])
        .inputTokens(r.nextBoolean() ? r.nextInt(200) : Math.abs(r.nextLong()))
        .outputTokens(r.nextBoolean() ? r.nextInt(100_000) : Math.abs(r.nextLong()))
        .category(Category.ofOrdinal(r.nextInt(Category.values().length)))
        .reasoningRequested(r.nextBoolean())
        .toolCalls(r.nextInt(4) == 0 ? Integer.MAX_VALUE : r.nextInt(20))
        .status(r.nextInt())
        .build();
  }

  /** encode is the field-by-field form byte for byte, and decode and the peeks read it back. */
  @Test
  void encode_sameBytesAsFieldByField_andDecodesBack() throws IOException {
    for (long seed = 0; seed < 3_000; seed++) {
      Random r = new Random(seed);
      Exchange e = randomExchange(r);
      byte[] body = ExchangeCodec.encode(e);
      assertArrayEquals(fieldByField(e), body, "seed " + seed);
      assertEquals(e, ExchangeCodec.decode(body), "seed " + seed);
      assertEquals(e.timestamp(), ExchangeCodec.timestampOf(body), "seed " + seed);
      assertEquals(e.accountId(), ExchangeCodec.accountIdOf(body), "seed " + seed);
      ByteArrayOutputStream written = new ByteArrayOutputStream();
      ExchangeCodec.write(e, new DataOutputStream(written));
      assertArrayEquals(body, written.toByteArray(), "seed " + seed);
    }
  }

  /** The form-1 body of FULL, fixed: a change to the form fails here before it reaches a reader. */
  @Test
  void encode_full_isTheGoldenForm1Body() throws IOException {
    String golden =
        "0000019db7a2e80009616363742d31663361ff056f72672d390b323030313a6462383a3a3707415336343530"
            + "3011707974686f6e2d68747470782f302e323704396331650a66726f6e746965722d32043562326604"
            + "65343161ac0680ade2048203d704";
    assertEquals(golden, java.util.HexFormat.of().formatHex(ExchangeCodec.encode(FULL)));
    assertEquals(FULL, ExchangeCodec.decode(java.util.HexFormat.of().parseHex(golden)));
  }

  @Test
  void decode_truncatedOrTrailing_throws() throws IOException {
    byte[] b = ExchangeCodec.encode(FULL);
    for (int n = 0; n < b.length; n++) {
      byte[] cut = Arrays.copyOf(b, n);
      assertThrows(IOException.class, () -> ExchangeCodec.decode(cut), "cut at " + n);
    }
    assertThrows(IOException.class, () -> ExchangeCodec.decode(Arrays.copyOf(b, b.length + 1)));
    assertThrows(IOException.class, () -> ExchangeCodec.timestampOf(new byte[7]));
    assertThrows(IOException.class, () -> ExchangeCodec.accountIdOf(Arrays.copyOf(b, 9)));
  }

  private static byte[] concat(byte[] a, int b) {
    byte[] out = Arrays.copyOf(a, a.length + 1);
    out[a.length] = (byte) b;
    return out;
  }

  @Test
  void fromBytes_unknownVersion_throws() {
    byte[] b = ExchangeCodec.toBytes(FULL);
    b[0] = 2;
    assertThrows(IOException.class, () -> ExchangeCodec.fromBytes(b));
  }

  @Test
  void fromBytes_truncatedOrCorrupt_throwsNeverWrongExchange() {
    byte[] b = ExchangeCodec.toBytes(FULL);
    for (int n = 0; n < b.length; n++) {
      byte[] cut = Arrays.copyOf(b, n);
      assertThrows(IOException.class, () -> ExchangeCodec.fromBytes(cut), "cut at " + n);
    }
    byte[] trailing = Arrays.copyOf(b, b.length + 1);
    assertThrows(IOException.class, () -> ExchangeCodec.fromBytes(trailing));
    // The category byte is followed by toolCalls (3: one byte) and status (599: two bytes).
    byte[] badCategory = b.clone();
    badCategory[badCategory.length - 4] = 0x7F;
    assertThrows(IOException.class, () -> ExchangeCodec.fromBytes(badCategory));
  }
}
