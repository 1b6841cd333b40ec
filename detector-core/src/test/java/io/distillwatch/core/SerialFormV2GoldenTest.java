package io.distillwatch.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.stats.Ewma;
import io.distillwatch.core.stats.HourOfDayHistogram;
import io.distillwatch.core.stats.InterArrivalStats;
import io.distillwatch.core.window.SlidingWindow;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Serial form version 2 of the primitives that have one (varints in place of fixed-width counts and
 * timestamps), written once (test resources {@code serial-v2/}) as this build writes the state of
 * the version 1 fixtures, and read back here: the bytes of a version 1 fixture rewritten are
 * exactly the version 2 fixture, the version 2 fixture reads to the same state, and it is shorter.
 * Regenerating the fixtures is never the fix for a failure here.
 *
 * <p>Write a missing fixture (only when a form's version changes, as a new directory beside the old
 * ones): {@code mvn -o -pl detector-core test -Dtest=SerialFormV2GoldenTest
 * -Ddistillwatch.writeFixtures=$PWD/detector-core/src/test/resources}.
 */
class SerialFormV2GoldenTest {

  /**
   * {@code bytes} of an older version read and written again are version 2, and version 2 read and
   * written again is the same bytes.
   */
  static <T> void assertRewrittenAsV2(
      byte[] rewritten, Function<byte[], T> read, Function<T, byte[]> write) {
    assertEquals(2, rewritten[0], "written in version 2");
    assertArrayEquals(rewritten, write.apply(read.apply(rewritten)), "version 2 round trip");
  }

  private static byte[] fixture(String version, String name) throws IOException {
    try (InputStream in =
        SerialFormV2GoldenTest.class.getResourceAsStream("/serial-" + version + "/" + name)) {
      assertNotNull(in, "fixture serial-" + version + "/" + name + " is on the test classpath");
      return in.readAllBytes();
    }
  }

  /**
   * The version 2 fixture {@code name}, after writing it from the version 1 fixture's state if the
   * system property {@code distillwatch.writeFixtures} names the test resources and it is missing.
   */
  private static <T> byte[] v2(String name, Function<byte[], T> read, Function<T, byte[]> write)
      throws IOException {
    String to = System.getProperty("distillwatch.writeFixtures");
    if (to != null) {
      Path file = Path.of(to, "serial-v2", name);
      if (!Files.exists(file)) {
        Files.createDirectories(file.getParent());
        Files.write(file, write.apply(read.apply(fixture("v1", name))));
      }
    }
    byte[] v2 = fixture("v2", name);
    byte[] v1 = fixture("v1", name);
    assertArrayEquals(v2, write.apply(read.apply(v1)), "version 1 state, written by this build");
    assertArrayEquals(v2, write.apply(read.apply(v2)), "version 2 round trip");
    assertTrue(v2.length < v1.length, name + ": " + v2.length + " bytes, not under " + v1.length);
    return v2;
  }

  @Test
  void slidingWindow_v2Fixture_readsSameState() throws IOException {
    SlidingWindow w =
        SlidingWindow.fromBytes(
            v2("sliding-window.bin", SlidingWindow::fromBytes, SlidingWindow::toBytes));
    assertEquals(24, w.buckets());
    assertEquals(3_600_000L, w.bucketMillis());
    assertEquals(859, w.count());
    assertEquals(3870.0, w.sum(), 0.0);
    assertEquals(1, w.lateCount());
    assertEquals(1_700_000_000_000L + 999 * 97_000L, w.headTimestamp());
  }

  @Test
  void ewma_v2Fixture_readsSameState() throws IOException {
    Ewma e = Ewma.fromBytes(v2("ewma.bin", Ewma::fromBytes, Ewma::toBytes));
    assertEquals(2.9566981747698677, e.mean(), 0.0);
    assertEquals(4.1746475637521, e.variance(), 0.0);
    assertEquals(28.4393892209285, e.weight(), 0.0);
    assertEquals(600_000L, e.halfLifeMillis());
  }

  @Test
  void interArrival_v2Fixture_readsSameState() throws IOException {
    InterArrivalStats s =
        InterArrivalStats.fromBytes(
            v2("inter-arrival.bin", InterArrivalStats::fromBytes, InterArrivalStats::toBytes));
    assertEquals(99, s.gapCount());
    assertEquals(99_000.0, s.meanGap(), 0.0);
  }

  @Test
  void hourOfDay_v2Fixture_readsSameState() throws IOException {
    HourOfDayHistogram h =
        HourOfDayHistogram.fromBytes(
            v2("hour-of-day.bin", HourOfDayHistogram::fromBytes, HourOfDayHistogram::toBytes));
    assertEquals(1000, h.total());
    assertEquals(40, h.count(0));
    assertEquals(0.9996186465504523, h.entropy(), 1e-15);
  }
}
