package io.distillwatch.core.sketch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/** Small statistics helpers shared by the sketch tests. */
final class Stats {
  private Stats() {}

  static double mean(double[] xs) {
    double s = 0;
    for (double x : xs) {
      s += x;
    }
    return s / xs.length;
  }

  static double rms(double[] xs) {
    double s = 0;
    for (double x : xs) {
      s += x * x;
    }
    return Math.sqrt(s / xs.length);
  }

  /**
   * The most failures we accept out of {@code trials} when each fails with probability at most
   * {@code rate}: the mean plus four binomial standard deviations, so a correct implementation
   * fails this bound with probability well below 10^-4, while a doubled failure rate is caught.
   */
  static int allowedFailures(int trials, double rate) {
    double mean = trials * rate;
    return (int) Math.floor(mean + 4 * Math.sqrt(mean * (1 - rate)) + 1);
  }

  /** Recomputes the CRC32C trailer, so tests can craft structurally bad but well-sealed bytes. */
  static byte[] reseal(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer.wrap(bytes)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(bytes.length - 4, (int) crc.getValue());
    return bytes;
  }
}
