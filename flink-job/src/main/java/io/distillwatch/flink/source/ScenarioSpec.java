package io.distillwatch.flink.source;

import io.distillwatch.examples.generate.ScenarioPresets;
import io.distillwatch.examples.generate.TraceGenerator;
import java.io.Serializable;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a {@link ScenarioSource} generates: every field {@link TraceGenerator} needs to rebuild the
 * same trace on any task manager, since the trace is deterministic from these values.
 */
public record ScenarioSpec(
    Set<String> scenarios,
    double scale,
    long seed,
    long startMillis,
    long endMillis,
    int minBenignAccounts)
    implements Serializable {

  public ScenarioSpec {
    scenarios = Set.copyOf(new TreeSet<>(scenarios));
  }

  /** The built-in default scenario: every campaign and the benign population. */
  public static ScenarioSpec builtIn() {
    TraceGenerator g = ScenarioPresets.builtIn();
    return new ScenarioSpec(
        g.scenarios(),
        g.scale(),
        g.seed(),
        g.start().toEpochMilli(),
        g.end().toEpochMilli(),
        TraceGenerator.DEFAULT_MIN_BENIGN_ACCOUNTS);
  }

  /** A fresh generator; each call iterates the same trace. */
  public TraceGenerator generator() {
    return TraceGenerator.builder()
        .scenarios(scenarios)
        .scale(scale)
        .seed(seed)
        .start(Instant.ofEpochMilli(startMillis))
        .end(Instant.ofEpochMilli(endMillis))
        .minBenignAccounts(minBenignAccounts)
        .build();
  }
}
