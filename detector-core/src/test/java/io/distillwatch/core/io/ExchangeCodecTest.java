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
