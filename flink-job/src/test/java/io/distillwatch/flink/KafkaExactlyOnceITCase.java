package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka to Kafka through a real Kafka 4.1 broker (KRaft, in this JVM, loopback only): the trace is
 * produced to a topic, the job runs exactly-once at parallelism 1, and the alerts read with {@code
 * read_committed} are exactly the core replay's.
 */
class KafkaExactlyOnceITCase {
  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  @RegisterExtension static final MiniClusterExtension FLINK = TestClusters.twoSlots();

  @Test
  void kafkaToKafka_exactlyOnce_readCommittedAlertsEqualCoreReplay() throws Exception {
    SmallTrace trace = SmallTrace.get();
    // Exactly one partition: the job then reads the file's order, the order the replay reads.
    // With two, unkeyed batches land on both and one source subtask interleaves them by fetch, so
    // the detector sees another order than the replay. (Before watermarks were per partition,
    // records also jumped back in time past the 60 s bound and were rejected as late: measured 3
    // and 184 alerts instead of 35 in two runs.)
    KAFKA.createTopic("exchanges", 1);
    assertEquals(1, KAFKA.partitions("exchanges"), "the parity test needs one input partition");
    KAFKA.createTopic("alerts", 1);
    KAFKA.createTopic("dead-letters", 1);
    long t0 = System.nanoTime();
    KAFKA.produce("exchanges", trace.lines);
    long produced = System.nanoTime();

    JobOptions o = new JobOptions();
    o.kafkaBootstrap = KAFKA.bootstrapServers();
    o.inputTopic = "exchanges";
    o.groupId = "distillwatch-it";
    o.startingOffsets = JobOptions.StartingOffsets.earliest;
    o.kafkaBounded = true;
    o.alertsTopic = "alerts";
    o.deadLetterTopic = "dead-letters";
    o.transactionalIdPrefix = "dw-it";
    o.parallelism = 1;
    o.checkpointInterval = Duration.ofSeconds(1);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.configure(DetectionJob.configuration(o.stateBackend, Map.of()));
    DetectionJob.build(env, o, null, null);
    long wallBefore = System.currentTimeMillis();
    JobExecutionResult result = env.execute("kafka-to-kafka");
    long ran = System.nanoTime();

    List<ConsumerRecord<String, String>> records = KAFKA.readCommittedRecords("alerts");
    long wallAfter = System.currentTimeMillis();
    // Stamped when written, not with the trace's event time (April to June 2026): a record that
    // old would be deleted by the broker's 7-day retention at its next check (every second here).
    for (ConsumerRecord<String, String> r : records) {
      assertTrue(
          r.timestamp() >= wallBefore && r.timestamp() <= wallAfter,
          "alert at offset "
              + r.offset()
              + " stamped "
              + r.timestamp()
              + ", not in the run's ["
              + wallBefore
              + ", "
              + wallAfter
              + "]");
    }
    assertEquals(0, KAFKA.startOffset("alerts"), "alerts deleted from the topic's start");
    List<String> alerts = records.stream().map(ConsumerRecord::value).toList();
    List<String> dead = KAFKA.readCommitted("dead-letters");
    // The job's own count tells a sink that lost alerts from a job that never raised them. At
    // 740be93, with the broker on transactions protocol V2, this failed in 2 of 16 full runs: the
    // job raised every alert but the first never reached the topic, not even read_uncommitted
    // (offset 0 was a transaction marker), a loss inside flink-connector-kafka 5.0.0-2.2's
    // exactly-once sink around its first transaction. Not seen since the broker runs V1 (see the
    // kafka-itcases execution in flink-job's pom). Stop 29 found that the sink then stamped records
    // with their event time, months old, which the broker's retention deletes at its next check:
    // that may have been the same loss (not re-checked under V2).
    assertEquals(
        alerts.size(), (long) result.<Long>getAccumulatorResult("alerts"), "raised = committed");
    System.out.printf(
        "kafka-to-kafka: broker start %d ms, produce %d records %d ms, job %d ms; alerts=%d"
            + " dead=%d%n",
        KAFKA.startupMillis(),
        trace.lines.size(),
        (produced - t0) / 1_000_000,
        (ran - produced) / 1_000_000,
        alerts.size(),
        dead.size());
    var missing = new HashSet<>(trace.replayAlerts);
    missing.removeAll(alerts);
    var extra = new HashSet<>(alerts);
    extra.removeAll(trace.replayAlerts);
    assertEquals(Set.of(), missing, "alerts of the replay missing from Kafka; extra: " + extra);
    assertEquals(Set.of(), extra, "alerts on Kafka the replay did not raise");
    assertEquals(trace.replayAlerts.size(), alerts.size(), "each alert exactly once");
    assertEquals(SmallTrace.BAD_LINES.size(), dead.size());
  }
}
