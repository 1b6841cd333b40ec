package io.distillwatch.core.detect;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Sets the account alert threshold for a target benign false-positive rate, measured on the
 * population itself.
 *
 * <p>An account is evaluated many times in its life, and each evaluation is a chance to cross a
 * nominal threshold, so a per-evaluation significance level does not bound the share of accounts
 * alerted. This class keeps the exact distribution, over accounts, of each account's maximum
 * evidence so far ({@code E = -log10 p}), in bins of 0.05, and the threshold is the smallest bin
 * edge above which at most {@code targetRate} of the accounts lie, and never below the nominal
 * {@code -log10(targetRate)}. Members of alerted clusters are taken out of the population: the
 * coordination already explains them, and a large campaign must not raise the bar for everyone.
 *
 * <p>Implementation notes: moving an account from its old bin to its new one is O(1); the threshold
 * is recomputed from the 600 bins every 1,024 updates. The share is over accounts that have been
 * evaluated, so at most about {@code targetRate} of them can be above it at any time, attackers
 * included; early in a stream, with fewer than {@code 1 / targetRate} accounts, the nominal
 * threshold alone applies.
 */
final class ThresholdCalibrator {
  static final double BIN = 0.05;
  static final int BINS = 600;
  static final int NONE = -1;
  static final int EXCLUDED = -2;

  private final double targetRate;
  private final double nominal;
  private final long[] bins = new long[BINS];
  private long accounts;
  private int sinceRefresh;
  private double threshold;

  ThresholdCalibrator(double targetRate) {
    this.targetRate = targetRate;
    this.nominal = -Math.log10(targetRate);
    this.threshold = nominal;
  }

  /**
   * Records an account's evidence and returns its new maximum bin.
   *
   * @param maxBin the account's current maximum bin, {@link #NONE} or {@link #EXCLUDED}
   */
  int record(int maxBin, double evidence) {
    if (maxBin == EXCLUDED) {
      return EXCLUDED;
    }
    int bin = (int) Math.min(BINS - 1, Math.max(0, evidence / BIN));
    if (bin <= maxBin) {
      return maxBin;
    }
    if (maxBin == NONE) {
      accounts++;
    } else {
      bins[maxBin]--;
    }
    bins[bin]++;
    if (++sinceRefresh >= 1024) {
      refresh();
    }
    return bin;
  }

  /** Takes an account out of the reference population; returns {@link #EXCLUDED}. */
  int exclude(int maxBin) {
    if (maxBin >= 0) {
      bins[maxBin]--;
      accounts--;
    }
    return EXCLUDED;
  }

  /** The current threshold on {@code -log10 p}. */
  double threshold() {
    return threshold;
  }

  /**
   * Whether enough accounts have been evaluated for the empirical threshold to mean anything: at
   * least {@code 2 / targetRate}, so that the allowed share is at least two accounts. Until then no
   * account is alerted on its own evidence.
   */
  boolean calibrated() {
    return accounts >= 2.0 / targetRate;
  }

  long accounts() {
    return accounts;
  }

  private void refresh() {
    sinceRefresh = 0;
    long allowed = (long) Math.floor(targetRate * accounts);
    long above = 0;
    int edge = BINS;
    while (edge > 0 && above + bins[edge - 1] <= allowed) {
      above += bins[edge - 1];
      edge--;
    }
    threshold = Math.max(nominal, edge * BIN);
  }

  long[] bins() {
    return bins;
  }

  /**
   * Writes double targetRate, long accounts, int sinceRefresh, double threshold, then the 600 bins
   * (longs).
   */
  void writeTo(DataOutput out) throws IOException {
    out.writeDouble(targetRate);
    out.writeLong(accounts);
    out.writeInt(sinceRefresh);
    out.writeDouble(threshold);
    for (long b : bins) {
      out.writeLong(b);
    }
  }

  /**
   * Replaces the learned state with the form written by {@link #writeTo}. When this calibrator's
   * target rate differs from the stored one (a restart with a new configuration), the threshold is
   * recomputed at once for the new rate instead of at the next periodic refresh.
   */
  void readFrom(DataInput in) throws IOException {
    double storedRate = in.readDouble();
    long n = in.readLong();
    int since = in.readInt();
    double t = in.readDouble();
    if (n < 0 || since < 0 || since >= 1024 || !(t >= 0)) {
      throw new IOException(
          "threshold state out of range: accounts " + n + ", sinceRefresh " + since + ", " + t);
    }
    long sum = 0;
    for (int i = 0; i < BINS; i++) {
      long b = in.readLong();
      if (b < 0) {
        throw new IOException("threshold bin " + i + " count " + b);
      }
      bins[i] = b;
      sum += b;
    }
    if (sum != n) {
      throw new IOException("threshold bins sum to " + sum + ", accounts is " + n);
    }
    accounts = n;
    sinceRefresh = since;
    threshold = t;
    if (Double.compare(storedRate, targetRate) != 0) {
      refresh();
    }
  }
}
