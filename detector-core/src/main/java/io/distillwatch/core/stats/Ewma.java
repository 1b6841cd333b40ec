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
 * Event-time exponentially weighted mean and variance with a half-life in millis.
 *
 * <p>Contract: after updates {@code (t_i, x_i)}, with {@code T = max t_i} and weights {@code w_i =
 * 2^(-(T - t_i) / halfLife)}, {@link #mean()} is {@code sum w_i x_i / W}, {@link #variance()} is
 * the weighted population variance {@code sum w_i (x_i - mean)^2 / W} and {@link #weight()} is
 * {@code W = sum w_i} (the effective number of samples, at most about {@code 1.44 * halfLife /
 * meanInterval} in steady state). This holds for irregular intervals and for out-of-order updates:
 * an update older than the newest one ({@code dt < 0}) is itself decayed by {@code 2^(dt /
 * halfLife)} instead of decaying the state, which gives exactly the same weights as if it had
 * arrived in order. Before any update {@code mean()} and {@code variance()} are 0 and {@code
 * weight()} is 0. {@code update} is O(1) and does not allocate.
 *
 * <p>Implementation notes: West's (1979) weighted incremental update as written up by Finch (2009,
 * section 4): decaying all past weights by a common factor {@code a} leaves the mean unchanged and
 * scales {@code W} and the sum of squares {@code S} by {@code a}; adding a sample of weight {@code
 * w} is then {@code W' = W + w; mean' = mean + (w / W') (x - mean); S' = S + w (x - mean)(x -
 * mean')}, which is numerically stable (no difference of large sums). The decay is {@code exp(-ln2
 * * dt / halfLife)} with the constant precomputed.
 */
public final class Ewma {
  static final byte SERIAL_VERSION = 2;

  private final long halfLifeMillis;
  private final double negLn2OverHalfLife;
  private long lastTimestamp = Long.MIN_VALUE;
  private double weight;
  private double mean;
  private double sumSquares;

  /**
   * @param halfLifeMillis time for a sample's weight to halve, {@code >= 1}
   */
  public Ewma(long halfLifeMillis) {
    if (halfLifeMillis < 1) {
      throw new IllegalArgumentException("halfLifeMillis must be >= 1, got " + halfLifeMillis);
    }
    this.halfLifeMillis = halfLifeMillis;
    this.negLn2OverHalfLife = -Math.log(2.0) / halfLifeMillis;
  }

  /** Adds sample {@code x} observed at {@code timestampMillis} with unit weight. */
  public void update(long timestampMillis, double x) {
    update(timestampMillis, x, 1.0);
  }

  /**
   * Adds sample {@code x} with weight {@code w > 0} (before time decay) at {@code timestampMillis};
   * NaN or infinite samples are ignored.
   */
  public void update(long timestampMillis, double x, double w) {
    if (!Double.isFinite(x) || !(w > 0)) {
      return;
    }
    if (weight == 0.0 && lastTimestamp == Long.MIN_VALUE) {
      lastTimestamp = timestampMillis;
    } else {
      long dt = timestampMillis - lastTimestamp;
      if (dt > 0) {
        double a = Math.exp(negLn2OverHalfLife * dt);
        weight *= a;
        sumSquares *= a;
        lastTimestamp = timestampMillis;
      } else if (dt < 0) {
        w *= Math.exp(-negLn2OverHalfLife * dt);
      }
    }
    double newWeight = weight + w;
    double delta = x - mean;
    double newMean = mean + (w / newWeight) * delta;
    sumSquares += w * delta * (x - newMean);
    if (sumSquares < 0) {
      sumSquares = 0;
    }
    mean = newMean;
    weight = newWeight;
  }

  /** Weighted mean; 0 before the first update. */
  public double mean() {
    return mean;
  }

  /** Weighted population variance {@code S / W}; 0 before the first update. */
  public double variance() {
    return weight > 0 ? sumSquares / weight : 0.0;
  }

  /** {@code sqrt(variance())}. */
  public double stdDev() {
    return Math.sqrt(variance());
  }

  /** Effective number of samples {@code W} as of the newest update. */
  public double weight() {
    return weight;
  }

  /**
   * Effective number of samples as of {@code nowMillis} (decayed further if later than the newest
   * update); does not change the state.
   */
  public double weight(long nowMillis) {
    long dt = nowMillis - lastTimestamp;
    return dt > 0 && lastTimestamp != Long.MIN_VALUE
        ? weight * Math.exp(negLn2OverHalfLife * dt)
        : weight;
  }

  /** The half-life in millis. */
  public long halfLifeMillis() {
    return halfLifeMillis;
  }

  /** Timestamp of the newest update, or {@link Long#MIN_VALUE} before the first. */
  public long lastTimestamp() {
    return lastTimestamp;
  }

  /** Forgets all samples. */
  public void reset() {
    lastTimestamp = Long.MIN_VALUE;
    weight = 0;
    mean = 0;
    sumSquares = 0;
  }

  /** An independent copy. */
  public Ewma copy() {
    Ewma c = new Ewma(halfLifeMillis);
    c.lastTimestamp = lastTimestamp;
    c.weight = weight;
    c.mean = mean;
    c.sumSquares = sumSquares;
    return c;
  }

  /**
   * Serial form version 2 ({@link Varints}): {@code version:1, halfLifeMillis:varint,
   * lastTimestamp:zigzag, weight:8, mean:8, sumSquares:8}, 28 to 40 bytes (35 for an epoch-millis
   * timestamp and a half-life of hours). Version 1 (still read) wrote the two longs in 8 bytes
   * each, 41 bytes.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeByte(SERIAL_VERSION);
    Varints.writeUnsigned(halfLifeMillis, out);
    Varints.writeSigned(lastTimestamp, out);
    out.writeDouble(weight);
    out.writeDouble(mean);
    out.writeDouble(sumSquares);
  }

  /** Reads the form written by {@link #writeTo}, version 2 or 1. */
  public static Ewma readFrom(DataInput in) throws IOException {
    int version = in.readByte();
    if (version != 1 && version != SERIAL_VERSION) {
      throw new IOException(
          "unsupported Ewma serial version "
              + version
              + "; this build reads 1 and "
              + SERIAL_VERSION);
    }
    long halfLife = version == 1 ? in.readLong() : Varints.readUnsigned(in);
    if (halfLife < 1) {
      throw new IOException("corrupt Ewma: halfLifeMillis " + halfLife);
    }
    Ewma e = new Ewma(halfLife);
    e.lastTimestamp = version == 1 ? in.readLong() : Varints.readSigned(in);
    e.weight = in.readDouble();
    e.mean = in.readDouble();
    e.sumSquares = in.readDouble();
    return e;
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
  public static Ewma fromBytes(byte[] bytes) {
    try {
      return readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read Ewma: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "Ewma{mean=" + mean + ", sd=" + stdDev() + ", weight=" + weight + '}';
  }
}
