package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code flink run} of the shaded job jar on a {@link StandaloneFlinkCluster}, as the README's
 * "Running on a Flink cluster" tells an operator to run it, over the small trace file of the
 * MiniCluster ITCases. The jar must bring everything that is not Flink (detector-core, examples,
 * picocli, the Kafka connector), its classes are loaded by the cluster's user-code class loader,
 * and the job graph crosses processes. The alerts must be the core replay's: that holds at
 * parallelism 1, which {@code flink run -p 1} must therefore set (until stop 28 the job's own
 * default of 2 overrode {@code -p}, and this test fails that way: 100 alerts against 102).
 */
class FlinkRunITCase {
  @RegisterExtension static final StandaloneFlinkCluster FLINK = new StandaloneFlinkCluster();

  /**
   * On both state backends: RocksDB's native library is the cluster's ({@code frocksdbjni} is on a
   * distribution's classpath, not in the job jar), loaded by the TaskManager.
   */
  @ParameterizedTest
  @EnumSource(JobOptions.StateBackend.class)
  void flinkRun_shadedJar_p1_alertsAreTheCoreReplays(JobOptions.StateBackend backend)
      throws Exception {
    SmallTrace trace = SmallTrace.get();
    Path alerts = FLINK.dir().resolve("alerts-" + backend);
    Path rejected = FLINK.dir().resolve("rejected-" + backend);
    StandaloneFlinkCluster.Result run =
        FLINK.flinkRun(
            "run",
            "-p",
            "1",
            FLINK.jobJar().toString(),
            "--input",
            trace.file.toString(),
            "--alerts",
            alerts.toString(),
            "--rejected",
            rejected.toString(),
            "--checkpoint-interval",
            "2s",
            "--state-backend",
            backend.name(),
            "--flink",
            "execution.checkpointing.dir=" + FLINK.dir().resolve("checkpoints-" + backend).toUri());
    assertEquals(0, run.exit(), run.diagnostics());
    assertTrue(run.output().contains("Job has been submitted with JobID"), run.diagnostics());
    List<String> jobAlerts = DetectionJobITCase.readParts(alerts);
    assertEquals(trace.replayAlerts.size(), jobAlerts.size(), "alert count\n" + run.diagnostics());
    assertEquals(new HashSet<>(trace.replayAlerts), new HashSet<>(jobAlerts), "same alerts");
    List<String> dead = DetectionJobITCase.readParts(rejected);
    assertEquals(SmallTrace.BAD_LINES.size(), dead.size(), String.join("\n", dead));
  }

  @Test
  void flinkRun_withoutCheckpointStorage_refusedBeforeSubmittingSayingWhatToSet() throws Exception {
    StandaloneFlinkCluster.Result run =
        FLINK.flinkRun(
            "run",
            FLINK.jobJar().toString(),
            "--input",
            SmallTrace.get().file.toString(),
            "--alerts",
            FLINK.dir().resolve("unused-alerts").toString());
    assertTrue(run.exit() != 0, run.diagnostics());
    assertTrue(run.output().contains("no checkpoint storage is configured"), run.diagnostics());
    assertTrue(run.output().contains("execution.checkpointing.dir"), run.diagnostics());
    assertTrue(!run.output().contains("Job has been submitted"), run.diagnostics());
  }
}
