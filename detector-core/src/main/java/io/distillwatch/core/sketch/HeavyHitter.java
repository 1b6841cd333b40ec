package io.distillwatch.core.sketch;

/**
 * A key reported by {@link SpaceSaving#top}: its true count lies in {@code [count - error, count]}.
 *
 * @param key the key (usually a {@link Hash64} hash)
 * @param count an upper bound of the key's true count
 * @param error the most by which {@code count} may exceed the true count
 */
public record HeavyHitter(long key, long count, long error) {
  /** A lower bound of the key's true count: {@code count - error}. */
  public long lowerBound() {
    return count - error;
  }
}
