package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 *
 * <p>Until stop 29 this class was disabled: the first alerts the job committed went missing. The
 * sink stamped alerts with their event time (April 2026), and the broker's retention deleted the
 * first segment once a later alert rolled it; see {@link
 * io.distillwatch.flink.sink.WriteTimeRecords}. The test broker checks retention every second, so
 * that loss would now show in every run.
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

  /**
   * An upgrade as an operator does one, across processes: {@code flink stop --savepointPath}
   * mid-stream, more input, then {@code flink run -s <savepoint>} of the jar. The restored state's
   * serializer snapshots and values are read through the new job's user-code class loader. The
   * committed alerts of the two jobs together are the core replay's, none lost and none twice.
   */
  @Test
  void flinkStopWithSavepoint_thenRunFromIt_alertsExactlyOnceAsReplay() throws Exception {
    SmallTrace trace = SmallTrace.get();
    KAFKA.createTopic("upgrade-exchanges", 1);
    KAFKA.createTopic("upgrade-alerts", 1);
    KAFKA.createTopic("upgrade-rejected", 1);
    int half = trace.lines.size() / 2;
    KAFKA.produce("upgrade-exchanges", 0, trace.lines.subList(0, half));
    List<String> job =
        List.of(
            FLINK.jobJar().toString(),
            "--kafka-bootstrap",
            KAFKA.bootstrapServers(),
            "--input-topic",
            "upgrade-exchanges",
            "--alerts-topic",
            "upgrade-alerts",
            "--dead-letter-topic",
            "upgrade-rejected",
            "--starting-offsets",
            "earliest",
            "--checkpoint-interval",
            "1s",
            "--transactional-id-prefix",
            "dw-upgrade",
            "--flink",
            "execution.checkpointing.dir=" + FLINK.dir().resolve("upgrade-checkpoints").toUri());

    String first = submitted(FLINK.flinkRun(concat(List.of("run", "-d", "-p", "1"), job)));
    // Some alerts committed: the job is mid-stream and has state worth keeping.
    assertTrue(awaitCommitted("upgrade-alerts", 1), "no alert from the first job");
    StandaloneFlinkCluster.Result stop =
        FLINK.flinkRun(
            "stop", "--savepointPath", FLINK.dir().resolve("savepoints").toUri().toString(), first);
    assertEquals(0, stop.exit(), stop.diagnostics());
    Matcher saved = Pattern.compile("Savepoint completed\\. Path: (\\S+)").matcher(stop.output());
    assertTrue(saved.find(), stop.diagnostics());
    int beforeUpgrade = KAFKA.readCommitted("upgrade-alerts").size();
    assertTrue(
        beforeUpgrade < trace.replayAlerts.size(),
        "stopped with " + beforeUpgrade + " of " + trace.replayAlerts.size() + " alerts");

    KAFKA.produce("upgrade-exchanges", 0, trace.lines.subList(half, trace.lines.size()));
    String second =
        submitted(
            FLINK.flinkRun(concat(List.of("run", "-d", "-s", saved.group(1), "-p", "1"), job)));
    try {
      boolean all = awaitCommitted("upgrade-alerts", trace.replayAlerts.size());
      Thread.sleep(3_000); // three more checkpoints: a duplicate would be committed by now
      List<String> alerts = KAFKA.readCommitted("upgrade-alerts");
      Set<String> missing = new TreeSet<>(trace.replayAlerts);
      missing.removeAll(alerts);
      Set<String> extra = new TreeSet<>(alerts);
      extra.removeAll(trace.replayAlerts);
      List<String> written = KAFKA.readUncommitted("upgrade-alerts");
      String diff =
          (all ? "" : "(not all in 3 minutes) ")
              + missing.stream().filter(written::contains).count()
              + " of the missing written uncommitted; dead letters "
              + KAFKA.readCommitted("upgrade-rejected").stream()
                  .map(l -> l.substring(0, Math.min(160, l.length())))
                  .toList()
              + "; log start offset "
              + KAFKA.startOffset("upgrade-alerts")
              + "; "
              + beforeUpgrade
              + " committed before the upgrade; missing "
              + missing
              + "; not the replay's "
              + extra;
      assertEquals(trace.replayAlerts.size(), alerts.size(), "alert count, none twice: " + diff);
      assertEquals(new HashSet<>(trace.replayAlerts), new HashSet<>(alerts), diff);
      assertEquals(
          SmallTrace.BAD_LINES.size(), KAFKA.readCommitted("upgrade-rejected").size(), "dead");
    } finally {
      FLINK.flinkRun("cancel", second);
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** The job id a detached {@code flink run} printed. */
  private static String submitted(StandaloneFlinkCluster.Result run) {
    assertEquals(0, run.exit(), run.diagnostics());
    Matcher id =
        Pattern.compile("Job has been submitted with JobID (\\p{XDigit}{32})")
            .matcher(run.output());
    assertTrue(id.find(), run.diagnostics());
    return id.group(1);
  }

  /**
   * Waits until the topic holds at least {@code n} committed records, 3 minutes at most; whether it
   * does.
   */
  private static boolean awaitCommitted(String topic, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      if (KAFKA.readCommitted(topic).size() >= n) {
        return true;
      }
      Thread.sleep(500);
    }
    return false;
  }
}
