package io.distillwatch.examples.generate;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ExchangeJson;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A seeded, streaming generator of synthetic API traffic with labelled distillation campaigns and a
 * benign population that includes hard negatives.
 *
 * <p>Contract: the same settings give a byte-identical trace; records come in timestamp order
 * except that a {@link Builder#disorderFraction share} of them is delivered late, each by at most
 * {@link Builder#maxDelay} behind the largest timestamp delivered before it; memory stays bounded
 * by the number of accounts plus the records of one {@code maxDelay} window, whatever the trace
 * length. {@link #labels()} lists every account up front; campaign exchange counts and first/last
 * timestamps are exact once a pass over the trace has completed.
 *
 * <p>Implementation notes. Each account is an independent event process ({@code Actor}) with its
 * own {@link SplittableRandom} seeded from (seed, group, account index); a priority queue over the
 * accounts' next event times merges them into time order (ties broken by account order), the
 * approach of Flink's training data generators. Disorder is applied after the merge with its own
 * seeded stream: a delayed record is held in a heap until its delivery time {@code timestamp + 1 +
 * U[0, maxDelay-1]} ms, and on-time records pass it when earlier, which bounds the lateness by
 * construction. Not thread-safe; one pass at a time.
 */
public final class TraceGenerator implements Iterable<Exchange> {
  /** Default trace start: 2026-04-15T00:00Z. */
  public static final Instant DEFAULT_START = Instant.parse("2026-04-15T00:00:00Z");

  /** Default trace end (exclusive): 2026-06-08T00:00Z. */
  public static final Instant DEFAULT_END = Instant.parse("2026-06-08T00:00:00Z");

  /** Default release of the new model {@code frontier-2}: 2026-05-12T15:00Z. */
  public static final Instant DEFAULT_MODEL_RELEASE = Instant.parse("2026-05-12T15:00:00Z");

  public static final double DEFAULT_SCALE = 0.01;
  public static final long DEFAULT_SEED = 42;
  public static final double DEFAULT_DISORDER_FRACTION = 0.02;
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(30);
  public static final int DEFAULT_MIN_BENIGN_ACCOUNTS = 3_000;

  private final long seed;
  private final double scale;
  private final long start;
  private final long end;
  private final double disorderFraction;
  private final long maxDelayMs;
  private final Set<String> scenarios;
  private final Set<OptionalField> withoutFields;
  private final List<Group> groups;

  private TraceGenerator(Builder b) {
    this.seed = b.seed;
    this.scale = b.scale;
    this.start = b.start.toEpochMilli();
    this.end = b.end.toEpochMilli();
    this.disorderFraction = b.disorderFraction;
    this.maxDelayMs = b.maxDelay.toMillis();
    this.scenarios = ScenarioPresets.resolve(b.scenarios);
    this.withoutFields = Set.copyOf(b.withoutFields);
    Population.Config cfg =
        new Population.Config(
            seed, scale, start, end, b.modelRelease.toEpochMilli(), b.minBenignAccounts);
    this.groups = new Population(cfg).groups(scenarios);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A fresh pass over the trace; resets the campaign counters reported by {@link #labels()}. */
  @Override
  public Iterator<Exchange> iterator() {
    Merge merge = new Merge();
    Iterator<Exchange> trace =
        disorderFraction <= 0 || maxDelayMs <= 0
            ? merge
            : new Disorder(merge, new SplittableRandom(Ids.hash(seed, 0xD150D3L)));
    if (withoutFields.isEmpty()) {
      return trace;
    }
    // Dropped after the merge and the disorder, which draw nothing from the fields: every other
    // field of every record is what the full trace has.
    Set<OptionalField> drop = EnumSet.copyOf(withoutFields);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return trace.hasNext();
      }

      @Override
      public Exchange next() {
        return OptionalField.strip(trace.next(), drop);
      }
    };
  }

  /**
   * Writes the whole trace as JSON lines to the stream (buffer it; it is flushed, not closed).
   *
   * @return the number of records written
   */
  public long writeJsonLines(OutputStream out) throws IOException {
    long n = 0;
    try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
      g.setRootValueSeparator(null);
      for (Exchange e : this) {
        ExchangeJson.write(e, g);
        g.writeRaw('\n');
        n++;
      }
    }
    out.flush();
    return n;
  }

  /** Ground truth: every account's campaign or archetype; counts as of the latest pass. */
  public Labels labels() {
    List<Labels.Campaign> campaigns = new ArrayList<>();
    List<Labels.Benign> benign = new ArrayList<>();
    for (Group g : groups) {
      if (g.campaign) {
        boolean ran = g.exchanges > 0;
        campaigns.add(
            new Labels.Campaign(
                g.name,
                g.lowAndSlow,
                ran ? g.first : g.windowStart,
                ran ? g.last : g.windowEnd,
                g.exchanges,
                List.of(g.accounts)));
      } else {
        benign.add(new Labels.Benign(g.name, g.hardNegative, List.of(g.accounts)));
      }
    }
    return new Labels(seed, scale, start, end, campaigns, benign);
  }

  public long seed() {
    return seed;
  }

  public double scale() {
    return scale;
  }

  public Instant start() {
    return Instant.ofEpochMilli(start);
  }

  public Instant end() {
    return Instant.ofEpochMilli(end);
  }

  /** The campaign presets generated, in label order. */
  /** The optional fields left out of every record (empty: the full schema). */
  public Set<OptionalField> withoutFields() {
    return withoutFields;
  }

  public Set<String> scenarios() {
    return scenarios;
  }

  /** Merges the accounts' event processes into timestamp order. */
  private final class Merge implements Iterator<Exchange> {
    private final PriorityQueue<Actor> queue;

    Merge() {
      int total = 0;
      for (Group g : groups) {
        total += g.accounts.length;
      }
      queue =
          new PriorityQueue<>(
              Math.max(1, total),
              (a, b) -> a.next != b.next ? Long.compare(a.next, b.next) : a.order - b.order);
      int order = 0;
      for (Group g : groups) {
        g.resetCounts();
        for (int i = 0; i < g.accounts.length; i++) {
          Actor a = g.actor(i);
          a.order = order++;
          if (a.next != Timing.END) {
            queue.add(a);
          }
        }
      }
    }

    @Override
    public boolean hasNext() {
      return !queue.isEmpty();
    }

    @Override
    public Exchange next() {
      Actor a = queue.poll();
      if (a == null) {
        throw new NoSuchElementException();
      }
      Exchange e = a.emit();
      a.group.count(e.timestamp());
      if (a.next != Timing.END) {
        queue.add(a);
      }
      return e;
    }
  }

  /** Delays a seeded share of records by up to maxDelay, in a heap bounded by one delay window. */
  private final class Disorder implements Iterator<Exchange> {
    private record Late(long deliverAt, long seq, Exchange e) {}

    private final Iterator<Exchange> source;
    private final SplittableRandom rng;
    private final PriorityQueue<Late> late =
        new PriorityQueue<>(
            (a, b) ->
                a.deliverAt != b.deliverAt
                    ? Long.compare(a.deliverAt, b.deliverAt)
                    : Long.compare(a.seq, b.seq));
    private Exchange head;
    private long seq;

    Disorder(Iterator<Exchange> source, SplittableRandom rng) {
      this.source = source;
      this.rng = rng;
    }

    private void fill() {
      while (head == null && source.hasNext()) {
        Exchange e = source.next();
        if (rng.nextDouble() < disorderFraction) {
          late.add(new Late(e.timestamp() + 1 + rng.nextLong(maxDelayMs), seq++, e));
        } else {
          head = e;
        }
      }
    }

    @Override
    public boolean hasNext() {
      fill();
      return head != null || !late.isEmpty();
    }

    @Override
    public Exchange next() {
      fill();
      Late first = late.peek();
      if (first != null && (head == null || first.deliverAt <= head.timestamp())) {
        return late.poll().e;
      }
      if (head == null) {
        throw new NoSuchElementException();
      }
      Exchange e = head;
      head = null;
      return e;
    }
  }

  /** Settings of a {@link TraceGenerator}; every setter documents its default. */
  public static final class Builder {
    private Set<String> scenarios = Set.of(ScenarioPresets.ALL);
    private double scale = DEFAULT_SCALE;
    private long seed = DEFAULT_SEED;
    private Instant start = DEFAULT_START;
    private Instant end = DEFAULT_END;
    private Instant modelRelease = DEFAULT_MODEL_RELEASE;
    private double disorderFraction = DEFAULT_DISORDER_FRACTION;
    private Duration maxDelay = DEFAULT_MAX_DELAY;
    private int minBenignAccounts = DEFAULT_MIN_BENIGN_ACCOUNTS;
    private Set<OptionalField> withoutFields = Set.of();

    private Builder() {}

    /** Campaign presets to generate ({@code all} or names, comma lists allowed); default all. */
    public Builder scenarios(Set<String> names) {
      this.scenarios = Set.copyOf(names);
      ScenarioPresets.resolve(this.scenarios);
      return this;
    }

    /**
     * Multiplier of every group's account count (per-account behaviour is unchanged, so campaign
     * volume scales linearly; small groups keep a floor); default 0.01. Scale 1 is the public
     * figures, about 70 million records.
     */
    public Builder scale(double scale) {
      if (!(scale > 0 && scale <= 10)) {
        throw new IllegalArgumentException("scale must be in (0, 10], got " + scale);
      }
      this.scale = scale;
      return this;
    }

    /** Seed of every random choice; default 42. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Trace period start (inclusive); default 2026-04-15T00:00Z. */
    public Builder start(Instant start) {
      this.start = start;
      return this;
    }

    /** Trace period end (exclusive); default 2026-06-08T00:00Z. */
    public Builder end(Instant end) {
      this.end = end;
      return this;
    }

    /** Release time of the new model {@code frontier-2}; default 2026-05-12T15:00Z. */
    public Builder modelRelease(Instant release) {
      this.modelRelease = release;
      return this;
    }

    /** Share of records delivered late, in [0, 1); default 0.02. */
    public Builder disorderFraction(double fraction) {
      if (!(fraction >= 0 && fraction < 1)) {
        throw new IllegalArgumentException("disorder fraction must be in [0, 1), got " + fraction);
      }
      this.disorderFraction = fraction;
      return this;
    }

    /**
     * Largest lateness of a delayed record; default 30 s, within the detector's default 60 s
     * allowed lateness, so streaming and batch consumers see the same data.
     */
    public Builder maxDelay(Duration maxDelay) {
      if (maxDelay.isNegative() || maxDelay.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("max delay must be in [0, 1 h], got " + maxDelay);
      }
      this.maxDelay = maxDelay;
      return this;
    }

    /** Floor of the benign population, so a 0.1% false-positive rate stays measurable; 3,000. */
    public Builder minBenignAccounts(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("min benign accounts must be >= 0, got " + n);
      }
      this.minBenignAccounts = n;
      return this;
    }

    /**
     * Optional fields left out of every record, as a gateway that does not report them would send
     * the trace; default none. The population, the campaigns, the labels and every other field are
     * those of the full trace.
     */
    public Builder withoutFields(Set<OptionalField> fields) {
      this.withoutFields = Set.copyOf(fields);
      return this;
    }

    public TraceGenerator build() {
      if (!start.isBefore(end)) {
        throw new IllegalArgumentException("start " + start + " must be before end " + end);
      }
      return new TraceGenerator(this);
    }
  }
}
