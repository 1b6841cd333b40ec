package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * {@link DetectionJob#checkpointStorageProblem} and {@link
 * DetectionJob#unalignedCheckpointProblem}: what the job refuses to run with, and why.
 */
class CheckpointStorageCheckTest {

  @Test
  void nothingConfigured_refusedNamingTheOptionToSet() {
    String problem = DetectionJob.checkpointStorageProblem(new Configuration());
    assertNotNull(problem);
    assertTrue(problem.contains("execution.checkpointing.dir"), problem);
    assertTrue(problem.contains("5 MB"), problem);
  }

  @Test
  void aDirectoryOrAStorage_underCurrentOrDeprecatedKeys_accepted() {
    for (Map.Entry<String, String> set :
        Map.of(
                "execution.checkpointing.dir", "s3://bucket/dw",
                "state.checkpoints.dir", "hdfs:///flink/checkpoints",
                "execution.checkpointing.storage", "jobmanager")
            .entrySet()) {
      Configuration conf = Configuration.fromMap(Map.of(set.getKey(), set.getValue()));
      assertNull(DetectionJob.checkpointStorageProblem(conf), set.getKey());
    }
  }

  @Test
  void theJobsOwnConfiguration_fromFlinkFlags_isWhatIsChecked() {
    // `--flink execution.checkpointing.dir=...` reaches the check through configuration().
    Configuration conf =
        DetectionJob.configuration(
            JobOptions.StateBackend.hashmap,
            Map.of("execution.checkpointing.dir", "file:///shared/dw"));
    assertNull(DetectionJob.checkpointStorageProblem(conf));
    assertNotNull(
        DetectionJob.checkpointStorageProblem(
            DetectionJob.configuration(JobOptions.StateBackend.hashmap, Map.of())));
  }

  @Test
  void unalignedCheckpoints_refusedWhenTheJobIsBuilt_sayingWhy() {
    org.apache.flink.streaming.api.environment.StreamExecutionEnvironment env =
        org.apache.flink.streaming.api.environment.StreamExecutionEnvironment
            .getExecutionEnvironment(
                DetectionJob.configuration(
                    JobOptions.StateBackend.hashmap,
                    Map.of("execution.checkpointing.unaligned.enabled", "true")));
    DetectionJob.enableCheckpointing(env, DetectionJob.DEFAULT_CHECKPOINT_INTERVAL);
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () ->
                DetectionJob.detect(
                    env,
                    DetectionJob.Input.rawLines(
                        DetectionJob.scenarioSource(
                            io.distillwatch.flink.source.ScenarioSpec.builtIn()),
                        1),
                    DetectionJob.stages(
                        DetectorSettings.of(
                            io.distillwatch.core.detect.DetectorConfig.builder().config())),
                    DetectionJob.DEFAULT_OUT_OF_ORDERNESS,
                    DetectionJob.DEFAULT_IDLENESS));
    assertTrue(
        e.getMessage().contains("execution.checkpointing.unaligned.enabled"), e.getMessage());
    assertNull(
        DetectionJob.unalignedCheckpointProblem(
            org.apache.flink.streaming.api.environment.StreamExecutionEnvironment
                .getExecutionEnvironment(
                    DetectionJob.configuration(JobOptions.StateBackend.hashmap, Map.of()))));
  }
}
