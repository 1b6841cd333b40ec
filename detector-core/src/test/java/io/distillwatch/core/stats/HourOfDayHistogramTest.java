package io.distillwatch.core.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HourOfDayHistogramTest {
  private static final long HOUR = 3_600_000L;

  @Test
  void add_utcHour_countedInItsHour() {
    HourOfDayHistogram h = new HourOfDayHistogram();
    h.add(Instant.parse("2025-03-01T13:59:59.999Z").toEpochMilli());
    h.add(Instant.parse("2025-03-01T14:00:00Z").toEpochMilli());
    h.add(Instant.parse("1969-12-31T23:30:00Z").toEpochMilli()); // negative epoch millis
    assertEquals(1, h.count(13));
    assertEquals(1, h.count(14));
    assertEquals(1, h.count(23));
    assertEquals(3, h.total());
    assertEquals(3, h.activeHours());
    assertThrows(IllegalArgumentException.class, () -> h.count(24));
  }

  @Test
  void entropy_roundTheClockUniform_nearOne_singleHour_zero() {
    HourOfDayHistogram bot = new HourOfDayHistogram();
    SplittableRandom rnd = new SplittableRandom(9);
    for (int i = 0; i < 100_000; i++) {
      bot.add(rnd.nextLong(0, 365 * 24 * HOUR));
    }
    assertTrue(bot.entropy() > 0.999, "entropy " + bot.entropy());
    assertEquals(24, bot.activeHours());

    HourOfDayHistogram oneHour = new HourOfDayHistogram();
    for (int d = 0; d < 30; d++) {
      oneHour.add(d * 24 * HOUR + 9 * HOUR + 5);
    }
    assertEquals(0.0, oneHour.entropy(), 0.0);
    assertEquals(0.0, new HourOfDayHistogram().entropy(), 0.0);

    HourOfDayHistogram office = new HourOfDayHistogram(); // 8 working hours, uniform
    for (int d = 0; d < 30; d++) {
      for (int hour = 9; hour < 17; hour++) {
        office.add(d * 24 * HOUR + hour * HOUR);
      }
    }
    assertEquals(Math.log(8) / Math.log(24), office.entropy(), 1e-12);
  }

  @Test
  void mergeCopyAndBytes_preserveCounts() {
    HourOfDayHistogram a = new HourOfDayHistogram();
    HourOfDayHistogram b = new HourOfDayHistogram();
    for (int i = 0; i < 100; i++) {
      a.add(i * 997_000L);
      b.add(i * 1_013_000L);
    }
    HourOfDayHistogram m = a.copy();
    m.merge(b);
    assertEquals(200, m.total());
    for (int hour = 0; hour < 24; hour++) {
      assertEquals(a.count(hour) + b.count(hour), m.count(hour));
    }
    HourOfDayHistogram r = HourOfDayHistogram.fromBytes(m.toBytes());
    assertArrayEquals(m.toBytes(), r.toBytes());
    // version 2: 1 version byte and a one-byte varint per hour (every count is under 128 here)
    assertEquals(25, r.toBytes().length);
    assertEquals(200, r.total());
  }
}
