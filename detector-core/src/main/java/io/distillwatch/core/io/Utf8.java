package io.distillwatch.core.io;

/**
 * Byte-level checks of one input line, before JSON parsing: strict UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF, per RFC 3629 table 3-7) and no control bytes other than tab,
 * CR and LF.
 */
final class Utf8 {
  private Utf8() {}

  /** The index of the first invalid or control byte in the range, or -1 if there is none. */
  static int firstInvalid(byte[] b, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end) {
      int c = b[i];
      if (c >= 0x20) { // printable ASCII (and DEL), the common case
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
          lo = 0xA0; // overlong
        } else if (c0 == 0xED) {
          hi = 0x9F; // surrogates
        }
      } else if (c0 >= 0xF0 && c0 <= 0xF4) {
        trail = 3;
        if (c0 == 0xF0) {
          lo = 0x90; // overlong
        } else if (c0 == 0xF4) {
          hi = 0x8F; // above U+10FFFF
        }
      } else {
        return i; // continuation byte without a lead, overlong C0/C1, or F5..FF
      }
      if (i + trail >= end) {
        return i; // truncated sequence
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
