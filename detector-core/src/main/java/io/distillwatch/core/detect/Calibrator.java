package io.distillwatch.core.detect;

import io.distillwatch.core.stats.QuantileSketch;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Learns the population distribution of one signal online and turns a value into an upper tail
 * probability {@code P(X >= x)} under that distribution.
 *
 * <p>Implementation notes. The body of the distribution comes from a KLL quantile sketch. The far
 * tail cannot come from it: an attack that is a large share of the population (a hydra campaign of
 * 25,000 accounts) would define its own 99th percentile and hide in it, and a rank sketch has no
 * resolution below its rank error anyway. So beyond the 90th percentile the tail is extrapolated as
 * an exponential whose scale is fitted to the 50th..90th percentiles, {@code P(X >= x) = 0.1
 * exp(-(x - q90) / s)} with {@code s = (q90 - q50) / ln 5}: the same law an exponential body would
 * follow, robust to up to 10% contamination. A signal-specific floor on {@code s} (its smallest
 * meaningful difference) stops a degenerate population (everyone at 0) from making any positive
 * value infinitely surprising. Quantiles are read into a small table every {@code refreshEvery}
 * updates, so a query is a binary search over 33 doubles rather than a sketch walk.
 */
final class Calibrator {
  private static final int TABLE = 33;
  private static final double LN5 = Math.log(5.0);

  /** The quantiles a refresh reads: the table's, then q50 and q90. */
  private static final double[] REFRESH_QUANTILES = refreshQuantiles();

  private final long seed;
  private QuantileSketch sketch;
  private final double scaleFloor;
  private final int minSamples;
  private final int refreshEvery;
  private final double[] table = new double[TABLE];
  private final double[] refreshed = new double[TABLE + 2];
  private int sinceRefresh;
  private boolean ready;
  private double q50;
  private double q90;
  private double scale;

  private static double[] refreshQuantiles() {
    double[] qs = new double[TABLE + 2];
    for (int i = 0; i < TABLE; i++) {
      qs[i] = i / (double) (TABLE - 1);
    }
    qs[TABLE] = 0.5;
    qs[TABLE + 1] = 0.9;
    return qs;
  }

  /**
   * @param seed seed of the sketch's compaction coin flips: fixed, so that two detectors fed one
   *     stream learn the same quantiles (and a restored detector continues exactly as the original)
   */
  Calibrator(double scaleFloor, int minSamples, int refreshEvery, long seed) {
    this.seed = seed;
    this.sketch = new QuantileSketch(QuantileSketch.DEFAULT_K, seed);
    this.scaleFloor = scaleFloor;
    this.minSamples = minSamples;
    this.refreshEvery = refreshEvery;
  }

  void update(double value) {
    sketch.update(value);
    if (++sinceRefresh >= refreshEvery || (!ready && sketch.n() >= minSamples)) {
      refresh();
    }
  }

  long samples() {
    return sketch.n();
  }

  boolean ready() {
    return ready;
  }

  /** The upper tail probability of {@code x}; 1 while the population is not learned yet. */
  double tail(double x) {
    if (!ready) {
      return 1.0;
    }
    if (x > q90) {
      return 0.1 * Math.exp(-(x - q90) / scale);
    }
    if (x <= table[0]) {
      return 1.0;
    }
    // table[i] is the quantile at i / (TABLE - 1); find the cell holding x and interpolate.
    int lo = 0;
    int hi = TABLE - 1;
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      if (table[mid] < x) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    double width = table[hi] - table[lo];
    double frac = width > 0 ? (x - table[lo]) / width : 1.0;
    double rank = (lo + frac) / (TABLE - 1);
    return Math.max(0.1, 1.0 - rank);
  }

  double median() {
    return q50;
  }

  double quantile90() {
    return q90;
  }

  private void refresh() {
    sinceRefresh = 0;
    if (sketch.n() < minSamples) {
      return;
    }
    // One sorted view of the sketch for all 35 quantiles (it used to be sorted once per quantile).
    sketch.quantiles(REFRESH_QUANTILES, refreshed);
    System.arraycopy(refreshed, 0, table, 0, TABLE);
    q50 = refreshed[TABLE];
    q90 = refreshed[TABLE + 1];
    scale = Math.max(scaleFloor, (q90 - q50) / LN5);
    ready = true;
  }

  /**
   * Writes the learned state: long seed, int sinceRefresh, boolean ready, doubles q50, q90, scale,
   * the 33-double quantile table, then the sketch in its own versioned form. The refresh state is
   * part of it so a restored calibrator refreshes at the same update as the original would.
   */
  void writeTo(DataOutput out) throws IOException {
    out.writeLong(seed);
    out.writeInt(sinceRefresh);
    out.writeBoolean(ready);
    out.writeDouble(q50);
    out.writeDouble(q90);
    out.writeDouble(scale);
    for (double t : table) {
      out.writeDouble(t);
    }
    sketch.writeTo(out);
  }

  /** Replaces this calibrator's learned state with the form written by {@link #writeTo}. */
  void readFrom(DataInput in) throws IOException {
    long storedSeed = in.readLong();
    if (storedSeed != seed) {
      throw new IOException("calibrator seed " + storedSeed + ", expected " + seed);
    }
    int since = in.readInt();
    if (since < 0 || since >= refreshEvery) {
      throw new IOException(
          "calibrator sinceRefresh " + since + " out of [0, " + refreshEvery + ")");
    }
    sinceRefresh = since;
    ready = in.readBoolean();
    q50 = in.readDouble();
    q90 = in.readDouble();
    scale = in.readDouble();
    for (int i = 0; i < TABLE; i++) {
      table[i] = in.readDouble();
    }
    QuantileSketch s = QuantileSketch.readFrom(in);
    // An empty sketch's serial form omits its coin-flip state (it is still the seed's): rebuild it
    // from the seed, or the restored sketch would compact differently from the original.
    sketch = s.n() == 0 ? new QuantileSketch(s.k(), seed) : s;
    if (ready && !(scale > 0)) {
      throw new IOException("calibrator is ready with scale " + scale);
    }
  }
}
