package io.distillwatch.flink;

import io.distillwatch.core.detect.DetectorConfig;
import java.io.Serializable;
import java.time.Duration;
import java.util.Set;

/**
 * The detector settings a job runs with, in a form Flink can ship to task managers ({@link
 * DetectorConfig} is not serializable); every other setting keeps detector-core's default.
 */
public record DetectorSettings(
    double targetFalsePositiveRate,
    Set<String> allowlistedOrgs,
    Set<String> allowlistedAccounts,
    long idleEvictionMillis)
    implements Serializable {

  public DetectorSettings {
    allowlistedOrgs = Set.copyOf(allowlistedOrgs);
    allowlistedAccounts = Set.copyOf(allowlistedAccounts);
  }

  /** The settings of {@code config} this record carries. */
  public static DetectorSettings of(DetectorConfig config) {
    return new DetectorSettings(
        config.targetFalsePositiveRate(),
        config.allowlistedOrgs(),
        config.allowlistedAccounts(),
        config.idleEvictionMillis());
  }

  /** The configuration back, built on the task manager. */
  public DetectorConfig config() {
    return DetectorConfig.builder()
        .targetFalsePositiveRate(targetFalsePositiveRate)
        .allowlistedOrgs(allowlistedOrgs)
        .allowlistedAccounts(allowlistedAccounts)
        .idleEviction(Duration.ofMillis(idleEvictionMillis))
        .config();
  }
}
