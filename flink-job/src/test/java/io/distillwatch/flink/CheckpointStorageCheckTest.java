package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** {@link DetectionJob#checkpointStorageProblem}: what {@code flink run} refuses and why. */
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
}
