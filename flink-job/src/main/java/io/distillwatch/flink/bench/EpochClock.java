package io.distillwatch.flink.bench;

import java.time.Instant;

/**
 * Nanoseconds since the epoch at {@link System#nanoTime()}'s cost: the wall clock is read once,
 * when the clock is made, and {@code nanoTime} measures from there. Timestamps taken by different
 * parts of a job (the source, the alert probe, the command) are comparable on one host even when
 * they do not share a JVM, to within the wall clock's agreement with itself (microseconds).
 */
final class EpochClock {
  private final long offset;

  private EpochClock(long offset) {
    this.offset = offset;
  }

  static EpochClock start() {
    Instant now = Instant.now();
    long nanos = System.nanoTime();
    return new EpochClock(now.getEpochSecond() * 1_000_000_000L + now.getNano() - nanos);
  }

  long nanos() {
    return System.nanoTime() + offset;
  }
}
