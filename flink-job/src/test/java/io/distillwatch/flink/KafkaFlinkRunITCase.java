package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's cluster command itself, Kafka in and alerts out with exactly-once transactions:
 * {@code flink run} of the shaded job jar on a {@link StandaloneFlinkCluster} against a real broker
 * ({@link KafkaBroker}, in this JVM; the cluster's JVMs reach it on loopback). The Kafka connector
 * and client are in the job jar, not on the cluster, so this is where their shading shows. The
 * small trace is produced to one partition; the job reads it bounded from the earliest offset at
 * parallelism 1, and the alerts topic, read with {@code read_committed}, holds the core replay's
 * alerts, and the dead-letter topic the trace's two bad lines.
 */
class KafkaFlinkRunITCase {
  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  @RegisterExtension static final StandaloneFlinkCluster FLINK = new StandaloneFlinkCluster();

  @Test
  void flinkRun_readmeKafkaCommand_p1_committedAlertsAreTheCoreReplays() throws Exception {
    SmallTrace trace = SmallTrace.get();
    KAFKA.createTopic("exchanges", 1);
    KAFKA.createTopic("alerts", 1);
    KAFKA.createTopic("exchanges-rejected", 1);
    KAFKA.produce("exchanges", 0, trace.lines);
    StandaloneFlinkCluster.Result run =
        FLINK.flinkRun(
            "run",
            "-p",
            "1",
            FLINK.jobJar().toString(),
            "--kafka-bootstrap",
            KAFKA.bootstrapServers(),
            "--input-topic",
            "exchanges",
            "--alerts-topic",
            "alerts",
            "--dead-letter-topic",
            "exchanges-rejected",
            "--kafka-bounded",
            "--starting-offsets",
            "earliest",
            "--checkpoint-interval",
            "2s",
            "--transactional-id-prefix",
            "dw-flink-run",
            "--flink",
            "execution.checkpointing.dir=" + FLINK.dir().resolve("checkpoints").toUri());
    assertEquals(0, run.exit(), run.diagnostics());
    assertTrue(run.output().contains("Job has been submitted with JobID"), run.diagnostics());
    List<String> alerts = KAFKA.readCommitted("alerts");
    assertEquals(trace.replayAlerts.size(), alerts.size(), "alert count\n" + run.diagnostics());
    assertEquals(new HashSet<>(trace.replayAlerts), new HashSet<>(alerts), "same alerts");
    assertEquals(SmallTrace.BAD_LINES.size(), KAFKA.readCommitted("exchanges-rejected").size());
  }
}
