package io.distillwatch.core.sketch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.junit.jupiter.api.Test;

class Hash64Test {

  @Test
  void unmix_invertsMix() {
    SplittableRandom random = new SplittableRandom(3);
    long[] edges = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE};
    for (long z : edges) {
      assertEquals(z, Hash64.unmix(Hash64.mix(z)));
      assertEquals(z, Hash64.mix(Hash64.unmix(z)));
    }
    for (int i = 0; i < 100_000; i++) {
      long z = random.nextLong();
      assertEquals(z, Hash64.unmix(Hash64.mix(z)));
    }
  }

  @Test
  void hashCharSequence_equalsHashOfUtf16LeBytes() {
    SplittableRandom random = new SplittableRandom(1);
    for (int len = 0; len < 40; len++) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < len; i++) {
        sb.append(
            (char) random.nextInt(0xD800)); // no lone surrogates: the encoder would replace them
      }
      String s = sb.toString();
      assertEquals(
          Hash64.hash(s.getBytes(StandardCharsets.UTF_16LE)), Hash64.hash(s), "len " + len);
      assertEquals(Hash64.hash(s), Hash64.hash(new StringBuilder(s)));
    }
  }

  @Test
  void hashByteRange_equalsHashOfCopiedRange() {
    byte[] data = new byte[64];
    new SplittableRandom(2).nextBytes(data);
    for (int off = 0; off < 9; off++) {
      for (int len = 0; len + off <= data.length; len += 3) {
        assertEquals(
            Hash64.hash(java.util.Arrays.copyOfRange(data, off, off + len)),
            Hash64.hash(data, off, len));
      }
    }
    assertThrows(IndexOutOfBoundsException.class, () -> Hash64.hash(data, 60, 5));
  }

  @Test
  void hash_singleBitInputChanges_flipAboutHalfOfOutputBits() {
    // Strict avalanche: over random inputs, each input bit flips each output bit ~50% of the time.
    SplittableRandom random = new SplittableRandom(3);
    int trials = 2_000;
    int[][] flips = new int[64][64];
    int[][] byteFlips = new int[64][64];
    for (int t = 0; t < trials; t++) {
      long x = random.nextLong();
      long h = Hash64.hash(x);
      byte[] bytes = java.nio.ByteBuffer.allocate(8).putLong(x).array();
      long hb = Hash64.hash(bytes);
      for (int in = 0; in < 64; in++) {
        long d = h ^ Hash64.hash(x ^ (1L << in));
        byte[] flipped = bytes.clone();
        flipped[in >>> 3] ^= (byte) (1 << (in & 7));
        long db = hb ^ Hash64.hash(flipped);
        for (int out = 0; out < 64; out++) {
          flips[in][out] += (int) ((d >>> out) & 1);
          byteFlips[in][out] += (int) ((db >>> out) & 1);
        }
      }
    }
    // 2000 trials: sd of a rate is 0.011; 0.07 is > 6 sd, over 8192 cells.
    for (int in = 0; in < 64; in++) {
      for (int out = 0; out < 64; out++) {
        assertEquals(0.5, flips[in][out] / (double) trials, 0.07, "long bit " + in + "->" + out);
        assertEquals(
            0.5, byteFlips[in][out] / (double) trials, 0.07, "byte bit " + in + "->" + out);
      }
    }
  }

  @Test
  void seededHash_isIndependentOfTheDefault() {
    // The profile map tells accounts apart by two hashes of the id: a second seed must give bits
    // unrelated to the first hash's. Joint low nibbles of both hashes over ids of the shapes a
    // platform assigns (sequential, and random), against uniform: chi-square with 255 degrees of
    // freedom, at a one in a million level.
    double critical = new ChiSquaredDistribution(255).inverseCumulativeProbability(1 - 1e-6);
    SplittableRandom random = new SplittableRandom(5);
    for (int family = 0; family < 2; family++) {
      long[] cells = new long[256];
      int n = 1 << 18;
      for (int i = 0; i < n; i++) {
        String id = family == 0 ? "acct-" + i : Long.toString(random.nextLong(), 36);
        long first = Hash64.hash(id);
        long second = Hash64.hash(id, 0x6A09E667F3BCC908L);
        assertNotEquals(first, second, id);
        cells[(int) ((first & 15) << 4 | (second & 15))]++;
      }
      double expected = n / 256.0;
      double chi2 = 0;
      for (long c : cells) {
        chi2 += (c - expected) * (c - expected) / expected;
      }
      assertTrue(chi2 < critical, "family " + family + ": chi2 " + chi2 + " >= " + critical);
    }
    // The default seed's hash is the seeded function's, with the same inputs and bytes.
    assertEquals(Hash64.hash("acct-1", 7L), Hash64.hash(new StringBuilder("acct-1"), 7L));
    assertNotEquals(Hash64.hash("acct-1", 7L), Hash64.hash("acct-1", 8L));
  }

  @Test
  void mix_isBijectiveOnSampleAndFixesZero() {
    assertEquals(0, Hash64.mix(0));
    assertNotEquals(0, Hash64.hash(0L));
    java.util.HashSet<Long> seen = new java.util.HashSet<>();
    for (long i = 0; i < 100_000; i++) {
      assertTrue(seen.add(Hash64.mix(i)));
    }
  }
}
