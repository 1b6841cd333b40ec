package io.distillwatch.core.link;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * What an account stage measured about one account at one evaluation, for the cluster stage to
 * calibrate against the whole population: each signal's raw value (NaN when the signal is not
 * active, in the order of the detector's {@code Signal} enum), and the figures its alert reasons
 * quote. Immutable; equal when every number is (NaNs included).
 *
 * <p>Why raw values travel: the tail probability of a value is a property of the population, and
 * each account-stage instance of a parallel job sees only a share of it. The cluster stage sees
 * every account's evaluations, so it holds the one set of calibrators.
 */
public final class AccountSignals {
  /** Reason figures, by index. */
  public static final int LAST_24H = 0;

  public static final int OUTPUT_PER_EXCHANGE = 1;
  public static final int NOVEL_PROMPTS = 2;
  public static final int TEMPLATES = 3;
  public static final int IPS = 4;
  public static final int NETWORKS = 5;
  static final int FIGURES = 6;

  private final double[] values;
  private final double[] figures;

  /**
   * @param values raw signal values, NaN for inactive signals (copied)
   * @param figures the reason figures, {@link #LAST_24H} to {@link #NETWORKS} (copied)
   */
  public AccountSignals(double[] values, double[] figures) {
    if (values.length == 0 || values.length > 64 || figures.length != FIGURES) {
      throw new IllegalArgumentException(
          values.length + " signals and " + figures.length + " figures, expected 1-64 and 6");
    }
    this.values = values.clone();
    this.figures = figures.clone();
  }

  /** Number of signals. */
  public int size() {
    return values.length;
  }

  /** Whether signal {@code i} is active. */
  public boolean active(int i) {
    return !Double.isNaN(values[i]);
  }

  /** Raw value of signal {@code i}, NaN if inactive. */
  public double value(int i) {
    return values[i];
  }

  /** Reason figure {@code i}. */
  public double figure(int i) {
    return figures[i];
  }

  /** Writes byte n, n doubles, then the 6 figures. */
  public void writeTo(DataOutput out) throws IOException {
    out.writeByte(values.length);
    for (double v : values) {
      out.writeDouble(v);
    }
    for (double f : figures) {
      out.writeDouble(f);
    }
  }

  /** Reads the form of {@link #writeTo}. */
  public static AccountSignals readFrom(DataInput in) throws IOException {
    int n = in.readUnsignedByte();
    if (n == 0 || n > 64) {
      throw new IOException("account signals count " + n + " out of [1, 64]");
    }
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = in.readDouble();
    }
    double[] figures = new double[FIGURES];
    for (int i = 0; i < FIGURES; i++) {
      figures[i] = in.readDouble();
    }
    return new AccountSignals(values, figures);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AccountSignals s
        && Arrays.equals(values, s.values)
        && Arrays.equals(figures, s.figures);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(values) + Arrays.hashCode(figures);
  }

  @Override
  public String toString() {
    return "AccountSignals" + Arrays.toString(values) + Arrays.toString(figures);
  }
}
