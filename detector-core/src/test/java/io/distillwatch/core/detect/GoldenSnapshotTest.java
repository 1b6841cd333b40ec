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
  @ValueSource(ints = {3, 4, 5, 6, 7})
  void everyVersion_restores_withRecordedExplanations(int version) throws IOException {
    ExtractionDetector d = restore(resource("snapshot-v" + version + ".bin"));
    assertTrue(d.liveAccounts() > 0);
    assertExplanations(version, d);
  }

  /**
   * Versions 3 and 4 keep the novelty filter in the account stage's form 1; version 5 moved it to
   * the prompt stage; version 6 writes profiles of form 3; version 7 profiles of form 4 and the
   * primitives' version 2 forms. An older fixture re-snapshotted as the current version restores to
   * the same detector.
   */
  @ParameterizedTest
  @ValueSource(ints = {3, 4, 5, 6})
  void olderVersion_resnapshotAsCurrent_restoresToTheSameDetector(int version) throws IOException {
    ExtractionDetector d = restore(resource("snapshot-v" + version + ".bin"));
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    d.snapshot(again);
    ExtractionDetector current = restore(again.toByteArray());
    ByteArrayOutputStream third = new ByteArrayOutputStream();
    current.snapshot(third); // before explain(), which counts as activity
    assertArrayEquals(again.toByteArray(), third.toByteArray());
    assertExplanations(version, current);
  }

  private static ExtractionDetector restore(byte[] bytes) throws IOException {
    return ExtractionDetector.restore(new ByteArrayInputStream(bytes), GoldenSnapshot.config());
  }

  private static void assertExplanations(int version, ExtractionDetector d) throws IOException {
    List<String> expected =
        new String(resource("snapshot-v" + version + ".explain.txt"), StandardCharsets.UTF_8)
            .lines()
            .toList();
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
   * detector, where the link stage decides rarity) and its counters are dropped. So the version 3
   * and 4 fixtures restore to the same detector, byte for byte, in this build's form.
   */
  @Test
  void version3_resnapshotsAsTheVersion4FixtureDoes() throws IOException {
    ByteArrayOutputStream from3 = new ByteArrayOutputStream();
    restore(resource("snapshot-v3.bin")).snapshot(from3);
    ByteArrayOutputStream from4 = new ByteArrayOutputStream();
    restore(resource("snapshot-v4.bin")).snapshot(from4);
    assertArrayEquals(from4.toByteArray(), from3.toByteArray());
  }

  /**
   * The live-account count rebuilt from a version 4 fixture's profiles is the count the detector
   * keeps as it runs: fed the same stream, a fresh detector and the restored one agree.
   */
  @Test
  void rebuiltLiveCount_isTheCountKeptWhileRunning() throws IOException {
    ExtractionDetector kept = GoldenSnapshot.detector();
    ExtractionDetector restored = restore(resource("snapshot-v4.bin"));
    assertEquals(kept.accounts.live.total(), restored.accounts.live.total());
    assertTrue(kept.accounts.live.total() > 0);
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
