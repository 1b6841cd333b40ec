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
 * Counts of events per UTC hour of day (24 counters), and how evenly they spread over the day.
 *
 * <p>Contract: {@link #add(long)} increments the counter of the event's UTC hour (negative epoch
 * millis included); counters saturate at {@link Integer#MAX_VALUE}. {@link #entropy()} is the
 * Shannon entropy of the hour distribution divided by {@code ln 24}: 1 for traffic spread evenly
 * round the clock (a script), near 0 when it is all in one hour, 0 when empty. A human account
 * typically uses 8 to 14 hours a day. O(1), no allocation.
 *
 * <p>Implementation notes: the hour is {@code floorMod(floorDiv(ts, 3 600 000), 24)}, valid because
 * UTC has no leap-second smear in epoch millis; entropy is computed on read (24 logs), as reads are
 * far rarer than writes.
 */
public final class HourOfDayHistogram {
  static final byte SERIAL_VERSION = 2;
  private static final long HOUR_MILLIS = 3_600_000L;
  private static final double LN_24 = Math.log(24.0);

  private final int[] counts = new int[24];
  private long total;

  /** Counts one event at {@code timestampMillis} (epoch millis, UTC). */
  public void add(long timestampMillis) {
    int hour = (int) Math.floorMod(Math.floorDiv(timestampMillis, HOUR_MILLIS), 24L);
    if (counts[hour] != Integer.MAX_VALUE) {
      counts[hour]++;
      total++;
    }
  }

  /** Events counted in UTC hour {@code hour} in {@code [0, 23]}. */
  public int count(int hour) {
    if (hour < 0 || hour > 23) {
      throw new IllegalArgumentException("hour must be in [0, 23], got " + hour);
    }
    return counts[hour];
  }

  /** Events counted in total. */
  public long total() {
    return total;
  }

  /** Hours with at least one event. */
  public int activeHours() {
    return activeHours(1);
  }

  /** Hours with at least {@code minCount} events. */
  public int activeHours(int minCount) {
    int a = 0;
    for (int c : counts) {
      if (c >= minCount && c > 0) {
        a++;
      }
    }
    return a;
  }

  /** Shannon entropy of the hour distribution over {@code ln 24}, in [0, 1]; 0 when empty. */
  public double entropy() {
    if (total == 0) {
      return 0.0;
    }
    double h = 0;
    double n = total;
    for (int c : counts) {
      if (c > 0) {
        double p = c / n;
        h -= p * Math.log(p);
      }
    }
    return Math.min(1.0, Math.max(0.0, h / LN_24));
  }

  /** Adds the other histogram's counts (saturating). */
  public void merge(HourOfDayHistogram other) {
    for (int h = 0; h < 24; h++) {
      long c = (long) counts[h] + other.counts[h];
      int merged = (int) Math.min(Integer.MAX_VALUE, c);
      total += merged - counts[h];
      counts[h] = merged;
    }
  }

  /** An independent copy. */
  public HourOfDayHistogram copy() {
    HourOfDayHistogram c = new HourOfDayHistogram();
    System.arraycopy(counts, 0, c.counts, 0, 24);
    c.total = total;
    return c;
  }

  /**
   * Serial form version 2: {@code version:1, counts: 24 varints (hour 0 first)}, 25 bytes for an
   * empty histogram and 25 to 49 for one of up to 16,383 events an hour ({@link Varints}). Version
   * 1 (still read) wrote 24 ints, 97 bytes.
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeByte(SERIAL_VERSION);
    for (int c : counts) {
      Varints.writeUnsigned(c, out);
    }
  }

  /** Reads the form written by {@link #writeTo}, version 2 or 1. */
  public static HourOfDayHistogram readFrom(DataInput in) throws IOException {
    int version = in.readByte();
    if (version != 1 && version != SERIAL_VERSION) {
      throw new IOException(
          "unsupported HourOfDayHistogram serial version "
              + version
              + "; this build reads 1 and "
              + SERIAL_VERSION);
    }
    HourOfDayHistogram h = new HourOfDayHistogram();
    for (int i = 0; i < 24; i++) {
      int c = version == 1 ? in.readInt() : Varints.readUnsignedInt(in, "HourOfDayHistogram count");
      if (c < 0) {
        throw new IOException("corrupt HourOfDayHistogram: negative count");
      }
      h.counts[i] = c;
      h.total += c;
    }
    return h;
  }

  /** The serial form as bytes. */
  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(49);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads the form produced by {@link #toBytes()}. */
  public static HourOfDayHistogram fromBytes(byte[] bytes) {
    try {
      return readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read HourOfDayHistogram: " + e.getMessage(), e);
    }
  }
}
