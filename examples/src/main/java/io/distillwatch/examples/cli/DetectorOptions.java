package io.distillwatch.examples.cli;

import io.distillwatch.core.detect.DetectorConfig;
import io.distillwatch.core.detect.ExtractionDetector;
import java.util.LinkedHashSet;
import java.util.Set;
import picocli.CommandLine.Option;

/** Detector options shared by every command that runs the detector. */
public final class DetectorOptions {
  @Option(
      names = "--target-fpr",
      description = "Target share of benign accounts alerted (default: 0.001).")
  double targetFpr = 0.001;

  @Option(
      names = "--allow-org",
      split = ",",
      paramLabel = "<org>",
      description = "Organisation ids never alerted (repeatable or comma-separated).")
  Set<String> allowOrgs = new LinkedHashSet<>();

  @Option(
      names = "--allow-account",
      split = ",",
      paramLabel = "<account>",
      description = "Account ids never alerted (repeatable or comma-separated).")
  Set<String> allowAccounts = new LinkedHashSet<>();

  /** The detector configuration these options describe. */
  public DetectorConfig config() {
    return builder().config();
  }

  /** A new detector with these options. */
  public ExtractionDetector detector() {
    return builder().build();
  }

  private DetectorConfig.Builder builder() {
    return ExtractionDetector.builder()
        .targetFalsePositiveRate(targetFpr)
        .allowlistedOrgs(allowOrgs)
        .allowlistedAccounts(allowAccounts);
  }
}
