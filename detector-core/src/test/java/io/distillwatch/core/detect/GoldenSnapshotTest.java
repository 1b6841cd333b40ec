package io.distillwatch.core.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Snapshots written by earlier builds must still restore, to the same detector. */
class GoldenSnapshotTest {
  private static byte[] resource(String name) throws IOException {
    try (InputStream in = GoldenSnapshotTest.class.getResourceAsStream("/detect/golden/" + name)) {
      if (in == null) {
        throw new IOException("missing fixture " + name);
      }
      return in.readAllBytes();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 4, 5})
  void everyVersion_restores_withRecordedExplanations(int version) throws IOException {
    byte[] fixture = resource("snapshot-v" + version + ".bin");
    List<String> expected =
        new String(resource("snapshot-v" + version + ".explain.txt"), StandardCharsets.UTF_8)
            .lines()
            .toList();
    ExtractionDetector d =
        ExtractionDetector.restore(new ByteArrayInputStream(fixture), GoldenSnapshot.config());
    assertTrue(d.liveAccounts() > 0);
    for (int i = 0; i < GoldenSnapshot.ACCOUNTS.size(); i++) {
      String id = GoldenSnapshot.ACCOUNTS.get(i);
      assertSameExplanation(expected.get(i), GoldenSnapshot.canonical(d.explain(id)));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void singleStageVersions_areRefusedSayingWhy(int version) throws IOException {
    byte[] fixture = resource("snapshot-v" + version + ".bin");
    SnapshotFormatException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            SnapshotFormatException.class,
            () ->
                ExtractionDetector.restore(
                    new ByteArrayInputStream(fixture), GoldenSnapshot.config()));
    assertTrue(e.getMessage().contains("version " + version), e.getMessage());
    assertTrue(e.getMessage().contains("replaying the stream"), e.getMessage());
  }

  @Test
  void currentVersion_isWhatThisBuildWrites() throws IOException {
    byte[] fixture = resource("snapshot-v" + DetectorSnapshot.VERSION + ".bin");
    ExtractionDetector d =
        ExtractionDetector.restore(new ByteArrayInputStream(fixture), GoldenSnapshot.config());
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    d.snapshot(again);
    assertArrayEquals(fixture, again.toByteArray(), "re-snapshot of the fixture differs");
  }

  /**
   * Version 3 differs from 4 only in the linker's form, whose key table (always empty in a
   * detector, where the link stage decides rarity) and its counters are dropped; version 4 differs
   * from 5 only in the account stage's live-account count, which the reader rebuilds from the
   * restored profiles. So the version 3 and 4 fixtures restore to the same detector, byte for byte.
   */
  @Test
  void version3_and_version4_restoreToTheSameDetector() throws IOException {
    assertArrayEquals(resnapshot("snapshot-v3.bin"), resnapshot("snapshot-v4.bin"));
  }

  /**
   * The live-account count rebuilt from a version 4 fixture's profiles is the count the detector
   * keeps as it runs: fed the same stream, a fresh detector and a version 5 round trip of it agree.
   */
  @Test
  void rebuiltLiveCount_isTheCountKeptWhileRunning() throws IOException {
    ExtractionDetector kept = GoldenSnapshot.detector();
    ExtractionDetector restored =
        ExtractionDetector.restore(
            new ByteArrayInputStream(resource("snapshot-v4.bin")), GoldenSnapshot.config());
    assertEquals(kept.accounts.live.total(), restored.accounts.live.total());
    assertTrue(kept.accounts.live.total() > 0);
  }

  private static byte[] resnapshot(String fixture) throws IOException {
    ExtractionDetector d =
        ExtractionDetector.restore(
            new ByteArrayInputStream(resource(fixture)), GoldenSnapshot.config());
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    d.snapshot(again);
    return again.toByteArray();
  }

  /** Token by token; numbers within 1e-12 relative (libm may differ in the last bit). */
  private static void assertSameExplanation(String expected, String actual) {
    String[] e = expected.split("[ =:]");
    String[] a = actual.split("[ =:]");
    assertEquals(e.length, a.length, () -> expected + "\n" + actual);
    for (int i = 0; i < e.length; i++) {
      if (e[i].equals(a[i])) {
        continue;
      }
      double x = Double.parseDouble(e[i]);
      double y = Double.parseDouble(a[i]);
      assertEquals(x, y, 1e-12 * Math.max(1, Math.abs(x)), expected + "\n" + actual);
    }
  }
}
