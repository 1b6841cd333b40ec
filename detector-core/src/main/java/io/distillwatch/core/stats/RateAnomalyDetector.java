package io.distillwatch.core.stats;

import org.apache.commons.math3.special.Beta;

/**
 * A causal anomaly score in {@code [0, 1]} for each point of a univariate series of {@code
 * (timestamp millis, value)}: request rates, token counts, any signal.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #score(long, double)} uses only the points given before it (no look-ahead): the
 *       scores of a prefix do not change when points are appended.
 *   <li>The score is {@code 1 - p}, where {@code p} is a two-sided tail probability of the value
 *       under the baseline (or, with {@link Direction#UPPER}, twice the upper tail, capped at 1,
 *       and 0 for values below the baseline); a score above 0.99 means {@code p < 0.01}.
 *   <li>The first {@code warmUpPoints} points score 0. Non-finite values score 0 and are ignored.
 *   <li>O(robustWindow) per point (a quickselect over the recent points), no allocation of its own
 *       (commons-math special functions may allocate small temporaries).
 * </ul>
 *
 * <p>Defaults ({@link #builder()}): continuous values, two-sided; warm-up 20 points; robust window
 * of the last 64 points; half-life chosen automatically at the end of the warm-up as 30 times the
 * median gap between warm-up timestamps; points scoring at least 0.99 are winsorised to the
 * baseline mean +- 3 standard deviations before they update the EWMA.
 *
 * <p>Implementation notes. Two baselines must agree before a point is called anomalous, and {@code
 * p} is the larger of their tail probabilities:
 *
 * <ol>
 *   <li>An event-time {@link Ewma} of mean and variance (exact for irregular sampling). Its z-score
 *       is converted with a Student t tail on {@code W - 1} degrees of freedom ({@code W} the
 *       EWMA's effective sample count), because the variance is itself estimated from few effective
 *       samples and a normal tail would raise too many false alarms. For {@link SeriesKind#COUNTS},
 *       the tail is instead Poisson (or negative binomial with dispersion {@code mean^2 / (var -
 *       mean)} when the EWMA sees over-dispersion), see {@link TailProbabilities}.
 *   <li>A median / MAD of the last {@code robustWindow} raw values ({@link RobustStats}), with a t
 *       tail on {@code 0.37 * window} degrees of freedom (the MAD's asymptotic efficiency for
 *       normal data is 37%). The median ignores a burst until it fills half the window, so a burst
 *       cannot hide itself; the EWMA adapts smoothly to slow drift.
 * </ol>
 *
 * The EWMA is updated after scoring with the point winsorised when it scored high (Huber-style), so
 * a burst cannot inflate the variance it is judged against; a genuine level shift is still
 * absorbed, by the median within half a window. The automatic half-life keeps the detector
 * unit-free (per-second and per-day series alike) and is chosen from warm-up timestamps only, so it
 * is causal.
 */
public final class RateAnomalyDetector {
  /** Kind of series, which decides the EWMA tail. */
  public enum SeriesKind {
    /** Real-valued; Student t tail. */
    CONTINUOUS,
    /** Non-negative counts per interval; Poisson / negative-binomial tail. */
    COUNTS
  }

  /** Which deviations count as anomalous. */
  public enum Direction {
    /** Both unusually high and unusually low values. */
    TWO_SIDED,
    /** Only unusually high values (bursts). */
    UPPER
  }

  /** Default number of points scored 0 while the baselines fill. */
  public static final int DEFAULT_WARM_UP_POINTS = 20;

  /** Default number of recent points in the median / MAD baseline. */
  public static final int DEFAULT_ROBUST_WINDOW = 64;

  /** Default automatic half-life, in median gaps. */
  public static final double DEFAULT_HALF_LIFE_POINTS = 30;

  /** Default score from which points are winsorised before updating the EWMA. */
  public static final double DEFAULT_ANOMALY_THRESHOLD = 0.99;

  /** Default winsorising limit, in baseline standard deviations. */
  public static final double DEFAULT_CLIP_SIGMAS = 3.0;

  /** Default smallest scale (standard deviation or MAD) used in a z-score. */
  public static final double DEFAULT_MIN_SCALE = 1e-9;

  private static final double MAD_EFFICIENCY = 0.37;

  private final long configuredHalfLifeMillis;
  private final double halfLifePoints;
  private final int warmUpPoints;
  private final int robustWindow;
  private final SeriesKind kind;
  private final Direction direction;
  private final double anomalyThreshold;
  private final double clipSigmas;
  private final double minScale;

  private Ewma ewma;
  private final double[] values;
  private final long[] times;
  private final double[] scratch;
  private int ringNext;
  private int ringSize;
  private long points;

  private RateAnomalyDetector(Builder b) {
    this.configuredHalfLifeMillis = b.halfLifeMillis;
    this.halfLifePoints = b.halfLifePoints;
    this.warmUpPoints = b.warmUpPoints;
    this.robustWindow = b.robustWindow;
    this.kind = b.kind;
    this.direction = b.direction;
    this.anomalyThreshold = b.anomalyThreshold;
    this.clipSigmas = b.clipSigmas;
    this.minScale = b.minScale;
    this.values = new double[robustWindow];
    this.times = new long[robustWindow];
    this.scratch = new double[robustWindow];
    this.ewma = configuredHalfLifeMillis > 0 ? new Ewma(configuredHalfLifeMillis) : null;
  }

  /** A builder with the defaults listed in the class documentation. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder of {@link RateAnomalyDetector}. */
  public static final class Builder {
    private long halfLifeMillis;
    private double halfLifePoints = DEFAULT_HALF_LIFE_POINTS;
    private int warmUpPoints = DEFAULT_WARM_UP_POINTS;
    private int robustWindow = DEFAULT_ROBUST_WINDOW;
    private SeriesKind kind = SeriesKind.CONTINUOUS;
    private Direction direction = Direction.TWO_SIDED;
    private double anomalyThreshold = DEFAULT_ANOMALY_THRESHOLD;
    private double clipSigmas = DEFAULT_CLIP_SIGMAS;
    private double minScale = DEFAULT_MIN_SCALE;

    private Builder() {}

    /** EWMA half-life in millis, {@code >= 1}; 0 (the default) chooses it automatically. */
    public Builder halfLifeMillis(long halfLifeMillis) {
      this.halfLifeMillis = halfLifeMillis;
      return this;
    }

    /** Automatic half-life in median gaps between warm-up points, {@code > 0}; default 30. */
    public Builder halfLifePoints(double halfLifePoints) {
      this.halfLifePoints = halfLifePoints;
      return this;
    }

    /** Points scored 0 at the start, in {@code [2, robustWindow]}; default 20. */
    public Builder warmUpPoints(int warmUpPoints) {
      this.warmUpPoints = warmUpPoints;
      return this;
    }

    /** Recent points in the median / MAD baseline, in {@code [3, 100000]}; default 64. */
    public Builder robustWindow(int robustWindow) {
      this.robustWindow = robustWindow;
      return this;
    }

    /** Continuous values or counts; default continuous. */
    public Builder kind(SeriesKind kind) {
      this.kind = java.util.Objects.requireNonNull(kind, "kind");
      return this;
    }

    /** Two-sided or upper-only; default two-sided. */
    public Builder direction(Direction direction) {
      this.direction = java.util.Objects.requireNonNull(direction, "direction");
      return this;
    }

    /** Score from which a point is winsorised before updating the EWMA, in (0, 1]; 0.99. */
    public Builder anomalyThreshold(double anomalyThreshold) {
      this.anomalyThreshold = anomalyThreshold;
      return this;
    }

    /** Winsorising limit in standard deviations, {@code > 0}; default 3. */
    public Builder clipSigmas(double clipSigmas) {
      this.clipSigmas = clipSigmas;
      return this;
    }

    /** Smallest scale used in z-scores, {@code > 0}; default 1e-9. */
    public Builder minScale(double minScale) {
      this.minScale = minScale;
      return this;
    }

    /** Validates the parameters and builds the detector. */
    public RateAnomalyDetector build() {
      if (halfLifeMillis < 0) {
        throw new IllegalArgumentException(
            "halfLifeMillis must be >= 1 (or 0 for automatic), got " + halfLifeMillis);
      }
      if (!(halfLifePoints > 0) || Double.isInfinite(halfLifePoints)) {
        throw new IllegalArgumentException("halfLifePoints must be > 0, got " + halfLifePoints);
      }
      if (robustWindow < 3 || robustWindow > 100_000) {
        throw new IllegalArgumentException(
            "robustWindow must be in [3, 100000], got " + robustWindow);
      }
      if (warmUpPoints < 2 || warmUpPoints > robustWindow) {
        throw new IllegalArgumentException(
            "warmUpPoints must be in [2, robustWindow=" + robustWindow + "], got " + warmUpPoints);
      }
      if (!(anomalyThreshold > 0 && anomalyThreshold <= 1)) {
        throw new IllegalArgumentException(
            "anomalyThreshold must be in (0, 1], got " + anomalyThreshold);
      }
      if (!(clipSigmas > 0)) {
        throw new IllegalArgumentException("clipSigmas must be > 0, got " + clipSigmas);
      }
      if (!(minScale > 0) || Double.isInfinite(minScale)) {
        throw new IllegalArgumentException("minScale must be > 0, got " + minScale);
      }
      return new RateAnomalyDetector(this);
    }
  }

  /**
   * Scores the point against the baselines learned from earlier points, then learns from it.
   *
   * @return anomaly score in {@code [0, 1]}; 0 during warm-up and for non-finite values
   */
  public double score(long timestampMillis, double value) {
    if (!Double.isFinite(value)) {
      return 0.0;
    }
    double score = 0.0;
    if (points >= warmUpPoints) {
      if (ewma == null) {
        startEwmaFromWarmUp();
      }
      score = scoreAgainstBaselines(value);
    }
    learn(timestampMillis, value, score);
    return score;
  }

  private double scoreAgainstBaselines(double x) {
    double mean = ewma.mean();
    double sd = Math.max(ewma.stdDev(), minScale);
    double median = RobustStats.median(values, 0, ringSize, scratch);
    double mad = Math.max(RobustStats.mad(values, 0, ringSize, median, scratch), minScale);
    double zE = (x - mean) / sd;
    double zR = (x - median) / mad;
    if (direction == Direction.UPPER && (zE <= 0 || zR <= 0)) {
      return 0.0;
    }
    if (zE * zR <= 0) {
      return 0.0; // between the two centres: neither baseline alone would be convincing
    }
    double pE;
    if (kind == SeriesKind.COUNTS) {
      pE = countTail(x, Math.max(mean, 0.0), ewma.variance());
    } else {
      pE = twoSidedStudentT(zE, Math.max(1.0, ewma.weight() - 1.0));
    }
    double pR = twoSidedStudentT(zR, Math.max(1.0, MAD_EFFICIENCY * ringSize));
    double p = Math.max(pE, pR);
    double score = 1.0 - Math.min(1.0, p);
    return Math.max(0.0, Math.min(1.0, score));
  }

  /** Two-sided p of a count under Poisson / negative binomial with the given mean and variance. */
  private double countTail(double x, double mean, double variance) {
    long k = Math.round(x);
    double lambda = Math.max(mean, minScale);
    double dispersion =
        variance > lambda * 1.000001
            ? lambda * lambda / (variance - lambda)
            : Double.POSITIVE_INFINITY;
    double upper = TailProbabilities.negativeBinomialUpperTail(k, lambda, dispersion);
    double lower = 1.0 - TailProbabilities.negativeBinomialUpperTail(k + 1, lambda, dispersion);
    return Math.min(1.0, 2.0 * Math.min(upper, lower));
  }

  /** {@code P(|T| >= |t|)} for Student's t with {@code nu} degrees of freedom. */
  static double twoSidedStudentT(double t, double nu) {
    if (t == 0) {
      return 1.0;
    }
    double x = nu / (nu + t * t);
    if (x <= 0) {
      return 0.0;
    }
    return Beta.regularizedBeta(x, 0.5 * nu, 0.5);
  }

  private void learn(long ts, double x, double score) {
    if (ewma != null) {
      double v = x;
      if (score >= anomalyThreshold && points >= warmUpPoints) {
        double limit = clipSigmas * Math.max(ewma.stdDev(), minScale);
        v = Math.max(ewma.mean() - limit, Math.min(ewma.mean() + limit, x));
      }
      ewma.update(ts, v);
    }
    values[ringNext] = x;
    times[ringNext] = ts;
    if (++ringNext == robustWindow) {
      ringNext = 0;
    }
    if (ringSize < robustWindow) {
      ringSize++;
    }
    points++;
  }

  /** Picks the half-life from the warm-up gaps and replays the warm-up points into the EWMA. */
  private void startEwmaFromWarmUp() {
    int start = ringSize < robustWindow ? 0 : ringNext;
    int gaps = 0;
    long prev = times[start];
    for (int i = 1; i < ringSize; i++) {
      long t = times[(start + i) % robustWindow];
      if (t > prev) {
        scratch[gaps++] = t - prev;
        prev = t;
      }
    }
    double medianGap = gaps > 0 ? RobustStats.medianInPlace(scratch, gaps) : 1.0;
    long halfLife = Math.max(1L, Math.round(halfLifePoints * medianGap));
    ewma = new Ewma(halfLife);
    for (int i = 0; i < ringSize; i++) {
      int j = (start + i) % robustWindow;
      ewma.update(times[j], values[j]);
    }
  }

  /** Points seen (scored or warm-up). */
  public long points() {
    return points;
  }

  /** The EWMA half-life in use; 0 while the automatic one is not chosen yet. */
  public long halfLifeMillis() {
    return ewma != null ? ewma.halfLifeMillis() : 0L;
  }

  /** Baseline EWMA mean (0 before the EWMA starts). */
  public double baselineMean() {
    return ewma != null ? ewma.mean() : 0.0;
  }

  /** Baseline EWMA standard deviation (0 before the EWMA starts). */
  public double baselineStdDev() {
    return ewma != null ? ewma.stdDev() : 0.0;
  }

  /** An independent copy that continues exactly as this detector would. */
  public RateAnomalyDetector copy() {
    Builder b =
        builder()
            .halfLifeMillis(configuredHalfLifeMillis)
            .halfLifePoints(halfLifePoints)
            .warmUpPoints(warmUpPoints)
            .robustWindow(robustWindow)
            .kind(kind)
            .direction(direction)
            .anomalyThreshold(anomalyThreshold)
            .clipSigmas(clipSigmas)
            .minScale(minScale);
    RateAnomalyDetector c = b.build();
    c.ewma = ewma != null ? ewma.copy() : null;
    System.arraycopy(values, 0, c.values, 0, robustWindow);
    System.arraycopy(times, 0, c.times, 0, robustWindow);
    c.ringNext = ringNext;
    c.ringSize = ringSize;
    c.points = points;
    return c;
  }
}
