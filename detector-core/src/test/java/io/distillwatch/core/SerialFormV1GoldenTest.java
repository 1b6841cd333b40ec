package io.distillwatch.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillwatch.core.stats.Ewma;
import io.distillwatch.core.stats.HourOfDayHistogram;
import io.distillwatch.core.stats.InterArrivalStats;
import io.distillwatch.core.stats.QuantileSketch;
import io.distillwatch.core.window.SlidingWindow;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * Serial form version 1 of every persisted primitive, written once (test resources {@code
 * serial-v1/}) and read back here: later versions must keep reading these bytes into the same
 * state. Regenerating the fixtures is never the fix for a failure here. The sliding window, EWMA,
 * inter-arrival statistics and hour-of-day histogram are written in version 2 since stop 28 (see
 * {@link SerialFormV2GoldenTest}); their version 1 bytes must still read, and write as version 2.
 */
class SerialFormV1GoldenTest {

  private static byte[] fixture(String name) throws IOException {
    try (InputStream in = SerialFormV1GoldenTest.class.getResourceAsStream("/serial-v1/" + name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void slidingWindow_v1Fixture_readsSameState() throws IOException {
    byte[] bytes = fixture("sliding-window.bin");
    SlidingWindow w = SlidingWindow.fromBytes(bytes);
    assertEquals(24, w.buckets());
    assertEquals(3_600_000L, w.bucketMillis());
    assertEquals(859, w.count());
    assertEquals(3870.0, w.sum(), 0.0);
    assertEquals(1, w.lateCount());
    assertEquals(1_700_000_000_000L + 999 * 97_000L, w.headTimestamp());
    SerialFormV2GoldenTest.assertRewrittenAsV2(
        w.toBytes(), SlidingWindow::fromBytes, SlidingWindow::toBytes);
  }

  @Test
  void ewma_v1Fixture_readsSameState() throws IOException {
    byte[] bytes = fixture("ewma.bin");
    Ewma e = Ewma.fromBytes(bytes);
    assertEquals(2.9566981747698677, e.mean(), 0.0);
    assertEquals(4.1746475637521, e.variance(), 0.0);
    assertEquals(28.4393892209285, e.weight(), 0.0);
    assertEquals(600_000L, e.halfLifeMillis());
    SerialFormV2GoldenTest.assertRewrittenAsV2(e.toBytes(), Ewma::fromBytes, Ewma::toBytes);
  }

  @Test
  void interArrival_v1Fixture_readsSameState() throws IOException {
    byte[] bytes = fixture("inter-arrival.bin");
    InterArrivalStats s = InterArrivalStats.fromBytes(bytes);
    assertEquals(99, s.gapCount());
    assertEquals(99_000.0, s.meanGap(), 0.0);
    SerialFormV2GoldenTest.assertRewrittenAsV2(
        s.toBytes(), InterArrivalStats::fromBytes, InterArrivalStats::toBytes);
  }

  @Test
  void hourOfDay_v1Fixture_readsSameState() throws IOException {
    byte[] bytes = fixture("hour-of-day.bin");
    HourOfDayHistogram h = HourOfDayHistogram.fromBytes(bytes);
    assertEquals(1000, h.total());
    assertEquals(40, h.count(0));
    assertEquals(0.9996186465504523, h.entropy(), 1e-15);
    SerialFormV2GoldenTest.assertRewrittenAsV2(
        h.toBytes(), HourOfDayHistogram::fromBytes, HourOfDayHistogram::toBytes);
  }

  @Test
  void quantileSketch_v1Fixture_readsSameState() throws IOException {
    byte[] bytes = fixture("quantile-sketch.bin");
    QuantileSketch q = QuantileSketch.fromBytes(bytes);
    assertEquals(32, q.k());
    assertEquals(1000, q.n());
    assertEquals(0.512, q.rank(500), 0.0);
    assertEquals(491.0, q.quantile(0.5), 0.0);
    assertEquals(0.07027113052756992, q.rankErrorBound(0.01), 1e-15);
    assertArrayEquals(bytes, q.toBytes());
  }
}
