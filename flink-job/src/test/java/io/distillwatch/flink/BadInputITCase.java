package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.AlertJson;
import io.distillwatch.core.detect.DetectorConfig;
import io.distillwatch.core.detect.ExtractionDetector;
import io.distillwatch.core.io.ExchangeParser;
import io.distillwatch.core.io.RejectReason;
import io.distillwatch.examples.replay.Replay;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input corpus ({@link BadInputCorpus}: over 40 kinds, among them a 5 MB line, invalid
 * UTF-8, a null byte, deep nesting) mixed into a valid trace, through the core replay and through
 * the job's file source at parallelism 1: nothing fails, every bad record is rejected with a reason
 * and its raw line, records = accepted + rejected in both, and both reject exactly the same records
 * with the same words.
 */
class BadInputITCase {
  @RegisterExtension static final MiniClusterExtension FLINK = TestClusters.twoSlots();

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void corpus_replayAndJob_rejectTheSameRecordsWithReasonsAndBalance() throws Exception {
    Map<String, byte[]> kinds = BadInputCorpus.kinds();
    assertTrue(kinds.size() >= 30, "kinds " + kinds.size());
    ExchangeParser alone = ExchangeParser.builder().build();
    List<String> acceptedKinds = new ArrayList<>();
    kinds.forEach(
        (kind, bytes) -> {
          if (alone.parse(bytes, 0, bytes.length).isAccepted()) {
            acceptedKinds.add(kind);
          }
        });
    assertEquals(List.of(), acceptedKinds, "bad kinds the parser accepts");
    List<String> valid = SmallTrace.get().lines.subList(0, 3000);
    Path file = dir.resolve("bad-input.jsonl");
    Files.write(file, BadInputCorpus.mix(valid, kinds));
    long records = valid.size() + kinds.size() + BadInputCorpus.trickyValid().size();

    // (a) the core replay, as `distillwatch replay` runs it
    List<String> replayRejected = new ArrayList<>();
    List<String> replayAlerts = new ArrayList<>();
    Replay replay =
        new Replay(
            ExtractionDetector.builder().build(),
            a -> replayAlerts.add(AlertJson.toJson(a)),
            r -> replayRejected.add(r.toJson()),
            null,
            null);
    Replay.Summary summary =
        replay.run(
            new ByteArrayInputStream(Files.readAllBytes(file)), ExchangeParser.builder().build());
    assertEquals(records, summary.records(), "replay records");
    assertEquals(summary.records(), summary.accepted() + summary.rejected(), "replay balances");
    assertEquals(kinds.size(), summary.rejected(), "replay rejects each bad kind once");

    // (b) the job, file source at parallelism 1
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.configure(DetectionJob.configuration(JobOptions.StateBackend.hashmap, Map.of()));
    env.setParallelism(1);
    DetectionJob.Streams streams =
        DetectionJob.detect(
            env,
            DetectionJob.fileInput(file.toString()),
            DetectionJob.stages(DetectorSettings.of(DetectorConfig.builder().config())),
            Duration.ofDays(365), // nothing late: this test is about the parser
            DetectionJob.DEFAULT_IDLENESS);
    List<String> jobRejected = new ArrayList<>();
    List<Alert> jobAlerts = new ArrayList<>();
    JobExecutionResult result;
    try (CloseableIterator<String> dead = streams.deadLetters().collectAsync();
        CloseableIterator<Alert> alerts = streams.alerts().collectAsync()) {
      var client = env.executeAsync("bad-input");
      dead.forEachRemaining(jobRejected::add);
      alerts.forEachRemaining(jobAlerts::add);
      result = client.getJobExecutionResult().get();
    }
    long jobRecords = result.<Long>getAccumulatorResult("records");
    long jobRejectedCount = result.<Long>getAccumulatorResult("rejected");
    long late = result.<Long>getAccumulatorResult("late");
    assertEquals(records, jobRecords, "job records");
    assertEquals(0, late);
    assertEquals(jobRejected.size(), jobRejectedCount + late, "job rejected output = counters");
    assertEquals(
        kinds.size(), jobRejected.size(), "job rejects each bad kind once: " + jobRejected.size());

    // Every rejection is readable: a known reason, a sentence, the raw line (a prefix if long).
    Map<String, Integer> byReason = new TreeMap<>();
    for (String line : jobRejected) {
      JsonNode r = JSON.readTree(line);
      RejectReason reason = RejectReason.fromWireName(r.get("reason").asText());
      byReason.merge(reason.wireName(), 1, Integer::sum);
      assertFalse(r.get("message").asText().isBlank(), line);
      assertFalse(r.get("raw").asText().isEmpty(), line);
      assertTrue(line.length() < 20_000, "a rejection stays small: " + line.length());
    }
    System.out.println("bad input: " + kinds.size() + " kinds rejected by reason " + byReason);
    assertTrue(byReason.containsKey("too_long"), byReason.toString());
    assertTrue(byReason.containsKey("too_deep"), byReason.toString());
    assertTrue(byReason.containsKey("duplicate_field"), byReason.toString());

    // The same records rejected, with the same reason, message and raw text, in the same order
    // (only the wall-clock time a message quotes differs: the two parsed at different times).
    List<String> fromReplay = wallClockMasked(replayRejected);
    List<String> fromJob = wallClockMasked(jobRejected);
    for (int i = 0; i < fromReplay.size(); i++) {
      assertEquals(fromReplay.get(i), fromJob.get(i), "rejection " + i + " differs");
    }
    Collections.sort(replayAlerts);
    List<String> jobAlertJson = new ArrayList<>();
    jobAlerts.forEach(a -> jobAlertJson.add(AlertJson.toJson(a)));
    Collections.sort(jobAlertJson);
    assertEquals(replayAlerts, jobAlertJson);
  }

  private static List<String> wallClockMasked(List<String> rejections) {
    List<String> out = new ArrayList<>();
    for (String r : rejections) {
      out.add(r.replaceAll("the wall clock \\([^)]*\\)", "the wall clock (T)"));
    }
    return out;
  }
}
