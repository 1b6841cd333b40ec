package io.distillwatch.core.sketch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bytes written by every format version (see {@link Golden} for the inputs) must still decode to
 * the same sketch with the same estimates. The hard-coded values were recorded when the fixtures
 * were written; a change here is a format or estimator change that needs a new version.
 */
class GoldenFixturesTest {

  private static byte[] fixture(String name) throws IOException {
    try (InputStream in = GoldenFixturesTest.class.getResourceAsStream("/sketch/golden/" + name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void hyperLogLogV1_decodesToSameRegisters_withRegisterEstimateOnly() throws IOException {
    byte[] bytes = fixture("hll-v1.bin");
    assertEquals(1, bytes[0]);
    HyperLogLog hll = HyperLogLog.fromBytes(bytes);
    assertTrue(Golden.hll().sameRegisters(hll));
    // Version 1 carries no HIP state: the sketch reads as out of order and estimates from its
    // registers, exactly as version-1 code did.
    assertFalse(hll.usesHipEstimate());
    assertEquals(1004.1655460970367, hll.estimate(), 1e-9);
    assertEquals(1004.1655460970367, hll.registerEstimate(), 1e-9);
    // Re-encoding writes version 2 with the out-of-order flag, which reads back identically.
    byte[] v2 = hll.toBytes();
    assertEquals(2, v2[0]);
    assertEquals(1, v2[3]);
    assertEquals(hll, HyperLogLog.fromBytes(v2));
  }

  @Test
  void hyperLogLogV1_corrupt_throws() throws IOException {
    byte[] bytes = fixture("hll-v1.bin");
    for (int bit = 0; bit < bytes.length * 8; bit++) {
      byte[] flipped = bytes.clone();
      flipped[bit >>> 3] ^= (byte) (1 << (bit & 7));
      assertThrows(SketchFormatException.class, () -> HyperLogLog.fromBytes(flipped), "bit " + bit);
    }
    for (int len = 0; len < bytes.length; len++) {
      byte[] cut = Arrays.copyOf(bytes, len);
      assertThrows(SketchFormatException.class, () -> HyperLogLog.fromBytes(cut), "len " + len);
    }
  }

  @Test
  void hyperLogLogV2_decodesToSameSketchAndBothEstimates() throws IOException {
    byte[] bytes = fixture("hll-v2.bin");
    assertEquals(2, bytes[0]);
    HyperLogLog hll = HyperLogLog.fromBytes(bytes);
    assertEquals(Golden.hll(), hll);
    assertArrayEquals(bytes, Golden.hll().toBytes());
    assertTrue(hll.usesHipEstimate());
    assertEquals(1043.3595032193612, hll.estimate(), 1e-9);
    assertEquals(1004.1655460970367, hll.registerEstimate(), 1e-9);
  }

  @Test
  void countMinV1_decodesToSameSketchAndEstimate() throws IOException {
    byte[] bytes = fixture("cms-v1.bin");
    CountMinSketch cms = CountMinSketch.fromBytes(bytes);
    assertEquals(Golden.cms(), cms);
    assertArrayEquals(bytes, Golden.cms().toBytes());
    assertEquals(37, cms.estimate(Hash64.hash(0)));
    assertEquals(999, cms.totalCount());
  }

  @Test
  void spaceSavingV1_decodesToSameSummaryAndTop() throws IOException {
    byte[] bytes = fixture("spacesaving-v1.bin");
    SpaceSaving ss = SpaceSaving.fromBytes(bytes);
    assertEquals(Golden.spaceSaving(), ss);
    assertArrayEquals(bytes, Golden.spaceSaving().toBytes());
    assertEquals(
        List.of(new HeavyHitter(9, 78, 72), new HeavyHitter(0, 76, 73), new HeavyHitter(1, 76, 73)),
        ss.top(3));
  }

  @Test
  void minHashV1_decodesToSameSketchAndJaccard() throws IOException {
    byte[] bytes = fixture("minhash-v1.bin");
    MinHash mh = MinHash.fromBytes(bytes);
    assertEquals(Golden.minHash(), mh);
    assertArrayEquals(bytes, Golden.minHash().toBytes());
    MinHash other = new MinHash(16);
    for (int i = 5; i < 15; i++) {
      other.add(Hash64.hash(i));
    }
    assertEquals(0.1875, mh.jaccard(other));
  }

  @Test
  void hash64_isStableAcrossReleases() {
    // Hashes are persisted inside sketches: these values must never change.
    assertEquals(2263523457893728026L, Hash64.hash("abc"));
    assertEquals(-4767286540954276203L, Hash64.hash(42L));
  }
}
