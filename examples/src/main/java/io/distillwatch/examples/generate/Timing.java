package io.distillwatch.examples.generate;

import java.util.SplittableRandom;

/**
 * When one account sends its exchanges: a point process over event time in milliseconds, advanced
 * one event at a time with the account's own random stream. {@link #next} returns {@link #END} once
 * the account's active window is over.
 *
 * <p>Four shapes cover every archetype: human sessions with a diurnal rhythm and idle days ({@link
 * Sessions}), a scheduler with jittered intervals round the clock ({@link Steady}), a nightly cron
 * job replaying a fixed suite ({@link Cron}), and occasional bursts that run a fixed item set
 * ({@link Bursts}). The last two also expose which item of which run is being sent.
 */
abstract class Timing {
  static final long END = Long.MAX_VALUE;
  static final long SECOND = 1000L;
  static final long MINUTE = 60 * SECOND;
  static final long HOUR = 60 * MINUTE;
  static final long DAY = 24 * HOUR;

  final long start;
  final long end;

  Timing(long start, long end) {
    this.start = start;
    this.end = end;
  }

  /** The first event time at or after {@code start}, or {@link #END}. */
  abstract long first(SplittableRandom r);

  /** The event time after {@code now}, or {@link #END}. */
  abstract long next(SplittableRandom r, long now);

  /** Index of the current item in a fixed item set, or -1 when events carry fresh prompts. */
  int item() {
    return -1;
  }

  /** Index of the current run (for replayed item sets). */
  int run() {
    return 0;
  }

  /** Exponential variate with the given mean. */
  static double exp(SplittableRandom r, double mean) {
    return -mean * Math.log(1 - r.nextDouble());
  }

  /** Geometric count {@code >= 1} with the given mean. */
  static int geometric(SplittableRandom r, double mean) {
    if (mean <= 1) {
      return 1;
    }
    return 1 + (int) Math.floor(Math.log(1 - r.nextDouble()) / Math.log(1 - 1 / mean));
  }

  /** Hour-of-day activity weights (local time) of a typical consumer: daytime with evening peak. */
  static final double[] DAYTIME = {
    .12, .06, .03, .02, .02, .04, .12, .3, .55, .75, .85, .9, .95, .9, .9, .9, .95, 1, 1.1, 1.2,
    1.2, 1.05, .7, .35
  };

  /** Hour-of-day weights of office work: 9 to 18 with a lunch dip. */
  static final double[] WORK_HOURS = {
    .01, .01, .01, .01, .01, .02, .05, .2, .6, 1, 1, 1, .6, .9, 1, 1, .95, .7, .35, .2, .15, .12,
    .08, .03
  };

  /**
   * Human sessions: session starts form a Poisson process whose rate follows the local hour of day
   * (sampled by thinning, Lewis and Shedler 1979); each day is active with some probability (and
   * optionally only on weekdays); a session holds a geometric number of exchanges separated by
   * exponential think times.
   */
  static final class Sessions extends Timing {
    private final double sessionsPerDay;
    private final double meanPerSession;
    private final double meanGapMs;
    private final double activeDayProb;
    private final double weekendActiveProb;
    private final long tzOffsetMs;
    private final double[] hourWeights;
    private final double maxWeight;
    private final double candidateGapMs;
    private long day = Long.MIN_VALUE;
    private boolean dayActive;
    private int remaining;

    /**
     * @param sessionsPerDay mean sessions on an active day
     * @param meanPerSession mean exchanges per session
     * @param meanGapMs mean think time between exchanges of a session
     * @param activeDayProb probability that a weekday is active
     * @param weekendActiveProb probability that a weekend day is active
     * @param tzOffsetMs local time offset from UTC
     * @param hourWeights 24 local-hour weights
     */
    Sessions(
        long start,
        long end,
        double sessionsPerDay,
        double meanPerSession,
        double meanGapMs,
        double activeDayProb,
        double weekendActiveProb,
        long tzOffsetMs,
        double[] hourWeights) {
      super(start, end);
      this.sessionsPerDay = sessionsPerDay;
      this.meanPerSession = meanPerSession;
      this.meanGapMs = meanGapMs;
      this.activeDayProb = activeDayProb;
      this.weekendActiveProb = weekendActiveProb;
      this.tzOffsetMs = tzOffsetMs;
      this.hourWeights = hourWeights;
      double max = 0;
      double sum = 0;
      for (double w : hourWeights) {
        max = Math.max(max, w);
        sum += w;
      }
      this.maxWeight = max;
      // Candidate rate is the peak hour's rate; thinning keeps w(h)/max of candidates.
      this.candidateGapMs = HOUR / (sessionsPerDay * max / sum);
    }

    @Override
    long first(SplittableRandom r) {
      return next(r, start);
    }

    @Override
    long next(SplittableRandom r, long now) {
      if (remaining > 0) {
        remaining--;
        long t = now + 1 + (long) exp(r, meanGapMs);
        return t < end ? t : END;
      }
      long t = now;
      while (true) {
        t += 1 + (long) exp(r, candidateGapMs);
        if (t >= end) {
          return END;
        }
        long local = t + tzOffsetMs;
        long d = Math.floorDiv(local, DAY);
        if (d != day) {
          day = d;
          // 1970-01-01 was a Thursday: day index + 3 mod 7 gives 0 = Monday.
          boolean weekend = Math.floorMod(d + 3, 7) >= 5;
          dayActive = r.nextDouble() < (weekend ? weekendActiveProb : activeDayProb);
        }
        if (!dayActive) {
          t = (d + 1) * DAY - tzOffsetMs; // skip the rest of an idle day
          continue;
        }
        int hour = (int) (Math.floorMod(local, DAY) / HOUR);
        if (r.nextDouble() * maxWeight < hourWeights[hour]) {
          remaining = geometric(r, meanPerSession) - 1;
          return t;
        }
      }
    }
  }

  /**
   * A scheduler round the clock: log-normal intervals with the given mean whose log has standard
   * deviation {@code sigma} (0.1 is clockwork, 1 is bursty, Poisson-like is about 0.8).
   */
  static final class Steady extends Timing {
    private final double meanGapMs;
    private final double sigma;

    Steady(long start, long end, double meanGapMs, double sigma) {
      super(start, end);
      this.meanGapMs = meanGapMs;
      this.sigma = sigma;
    }

    @Override
    long first(SplittableRandom r) {
      long t = start + (long) (r.nextDouble() * Math.min(meanGapMs, (double) (end - start)));
      return t < end ? t : END;
    }

    @Override
    long next(SplittableRandom r, long now) {
      double gap = meanGapMs * Math.exp(sigma * r.nextGaussian() - sigma * sigma / 2);
      long t = now + 1 + (long) gap;
      return t < end ? t : END;
    }
  }

  /**
   * A nightly cron job: at a fixed UTC minute (plus start-up jitter of a few seconds) it sends a
   * fixed suite of items one after another; some nights are skipped (e.g. weekends).
   */
  static final class Cron extends Timing {
    private final long offsetInDayMs;
    private final int suiteSize;
    private final double meanGapMs;
    private final double weekendRunProb;
    private long day;
    private int item = -1;

    Cron(
        long start,
        long end,
        long offsetInDayMs,
        int suiteSize,
        double meanGapMs,
        double weekendRunProb) {
      super(start, end);
      this.offsetInDayMs = offsetInDayMs;
      this.suiteSize = suiteSize;
      this.meanGapMs = meanGapMs;
      this.weekendRunProb = weekendRunProb;
      this.day = Math.floorDiv(start, DAY);
    }

    @Override
    long first(SplittableRandom r) {
      return nextRun(r);
    }

    @Override
    long next(SplittableRandom r, long now) {
      if (item >= 0 && item + 1 < suiteSize) {
        item++;
        long t = now + 1 + (long) (meanGapMs * (0.6 + 0.8 * r.nextDouble()));
        return t < end ? t : END;
      }
      return nextRun(r);
    }

    private long nextRun(SplittableRandom r) {
      while (true) {
        long d = day++;
        long t = d * DAY + offsetInDayMs + (long) (r.nextDouble() * 20 * SECOND);
        if (t >= end) {
          return END;
        }
        boolean weekend = Math.floorMod(d + 3, 7) >= 5;
        if (t < start || (weekend && r.nextDouble() >= weekendRunProb)) {
          continue;
        }
        item = 0;
        return t;
      }
    }

    @Override
    int item() {
      return item;
    }

    @Override
    int run() {
      return (int) day;
    }
  }

  /**
   * Benchmark runs: every few days (uniform in a range) at a local working hour, a run sends the
   * whole fixed item set at a high rate, in order.
   */
  static final class Bursts extends Timing {
    private final Range daysBetweenRuns;
    private final int items;
    private final double meanGapMs;
    private final long tzOffsetMs;
    private int item = -1;
    private int run = -1;
    private long nextRunAt;

    Bursts(
        long start, long end, Range daysBetweenRuns, int items, double meanGapMs, long tzOffsetMs) {
      super(start, end);
      this.daysBetweenRuns = daysBetweenRuns;
      this.items = items;
      this.meanGapMs = meanGapMs;
      this.tzOffsetMs = tzOffsetMs;
    }

    @Override
    long first(SplittableRandom r) {
      nextRunAt = start + (long) (r.nextDouble() * daysBetweenRuns.hi() * DAY);
      return startRun(r);
    }

    @Override
    long next(SplittableRandom r, long now) {
      if (item >= 0 && item + 1 < items) {
        item++;
        long t = now + 1 + (long) exp(r, meanGapMs);
        return t < end ? t : END;
      }
      nextRunAt = Math.max(now, nextRunAt) + (long) (daysBetweenRuns.draw(r) * DAY);
      return startRun(r);
    }

    private long startRun(SplittableRandom r) {
      // Researchers launch runs in their working day: move to 09:00-17:00 local.
      long local = nextRunAt + tzOffsetMs;
      long dayStart = Math.floorDiv(local, DAY) * DAY - tzOffsetMs;
      long t = dayStart + 9 * HOUR + (long) (r.nextDouble() * 8 * HOUR);
      if (t < nextRunAt) {
        t += DAY;
      }
      if (t >= end) {
        return END;
      }
      item = 0;
      run++;
      return t;
    }

    @Override
    int item() {
      return item;
    }

    @Override
    int run() {
      return run;
    }
  }
}
