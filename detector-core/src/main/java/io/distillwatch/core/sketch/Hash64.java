package io.distillwatch.core.sketch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The one 64-bit hash every sketch in this package is fed with.
 *
 * <p>Contract: the functions are pure, allocation-free and <b>deterministic across JVMs, platforms
 * and releases</b>: hash values are persisted inside serialized sketches, so changing any constant
 * here is a breaking format change (the golden fixtures in the tests would fail). {@code
 * hash(CharSequence s)} equals {@code hash(bytes)} of the UTF-16LE encoding of {@code s}, so text
 * can be hashed without encoding it first.
 *
 * <p>Implementation notes. {@link #mix(long)} is the splitmix64 finalizer (Stafford's "Mix13"
 * variant [1]): a bijection of 64-bit values with full avalanche, used both as the finalizer here
 * and by the sketches to derive a second independent-looking hash from a first one. {@link
 * #hash(long)} is one splitmix64 step, {@code mix(v + golden ratio)}, so that {@code hash(0) != 0}.
 * Byte and char sequences use MurmurHash64A [2] (one multiply-xorshift-multiply per 8-byte word, a
 * little-endian word read through a {@link VarHandle}) followed by {@code mix}: MurmurHash64A's own
 * finalizer avalanches weakly in the top bits, which HyperLogLog uses for its register index.
 *
 * <p>[1] D. Stafford, "Better Bit Mixing - Improving on MurmurHash3's 64-bit Finalizer", 2011. [2]
 * A. Appleby, MurmurHash2, MurmurHash64A, 2008 (public domain).
 */
public final class Hash64 {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private static final long M = 0xc6a4a7935bd1e995L;
  private static final int R = 47;
  private static final long SEED = 0x2545F4914F6CDD1DL;

  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private Hash64() {}

  /** The splitmix64 finalizer: a strong 64-bit bijective mixer; {@code mix(0) == 0}. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** The inverse of {@link #mix}: {@code unmix(mix(z)) == z} for every z. */
  public static long unmix(long z) {
    z = unshift(z, 31) * 0x319642b2d24d8ec3L; // inverse of 0x94d049bb133111eb mod 2^64
    z = unshift(z, 27) * 0x96de1b173f119089L; // inverse of 0xbf58476d1ce4e5b9 mod 2^64
    return unshift(z, 30);
  }

  /** The inverse of {@code y = x ^ (x >>> s)}, for 0 < s < 64. */
  private static long unshift(long y, int s) {
    long x = y;
    for (int shift = s; shift < 64; shift += s) {
      x ^= y >>> shift;
    }
    return x;
  }

  /** Hash of a 64-bit value (a bijection, so distinct values never collide). */
  public static long hash(long value) {
    return mix(value + GOLDEN);
  }

  /** Hash of all bytes of {@code data}. */
  public static long hash(byte[] data) {
    return hash(data, 0, data.length);
  }

  /** Hash of {@code data[off, off + len)}. */
  public static long hash(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    long h = SEED ^ (len * M);
    int end = off + (len & ~7);
    for (int i = off; i < end; i += 8) {
      h = step(h, (long) LONG_LE.get(data, i));
    }
    int rem = len & 7;
    if (rem != 0) {
      long k = 0;
      for (int i = rem - 1; i >= 0; i--) {
        k = (k << 8) | (data[end + i] & 0xFFL);
      }
      h = (h ^ k) * M;
    }
    return finish(h);
  }

  /**
   * Hash of the UTF-16 code units of {@code s}; equal to {@link #hash(byte[])} of its UTF-16LE
   * bytes. Does not allocate.
   */
  public static long hash(CharSequence s) {
    return hash(s, SEED);
  }

  /**
   * {@link #hash(CharSequence)} with another seed: for a second hash of a key that is independent
   * of its first for every practical purpose (a check that tells apart two keys whose first hashes
   * collide). MurmurHash64A has seed-independent collisions that can be searched for, so this is no
   * defence against keys an adversary chooses. Does not allocate.
   */
  public static long hash(CharSequence s, long seed) {
    int n = s.length();
    long h = seed ^ ((2L * n) * M);
    int end = n & ~3;
    for (int i = 0; i < end; i += 4) {
      long k =
          s.charAt(i)
              | ((long) s.charAt(i + 1) << 16)
              | ((long) s.charAt(i + 2) << 32)
              | ((long) s.charAt(i + 3) << 48);
      h = step(h, k);
    }
    int rem = n & 3;
    if (rem != 0) {
      long k = 0;
      for (int i = rem - 1; i >= 0; i--) {
        k = (k << 16) | s.charAt(end + i);
      }
      h = (h ^ k) * M;
    }
    return finish(h);
  }

  private static long step(long h, long k) {
    k *= M;
    k ^= k >>> R;
    k *= M;
    h ^= k;
    return h * M;
  }

  private static long finish(long h) {
    h ^= h >>> R;
    h *= M;
    h ^= h >>> R;
    return mix(h);
  }
}
