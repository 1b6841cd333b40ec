package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.detect.DetectorConfig;
import io.distillwatch.flink.stage.RawLine;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Event time per Kafka partition: one source subtask reads a two-partition topic in which partition
 * 0 lags partition 1 by three hours, fifty times the out-of-orderness bound. The job's watermark
 * follows the lagging partition, so none of its records is late; a record that is late within its
 * own partition still is.
 *
 * <p>The records are produced in phases while the job runs, and each phase waits until the source
 * has committed its offsets (so has emitted the records) and a periodic watermark has had time to
 * go out:
 *
 * <ol>
 *   <li>one record at hour 0 on each partition: both splits active;
 *   <li>partition 1 runs ahead: a record a minute for hours 0..3;
 *   <li>partition 0 catches up: the same three hours, a record a minute;
 *   <li>control: one record at hour 0 on partition 0, three hours behind both partitions (and a
 *       last one on partition 1, at its latest time, not late).
 * </ol>
 *
 * With watermarks per source subtask (assigned after parsing, as before issue #4), phase 2 moves
 * the watermark to hour 3 less a minute, and 179 of the 181 records of phase 3 are late. With
 * watermarks per partition, only the control is.
 */
class KafkaPartitionWatermarksITCase {
  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  @RegisterExtension static final MiniClusterExtension FLINK = TestClusters.twoSlots();

  private static final String TOPIC = "lagging";
  private static final String GROUP = "partition-watermarks-it";
  private static final long HOUR_0 = Instant.parse("2026-04-15T00:00:00Z").toEpochMilli();
  private static final int MINUTES = 180;
  private static final Duration OUT_OF_ORDERNESS = Duration.ofSeconds(60);
  // Longer than the test: partition 0 is quiet during phase 2 and must not be declared idle, or
  // the watermark would pass its records before they come, as it would for a real stalled reader.
  private static final Duration IDLENESS = Duration.ofMinutes(10);

  @Test
  void oneSubtaskTwoPartitions_laggingPartition_nothingLateButTheControl() throws Exception {
    KAFKA.createTopic(TOPIC, 2);
    assertEquals(2, KAFKA.partitions(TOPIC));
    List<String> phase1 = List.of(line("p0-first", HOUR_0));
    List<String> phase1b = List.of(line("p1-first", HOUR_0));
    List<String> ahead = minutes("p1");
    List<String> behind = minutes("p0");
    String control = line("control", HOUR_0);
    // Partition 1's last record comes with the control, so that its split stays open until then:
    // the test reads progress from committed offsets, which a finished split stops updating.
    String last = line("p1-last", HOUR_0 + MINUTES * 60_000L);
    long end0 = phase1.size() + behind.size() + 1;
    long end1 = phase1b.size() + ahead.size() + 1;

    KafkaSource<RawLine> source =
        KafkaSource.<RawLine>builder()
            .setBootstrapServers(KAFKA.bootstrapServers())
            .setTopics(TOPIC)
            .setGroupId(GROUP)
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setDeserializer(new DetectionJob.RawValues())
            .setBounded(
                OffsetsInitializer.offsets(
                    Map.of(new TopicPartition(TOPIC, 0), end0, new TopicPartition(TOPIC, 1), end1)))
            .build();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.configure(DetectionJob.configuration(JobOptions.StateBackend.hashmap, Map.of()));
    env.setParallelism(2);
    // Offsets are committed on checkpoints: that is how the test sees the source's progress.
    DetectionJob.enableCheckpointing(env, Duration.ofMillis(300));
    DetectionJob.Streams streams =
        DetectionJob.detect(
            env,
            DetectionJob.Input.rawLines(source, 1), // one source subtask reads both partitions
            DetectionJob.stages(DetectorSettings.of(DetectorConfig.builder().config())),
            OUT_OF_ORDERNESS,
            IDLENESS);

    List<String> dead = new ArrayList<>();
    JobExecutionResult result;
    try (CloseableIterator<String> deadLetters = streams.deadLetters().collectAsync();
        CloseableIterator<Alert> alerts = streams.alerts().collectAsync()) {
      var client = env.executeAsync("partition-watermarks");
      KAFKA.produce(TOPIC, 0, phase1);
      KAFKA.produce(TOPIC, 1, phase1b);
      awaitConsumed(client, 0, phase1.size());
      awaitConsumed(client, 1, phase1b.size());
      KAFKA.produce(TOPIC, 1, ahead);
      awaitConsumed(client, 1, end1 - 1);
      KAFKA.produce(TOPIC, 0, behind);
      awaitConsumed(client, 0, phase1.size() + behind.size());
      KAFKA.produce(TOPIC, 0, List.of(control));
      KAFKA.produce(TOPIC, 1, List.of(last));
      deadLetters.forEachRemaining(dead::add);
      alerts.forEachRemaining(a -> {});
      result = client.getJobExecutionResult().get();
    }

    long records = result.<Long>getAccumulatorResult("records");
    long rejected = result.<Long>getAccumulatorResult("rejected");
    long late = result.<Long>getAccumulatorResult("late");
    System.out.printf(
        "partition watermarks: records=%d rejected=%d late=%d dead=%d%n",
        records, rejected, late, dead.size());
    assertEquals(end0 + end1, records, "every record read");
    assertEquals(0, rejected, "every record parses");
    assertEquals(1, late, "only the control is late; dead letters: " + summary(dead));
    assertEquals(1, dead.size(), summary(dead));
    assertTrue(dead.get(0).contains("\"reason\":\"late\""), dead.get(0));
    assertTrue(dead.get(0).contains("control"), dead.get(0));
  }

  /** A record a minute for three hours from hour 0, the accounts named after the partition. */
  private static List<String> minutes(String partition) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i <= MINUTES; i++) {
      lines.add(line(partition + "-" + i, HOUR_0 + i * 60_000L));
    }
    return lines;
  }

  private static String line(String account, long timestamp) {
    return "{\"timestamp\":" + timestamp + ",\"account_id\":\"acct-" + account + "\"}";
  }

  /**
   * Waits until the source has committed {@code offset} on the partition, then two seconds more
   * (ten periodic watermark intervals) so that the watermark those records allow has gone out.
   */
  private static void awaitConsumed(JobClient job, int partition, long offset) throws Exception {
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (KAFKA.committedOffset(GROUP, TOPIC, partition) < offset) {
      if (job.getJobExecutionResult().isDone()) {
        job.getJobExecutionResult().get(); // throws the job's failure
        throw new IllegalStateException("job ended before partition " + partition + " was read");
      }
      if (System.nanoTime() > deadline) {
        job.cancel();
        throw new IllegalStateException(
            "partition " + partition + " not read to " + offset + ": " + job.getJobStatus().get());
      }
      Thread.sleep(100);
    }
    Thread.sleep(2_000);
  }

  private static String summary(List<String> dead) {
    return dead.size() + " " + (dead.size() > 3 ? dead.subList(0, 3) + "..." : dead);
  }
}
