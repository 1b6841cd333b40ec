package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.io.ExchangeJson;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.core.io.ParseResult;
import io.distillwatch.flink.source.ScenarioSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class DetectionJobITCase {
  @RegisterExtension
  static final MiniClusterExtension FLINK =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  static final ScenarioSpec SMALL =
      new ScenarioSpec(
          Set.of("low-and-slow"),
          0.001,
          7,
          Instant.parse("2026-04-15T00:00:00Z").toEpochMilli(),
          Instant.parse("2026-04-17T00:00:00Z").toEpochMilli(),
          20);

  @Test
  void fileToFile_parallelism2_everyRecordAccountedFor(@TempDir Path dir) throws Exception {
    List<String> input = new ArrayList<>();
    SMALL.generator().forEach(e -> input.add(ExchangeJson.toJson(e)));
    input.add("not json");
    input.add("{\"timestamp\":1776902400000}");
    // Far behind everything else: late, unless it is read before any watermark moves.
    input.add(
        input.get(0).replace("\"timestamp\":", "\"timestamp\":1").replaceFirst(":1(\\d)", ":$1"));
    Path trace = dir.resolve("trace.jsonl");
    Files.write(trace, input);

    List<String> accepted = new ArrayList<>();
    long rejected = 0;
    ExchangeParser parser = ExchangeParser.builder().build();
    for (String line : input) {
      ParseResult r = parser.parse(line);
      if (r instanceof ParseResult.Accepted a) {
        accepted.add(ExchangeJson.toJson(a.exchange()));
      } else {
        rejected++;
      }
    }

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.configure(DetectionJob.baseConfiguration(false));
    env.setParallelism(2);
    DetectionJob.enableCheckpointing(env, Duration.ofMillis(500));
    DetectionJob.build(
        env,
        DetectionJob.fileSource(trace.toString()),
        -1,
        DetectionJob.fileSink(dir.resolve("alerts").toString()),
        DetectionJob.fileSink(dir.resolve("dead").toString()),
        DetectionJob.DEFAULT_OUT_OF_ORDERNESS,
        DetectionJob.DEFAULT_IDLENESS,
        DetectionJob.DEFAULT_ACCOUNT_EXPIRY);
    long started = System.nanoTime();
    env.execute("file-to-file");
    System.out.printf(
        "file-to-file: %d records in %d ms%n",
        input.size(), (System.nanoTime() - started) / 1_000_000);

    List<String> out = readParts(dir.resolve("alerts"));
    List<String> dead = readParts(dir.resolve("dead"));
    long late = dead.stream().filter(l -> l.startsWith("{\"reason\":\"late\"")).count();
    assertTrue(accepted.size() > 1_000, "trace too small: " + accepted.size());
    assertEquals(input.size(), out.size() + dead.size(), "records in = accepted + rejected + late");
    assertEquals(rejected, dead.size() - late);
    assertEquals(accepted.size(), out.size() + late);
    assertTrue(accepted.containsAll(out), "every output line is an accepted exchange");
  }

  @Test
  void scenarioSource_isDeterministicAndComplete() throws Exception {
    long expected = 0;
    for (var ignored : SMALL.generator()) {
      expected++;
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.configure(DetectionJob.baseConfiguration(false));
    env.setParallelism(2);
    long n = 0;
    try (var it =
        env.fromSource(
                DetectionJob.scenarioSource(SMALL),
                org.apache.flink.api.common.eventtime.WatermarkStrategy.noWatermarks(),
                "scenario",
                org.apache.flink.api.common.typeinfo.Types.STRING)
            .executeAndCollect()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    assertEquals(expected, n);
  }

  static List<String> readParts(Path folder) throws IOException {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        // In-progress and pending part files are hidden; only committed ones count.
        if (!p.getFileName().toString().startsWith(".")) {
          lines.addAll(Files.readAllLines(p));
        }
      }
    }
    return lines;
  }
}
