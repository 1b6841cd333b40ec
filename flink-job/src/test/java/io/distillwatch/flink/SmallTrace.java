package io.distillwatch.flink;

import io.distillwatch.core.alert.AlertJson;
import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.io.ExchangeJson;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.examples.replay.Replay;
import io.distillwatch.flink.source.ScenarioSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A small generated trace for the end-to-end tests and what the core replay makes of it: three
 * campaigns (reasoning, agentic, hydra) and 2,400 benign accounts with every hard negative over two
 * weeks; the replay alerts all three campaigns and one benign account, a researcher who was the
 * first to run a benchmark (see the README). The benign population was sized when each of two
 * account-stage instances learned its own signal calibration (a few hundred accounts per
 * exchange-count stratum; with 600, hydra went unalerted at parallelism 2); the calibration is now
 * the cluster stage's. Two malformed lines are added, which every run must count as rejected.
 */
public final class SmallTrace {
  public static final ScenarioSpec SPEC =
      new ScenarioSpec(
          Set.of("reasoning-150k", "agentic-3.4m", "hydra-28m"),
          0.002,
          42,
          Instant.parse("2026-04-15T00:00:00Z").toEpochMilli(),
          Instant.parse("2026-04-29T00:00:00Z").toEpochMilli(),
          2400);

  static final List<String> BAD_LINES = List.of("not json", "{\"timestamp\":1776902400000}");

  final Path file;
  final List<String> lines = new ArrayList<>();
  final List<String> replayAlerts = new ArrayList<>();
  final String replayClosingLine;

  private SmallTrace(Path file) throws IOException {
    this.file = file;
    SPEC.generator().forEach(e -> lines.add(ExchangeJson.toJson(e)));
    lines.add(lines.size() / 2, BAD_LINES.get(0));
    lines.add(BAD_LINES.get(1));
    Files.write(file, lines);
    Replay replay =
        new Replay(
            ExtractionDetector.builder().build(),
            a -> replayAlerts.add(AlertJson.toJson(a)),
            r -> {},
            null,
            null);
    try (InputStream in = Files.newInputStream(file)) {
      replayClosingLine = replay.run(in, ExchangeParser.builder().build()).line();
    }
  }

  private static SmallTrace shared;

  /** The trace, written to a temporary file, and its core replay, made once per JVM. */
  static synchronized SmallTrace get() throws IOException {
    if (shared == null) {
      Path file = Files.createTempFile("distillwatch-small-trace", ".jsonl");
      file.toFile().deleteOnExit();
      shared = new SmallTrace(file);
    }
    return shared;
  }
}
