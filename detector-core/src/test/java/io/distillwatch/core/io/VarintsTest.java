package io.distillwatch.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VarintsTest {

  private static byte[] unsigned(long v) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    Varints.writeUnsigned(v, new DataOutputStream(b));
    return b.toByteArray();
  }

  private static byte[] signed(long v) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    Varints.writeSigned(v, new DataOutputStream(b));
    return b.toByteArray();
  }

  private static DataInputStream in(byte[] b) {
    return new DataInputStream(new ByteArrayInputStream(b));
  }

  /** Bytes of an unsigned varint: one per started group of 7 significant bits. */
  private static int expectedLength(long v) {
    int bits = 64 - Long.numberOfLeadingZeros(v);
    return Math.max(1, (bits + 6) / 7);
  }

  @Test
  void unsigned_everyBitLength_roundTripsInTheLeastBytes() throws IOException {
    SplittableRandom r = new SplittableRandom(28);
    for (int bits = 0; bits <= 64; bits++) {
      for (int i = 0; i < 200; i++) {
        long v = bits == 0 ? 0 : (r.nextLong() >>> (64 - bits)) | (1L << (bits - 1));
        byte[] b = unsigned(v);
        assertEquals(expectedLength(v), b.length, Long.toUnsignedString(v));
        DataInputStream in = in(b);
        assertEquals(v, Varints.readUnsigned(in));
        assertEquals(-1, in.read(), "reads exactly what was written");
      }
    }
  }

  @Test
  void signed_smallMagnitudesStayShort_extremesRoundTrip() throws IOException {
    assertEquals(1, signed(0).length);
    assertEquals(1, signed(-64).length);
    assertEquals(1, signed(63).length);
    assertEquals(2, signed(64).length);
    assertEquals(2, signed(-65).length);
    assertEquals(6, signed(1_764_000_000_000L).length, "an epoch-millis timestamp of 2025");
    assertEquals(10, signed(Long.MIN_VALUE).length);
    assertEquals(10, signed(Long.MAX_VALUE).length);
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 10_000; i++) {
      long v = r.nextLong() >> r.nextInt(64);
      assertEquals(v, Varints.readSigned(in(signed(v))));
    }
    for (long v : new long[] {Long.MIN_VALUE, Long.MAX_VALUE, -1, 1, Long.MIN_VALUE + 1}) {
      assertEquals(v, Varints.readSigned(in(signed(v))));
    }
  }

  @Test
  void corrupt_tooLongOverflowingOrTruncated_isAnIOExceptionSayingSo() {
    byte[] eleven = new byte[11];
    java.util.Arrays.fill(eleven, (byte) 0x80);
    IOException e = assertThrows(IOException.class, () -> Varints.readUnsigned(in(eleven)));
    assertTrue(e.getMessage().contains("corrupt varint"), e.getMessage());

    byte[] overflow = new byte[10];
    java.util.Arrays.fill(overflow, (byte) 0xFF);
    overflow[9] = 0x02; // a 65th bit
    e = assertThrows(IOException.class, () -> Varints.readUnsigned(in(overflow)));
    assertTrue(e.getMessage().contains("overflows 64 bits"), e.getMessage());

    assertThrows(IOException.class, () -> Varints.readUnsigned(in(new byte[] {(byte) 0x80})));
  }

  @Test
  void readUnsignedInt_andNonNegative_refuseWhatDoesNotFit() throws IOException {
    assertEquals(Integer.MAX_VALUE, Varints.readUnsignedInt(in(unsigned(Integer.MAX_VALUE)), "x"));
    IOException e =
        assertThrows(
            IOException.class,
            () -> Varints.readUnsignedInt(in(unsigned(1L + Integer.MAX_VALUE)), "bucket count"));
    assertTrue(e.getMessage().contains("corrupt bucket count"), e.getMessage());
    assertEquals(Long.MAX_VALUE, Varints.readNonNegative(in(unsigned(Long.MAX_VALUE)), "x"));
    e = assertThrows(IOException.class, () -> Varints.readNonNegative(in(unsigned(-1)), "count"));
    assertTrue(e.getMessage().contains("is negative"), e.getMessage());
  }
}
