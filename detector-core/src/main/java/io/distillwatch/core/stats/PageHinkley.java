package io.distillwatch.core.stats;

/**
 * The Page-Hinkley test for a change in the mean of a series.
 *
 * <p>Contract: {@link #update(double)} returns true when a change is signalled at this sample:
 * upward when the cumulative sum {@code m_t = sum (x_i - mean_i - delta)} rises more than {@code
 * lambda} above its running minimum, and, if two-sided, downward symmetrically. {@code mean_i} is
 * the running mean of the samples since the last reset. No signal is raised before {@code
 * minSamples} samples. After a signal the detector resets itself, so it is ready for the next
 * change; {@link #lastDirection()} tells which way the last signal went. O(1), no allocation.
 *
 * <p>Choosing parameters: {@code delta} is the magnitude of change that is tolerated (half the
 * smallest shift worth detecting is the classic choice); {@code lambda} trades detection delay
 * (about {@code lambda / (shift - delta)} samples) against false alarms (rarer exponentially in
 * {@code lambda * delta / sigma^2}). Defaults: {@code delta = 0.5, lambda = 50, minSamples = 30},
 * upward only, for unit-variance series (standardise first).
 *
 * <p>Implementation notes: Page (1954) and Hinkley (1971); this is the form of Gama et al., "A
 * survey on concept drift adaptation" (ACM CSUR 2014), which uses the running mean instead of a
 * known pre-change mean, so the detector needs no training phase.
 */
public final class PageHinkley {
  /** Default tolerated change magnitude. */
  public static final double DEFAULT_DELTA = 0.5;

  /** Default alarm threshold. */
  public static final double DEFAULT_LAMBDA = 50.0;

  /** Default number of samples before any signal. */
  public static final int DEFAULT_MIN_SAMPLES = 30;

  private final double delta;
  private final double lambda;
  private final int minSamples;
  private final boolean twoSided;

  private long n;
  private double mean;
  private double upSum;
  private double upMin;
  private double downSum;
  private double downMax;
  private int lastDirection;

  /** An upward detector with the default parameters. */
  public PageHinkley() {
    this(DEFAULT_DELTA, DEFAULT_LAMBDA, DEFAULT_MIN_SAMPLES, false);
  }

  /**
   * @param delta tolerated change magnitude, {@code >= 0}
   * @param lambda alarm threshold, {@code > 0}
   * @param minSamples samples since reset before any signal, {@code >= 1}
   * @param twoSided whether downward changes are signalled too
   */
  public PageHinkley(double delta, double lambda, int minSamples, boolean twoSided) {
    if (!(delta >= 0) || Double.isInfinite(delta)) {
      throw new IllegalArgumentException("delta must be finite and >= 0, got " + delta);
    }
    if (!(lambda > 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("lambda must be finite and > 0, got " + lambda);
    }
    if (minSamples < 1) {
      throw new IllegalArgumentException("minSamples must be >= 1, got " + minSamples);
    }
    this.delta = delta;
    this.lambda = lambda;
    this.minSamples = minSamples;
    this.twoSided = twoSided;
  }

  /**
   * Adds a sample; returns true if a change is signalled (and the detector reset). NaN and infinite
   * samples are ignored.
   */
  public boolean update(double x) {
    if (!Double.isFinite(x)) {
      return false;
    }
    n++;
    mean += (x - mean) / n;
    double d = x - mean;
    upSum += d - delta;
    if (upSum < upMin) {
      upMin = upSum;
    }
    boolean up = upSum - upMin > lambda;
    boolean down = false;
    if (twoSided) {
      downSum += d + delta;
      if (downSum > downMax) {
        downMax = downSum;
      }
      down = downMax - downSum > lambda;
    }
    if (n < minSamples || !(up || down)) {
      return false;
    }
    int direction = up ? 1 : -1;
    reset();
    lastDirection = direction;
    return true;
  }

  /** Forgets every sample (keeps {@link #lastDirection()}). */
  public void reset() {
    n = 0;
    mean = 0;
    upSum = 0;
    upMin = 0;
    downSum = 0;
    downMax = 0;
  }

  /** {@code +1} if the last signal was upward, {@code -1} downward, 0 if none yet. */
  public int lastDirection() {
    return lastDirection;
  }

  /** Samples since the last reset. */
  public long samples() {
    return n;
  }

  /** Current upward statistic {@code m_t - min m}; a signal fires when it exceeds lambda. */
  public double upwardStatistic() {
    return upSum - upMin;
  }

  /** An independent copy. */
  public PageHinkley copy() {
    PageHinkley c = new PageHinkley(delta, lambda, minSamples, twoSided);
    c.n = n;
    c.mean = mean;
    c.upSum = upSum;
    c.upMin = upMin;
    c.downSum = downSum;
    c.downMax = downMax;
    c.lastDirection = lastDirection;
    return c;
  }
}
