package io.distillwatch.core.stats;

import io.distillwatch.core.io.Varints;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Online mean and variance of the gaps between successive event timestamps, and the burstiness of
 * the process.
 *
 * <p>Contract: {@link #add(long)} takes event timestamps in millis; each event not older than the
 * previous newest contributes one gap {@code ts - previous} (0 for equal timestamps). An event
 * older than the newest is counted in {@link #outOfOrderCount()} and contributes no gap (its true
 * neighbours are unknown without buffering). {@link #burstiness()} is {@code (sigma - mu) / (sigma
 * + mu)} of the gaps: about -1 for a periodic scheduler, about 0 for a Poisson process, positive
 * for bursty traffic (Goh and Barabasi 2008). Statistics over fewer than 2 gaps are NaN. O(1), no
 * allocation.
 *
 * <p>Implementation notes: Welford's (1962) update of the mean and the sum of squared deviations,
 * which avoids the cancellation of {@code E[x^2] - E[x]^2} on millisecond gaps of similar size;
 * sigma is the population standard deviation, as in Goh and Barabasi.
 */
public final class InterArrivalStats {
  static final byte SERIAL_VERSION = 2;

  private long last = Long.MIN_VALUE;
  private long gaps;
  private double mean;
  private double m2;
  private long outOfOrder;

  /** Records an event at {@code timestampMillis}. */
  public void add(long timestampMillis) {
    long prev = last;
    if (prev == Long.MIN_VALUE) {
      last = timestampMillis;
      return;
    }
    if (timestampMillis < prev) {
      outOfOrder++;
      return;
    }
    last = timestampMillis;
    double gap = timestampMillis - prev;
    long k = ++gaps;
    double d = gap - mean;
    mean += d / k;
    m2 += d * (gap - mean);
  }

  /** Number of gaps observed. */
  public long gapCount() {
    return gaps;
  }

  /** Events that arrived older than the newest one and were not used. */
  public long outOfOrderCount() {
    return outOfOrder;
  }

  /** Mean gap in millis; NaN before the first gap. */
  public double meanGap() {
    return gaps > 0 ? mean : Double.NaN;
  }

  /** Population variance of the gaps; NaN with fewer than 2 gaps. */
  public double variance() {
    return gaps >= 2 ? m2 / gaps : Double.NaN;
  }

  /** Population standard deviation of the gaps; NaN with fewer than 2 gaps. */
  public double stdDev() {
    return Math.sqrt(variance());
  }

  /** {@code sigma / mu}; NaN with fewer than 2 gaps or a zero mean gap. */
  public double coefficientOfVariation() {
    return gaps >= 2 && mean > 0 ? stdDev() / mean : Double.NaN;
  }

  /**
   * {@code (sigma - mu) / (sigma + mu)} in {@code [-1, 1]}; NaN with fewer than 2 gaps or when
   * every gap is 0.
   */
  public double burstiness() {
    if (gaps < 2) {
      return Double.NaN;
    }
    double sigma = stdDev();
    double denominator = sigma + mean;
    return denominator > 0 ? (sigma - mean) / denominator : Double.NaN;
  }

  /** Timestamp of the newest event, or {@link Long#MIN_VALUE} before any. */
  public long lastTimestamp() {
    return last;
  }

  /** An independent copy. */
  public InterArrivalStats copy() {
    InterArrivalStats c = new InterArrivalStats();
    c.last = last;
    c.gaps = gaps;
    c.mean = mean;
    c.m2 = m2;
    c.outOfOrder = outOfOrder;
    return c;
  }

  /**
   * Serial form version 2 ({@link Varints}): {@code version:1, last:zigzag, gaps:varint, mean:8,
   * m2:8, outOfOrder:varint}, 19 to 37 bytes (10 for the last timestamp of an empty one, 6 for an
   * epoch-millis one). Version 1 (still read) wrote the three longs in 8 bytes each, 41 bytes.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeByte(SERIAL_VERSION);
    Varints.writeSigned(last, out);
    Varints.writeUnsigned(gaps, out);
    out.writeDouble(mean);
    out.writeDouble(m2);
    Varints.writeUnsigned(outOfOrder, out);
  }

  /** Reads the form written by {@link #writeTo}, version 2 or 1. */
  public static InterArrivalStats readFrom(DataInput in) throws IOException {
    int version = in.readByte();
    if (version != 1 && version != SERIAL_VERSION) {
      throw new IOException(
          "unsupported InterArrivalStats serial version "
              + version
              + "; this build reads 1 and "
              + SERIAL_VERSION);
    }
    InterArrivalStats s = new InterArrivalStats();
    if (version == 1) {
      s.last = in.readLong();
      s.gaps = in.readLong();
      s.mean = in.readDouble();
      s.m2 = in.readDouble();
      s.outOfOrder = in.readLong();
    } else {
      s.last = Varints.readSigned(in);
      s.gaps = Varints.readUnsigned(in);
      s.mean = in.readDouble();
      s.m2 = in.readDouble();
      s.outOfOrder = Varints.readUnsigned(in);
    }
    if (s.gaps < 0 || s.outOfOrder < 0) {
      throw new IOException("corrupt InterArrivalStats: negative count");
    }
    return s;
  }

  /** The serial form as bytes. */
  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(41);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads the form produced by {@link #toBytes()}. */
  public static InterArrivalStats fromBytes(byte[] bytes) {
    try {
      return readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read InterArrivalStats: " + e.getMessage(), e);
    }
  }
}
