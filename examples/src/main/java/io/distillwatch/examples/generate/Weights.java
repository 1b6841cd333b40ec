package io.distillwatch.examples.generate;

import java.util.SplittableRandom;

/** A discrete distribution over {@code 0..n-1} given by non-negative weights. */
final class Weights {
  private final double[] cumulative;

  Weights(double... weights) {
    if (weights.length == 0) {
      throw new IllegalArgumentException("weights must not be empty");
    }
    cumulative = new double[weights.length];
    double sum = 0;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] < 0) {
        throw new IllegalArgumentException("weights must be >= 0, got " + weights[i]);
      }
      sum += weights[i];
      cumulative[i] = sum;
    }
    if (sum <= 0) {
      throw new IllegalArgumentException("weights must not all be zero");
    }
    for (int i = 0; i < cumulative.length; i++) {
      cumulative[i] /= sum;
    }
  }

  int size() {
    return cumulative.length;
  }

  int pick(SplittableRandom r) {
    double u = r.nextDouble();
    for (int i = 0; i < cumulative.length - 1; i++) {
      if (u < cumulative[i]) {
        return i;
      }
    }
    return cumulative.length - 1;
  }

  /** The same weights with each multiplied by a random factor in [1-jitter, 1+jitter]. */
  Weights jitter(SplittableRandom r, double jitter) {
    double[] w = new double[cumulative.length];
    double prev = 0;
    for (int i = 0; i < w.length; i++) {
      w[i] = (cumulative[i] - prev) * (1 - jitter + 2 * jitter * r.nextDouble());
      prev = cumulative[i];
    }
    return new Weights(w);
  }
}
