package io.distillwatch.examples.generate;

/**
 * Deterministic identifiers and hashing: every id the generator writes is a pure function of the
 * seed and the position of the thing it names, so traces are reproducible field by field.
 *
 * <p>Mixing is the SplitMix64 finaliser (Steele, Lea and Flood, "Fast splittable pseudorandom
 * number generators", OOPSLA 2014), which is also what {@link java.util.SplittableRandom} uses.
 */
final class Ids {
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Ids() {}

  /** SplitMix64 finaliser: a bijective 64-bit mixer. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Hash of an ordered pair. */
  static long hash(long a, long b) {
    return mix(mix(a + GOLDEN) ^ (b * GOLDEN));
  }

  /** Hash of an ordered triple. */
  static long hash(long a, long b, long c) {
    return hash(hash(a, b), c);
  }

  /** A stable 64-bit hash of a name (FNV-1a, then mixed). */
  static long name(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h = (h ^ s.charAt(i)) * 0x100000001b3L;
    }
    return mix(h);
  }

  /** 16 lower-case hex digits, the format of template, prompt and payment hashes. */
  static String hex16(long v) {
    char[] c = new char[16];
    for (int i = 15; i >= 0; i--) {
      c[i] = HEX[(int) (v & 0xF)];
      v >>>= 4;
    }
    return new String(c);
  }

  /** An account id such as {@code acct-3f9a0c12b7e4}: 12 hex digits (48 bits). */
  static String account(long v) {
    return "acct-" + hex16(v).substring(4);
  }

  /** An organisation id such as {@code org-5d1e09a7}. */
  static String org(long v) {
    return "org-" + hex16(v).substring(8);
  }

  /** Dotted-quad text of an IPv4 address held in the low 32 bits. */
  static String ipv4(int a) {
    StringBuilder sb = new StringBuilder(15);
    sb.append((a >>> 24) & 0xFF)
        .append('.')
        .append((a >>> 16) & 0xFF)
        .append('.')
        .append((a >>> 8) & 0xFF)
        .append('.')
        .append(a & 0xFF);
    return sb.toString();
  }
}
