package io.distillwatch.examples.generate;

import java.util.SplittableRandom;

/**
 * A closed interval a per-account parameter is drawn from, uniformly; presets describe accounts by
 * ranges so no two accounts of a campaign behave exactly alike.
 */
record Range(double lo, double hi) {
  Range {
    if (!(lo <= hi)) {
      throw new IllegalArgumentException("range needs lo <= hi, got [" + lo + ", " + hi + "]");
    }
  }

  static Range of(double lo, double hi) {
    return new Range(lo, hi);
  }

  double draw(SplittableRandom r) {
    return lo == hi ? lo : lo + (hi - lo) * r.nextDouble();
  }

  /** Log-uniform draw, for parameters spanning orders of magnitude; needs lo > 0. */
  double drawLog(SplittableRandom r) {
    return lo == hi ? lo : lo * Math.exp(Math.log(hi / lo) * r.nextDouble());
  }

  int drawInt(SplittableRandom r) {
    return (int) Math.round(draw(r));
  }

  double mid() {
    return (lo + hi) / 2;
  }

  @Override
  public String toString() {
    return lo == hi ? fmt(lo) : fmt(lo) + "-" + fmt(hi);
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
