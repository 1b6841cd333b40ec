package io.distillwatch.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Utf8Test {
  private static final byte[] ALPHABET = {
    'a',
    '"',
    '{',
    ' ',
    0x7F,
    '\t',
    '\n',
    '\r',
    0x00,
    0x1F,
    (byte) 0x80,
    (byte) 0xBF,
    (byte) 0xC2,
    (byte) 0xDF,
    (byte) 0xE0,
    (byte) 0xED,
    (byte) 0xF0,
    (byte) 0xF4,
    (byte) 0xF5,
    (byte) 0xA0,
    (byte) 0x90,
    (byte) 0xC0
  };

  @Test
  void firstInvalid_randomLines_matchesBytewiseReference() {
    // Differential fuzz of the 8-bytes-at-a-time fast path against the plain byte loop: mostly
    // printable ASCII with rare control, continuation and lead bytes at every offset and length.
    SplittableRandom rnd = new SplittableRandom(11);
    for (int trial = 0; trial < 200_000; trial++) {
      int len = rnd.nextInt(40);
      int off = rnd.nextInt(9);
      byte[] b = new byte[off + len + rnd.nextInt(9)];
      for (int i = 0; i < b.length; i++) {
        b[i] =
            rnd.nextInt(12) == 0
                ? ALPHABET[rnd.nextInt(ALPHABET.length)]
                : (byte) (0x20 + rnd.nextInt(0x60));
      }
      assertEquals(reference(b, off, len), Utf8.firstInvalid(b, off, len), "trial " + trial);
    }
  }

  /** The byte-by-byte validation as it was before the fast path. */
  private static int reference(byte[] b, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end) {
      int c = b[i];
      if (c >= 0x20) {
        i++;
        continue;
      }
      if (c >= 0) {
        if (c == '\t' || c == '\n' || c == '\r') {
          i++;
          continue;
        }
        return i;
      }
      int c0 = c & 0xFF;
      int trail;
      int lo = 0x80;
      int hi = 0xBF;
      if (c0 >= 0xC2 && c0 <= 0xDF) {
        trail = 1;
      } else if (c0 >= 0xE0 && c0 <= 0xEF) {
        trail = 2;
        if (c0 == 0xE0) {
          lo = 0xA0;
        } else if (c0 == 0xED) {
          hi = 0x9F;
        }
      } else if (c0 >= 0xF0 && c0 <= 0xF4) {
        trail = 3;
        if (c0 == 0xF0) {
          lo = 0x90;
        } else if (c0 == 0xF4) {
          hi = 0x8F;
        }
      } else {
        return i;
      }
      if (i + trail >= end) {
        return i;
      }
      int c1 = b[i + 1] & 0xFF;
      if (c1 < lo || c1 > hi) {
        return i;
      }
      for (int k = 2; k <= trail; k++) {
        if ((b[i + k] & 0xC0) != 0x80) {
          return i;
        }
      }
      i += trail + 1;
    }
    return -1;
  }
}
