package io.distillwatch.flink;

import io.distillwatch.examples.cli.DetectorOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The detection job's flags, shared by {@code distillwatch run} (a local MiniCluster) and {@link
 * DetectionJob#main} ({@code flink run} on a cluster). Input: the built-in scenario unless {@code
 * --input} or {@code --kafka-bootstrap} is given. Output: the log unless a file or topic is.
 */
public final class JobOptions {
  public enum StateBackend {
    hashmap,
    rocksdb
  }

  public enum StartingOffsets {
    earliest,
    latest,
    committed
  }

  @Option(
      names = {"-i", "--input"},
      description = "A JSON-lines trace file, or a folder of them (bounded).")
  Path input;

  @Option(names = "--kafka-bootstrap", description = "Kafka bootstrap servers (host:port,...).")
  String kafkaBootstrap;

  @Option(names = "--input-topic", description = "Topic of exchanges, one JSON object each.")
  String inputTopic;

  @Option(names = "--group-id", description = "Kafka consumer group (default: ${DEFAULT-VALUE}).")
  String groupId = "distillwatch";

  @Option(
      names = "--starting-offsets",
      description =
          "Where to start reading: ${COMPLETION-CANDIDATES} (committed falls back to earliest;"
              + " default: ${DEFAULT-VALUE}).")
  StartingOffsets startingOffsets = StartingOffsets.committed;

  @Option(
      names = "--kafka-bounded",
      description = "Stop at the offsets current at start (a backfill) instead of running on.")
  boolean kafkaBounded;

  @Option(
      names = "--kafka-property",
      paramLabel = "<key=value>",
      description =
          "Kafka client property for every consumer and producer, e.g."
              + " security.protocol=SASL_SSL (repeatable).")
  Map<String, String> kafkaProperties = new LinkedHashMap<>();

  @Option(
      names = "--alerts",
      description =
          "Alerts as JSON lines: a file for a local run, a folder of part files on a cluster.")
  Path alerts;

  @Option(names = "--alerts-topic", description = "Topic for alerts, written exactly once.")
  String alertsTopic;

  @Option(
      names = "--rejected",
      description = "Rejected and late records (reason, message, raw line), like --alerts.")
  Path rejected;

  @Option(names = "--dead-letter-topic", description = "Topic for rejected and late records.")
  String deadLetterTopic;

  @Option(
      names = "--transactional-id-prefix",
      description =
          "Prefix of the Kafka sinks' transactional ids; unique per job on a cluster"
              + " (default: ${DEFAULT-VALUE}).")
  String transactionalIdPrefix = "distillwatch";

  @Option(
      names = "--out-of-orderness",
      converter = DurationConverter.class,
      description = "How late an exchange may arrive before it counts as late (default: 60s).")
  Duration outOfOrderness = DetectionJob.DEFAULT_OUT_OF_ORDERNESS;

  @Option(
      names = "--idleness",
      converter = DurationConverter.class,
      description =
          "A source split or partition with nothing for this long stops holding event time back"
              + " (default: 30s).")
  Duration idleness = DetectionJob.DEFAULT_IDLENESS;

  @Option(
      names = "--checkpoint-interval",
      converter = DurationConverter.class,
      description = "Exactly-once checkpoint interval (default: 10s).")
  Duration checkpointInterval = DetectionJob.DEFAULT_CHECKPOINT_INTERVAL;

  @Option(
      names = "--state-backend",
      description = "Keyed state backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  StateBackend stateBackend = StateBackend.hashmap;

  @Option(
      names = {"-p", "--parallelism"},
      description =
          "Parallelism of the keyed stages (default: ${DEFAULT-VALUE}; on a cluster, without"
              + " this flag, flink run's -p or the cluster's parallelism.default).")
  int parallelism = 2;

  @Option(
      names = "--flink",
      paramLabel = "<key=value>",
      description =
          "Any Flink configuration option, e.g. taskmanager.numberOfTaskSlots=4 (repeatable).")
  Map<String, String> flink = new LinkedHashMap<>();

  @Mixin DetectorOptions detector = new DetectorOptions();

  /** Checks that the flags make one source and at most one destination per output. */
  void validate(CommandLine cli) {
    if (inputTopic != null && kafkaBootstrap == null) {
      throw new CommandLine.ParameterException(cli, "--input-topic needs --kafka-bootstrap");
    }
    if (input != null && inputTopic != null) {
      throw new CommandLine.ParameterException(cli, "give --input or --input-topic, not both");
    }
    if (kafkaBootstrap != null
        && inputTopic == null
        && alertsTopic == null
        && deadLetterTopic == null) {
      throw new CommandLine.ParameterException(
          cli, "--kafka-bootstrap needs --input-topic, --alerts-topic or --dead-letter-topic");
    }
    if ((alertsTopic != null || deadLetterTopic != null) && kafkaBootstrap == null) {
      throw new CommandLine.ParameterException(cli, "a topic output needs --kafka-bootstrap");
    }
    if (alerts != null && alertsTopic != null) {
      throw new CommandLine.ParameterException(cli, "give --alerts or --alerts-topic, not both");
    }
    if (rejected != null && deadLetterTopic != null) {
      throw new CommandLine.ParameterException(
          cli, "give --rejected or --dead-letter-topic, not both");
    }
    if (parallelism < 1) {
      throw new CommandLine.ParameterException(cli, "--parallelism must be >= 1");
    }
  }

  /** Durations as {@code 250ms}, {@code 60s}, {@code 10m}, {@code 2h}, {@code 7d} or ISO-8601. */
  public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    @Override
    public Duration convert(String value) {
      Matcher m = SHORT.matcher(value.trim().toLowerCase(Locale.ROOT));
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      }
      try {
        return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
      } catch (RuntimeException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a duration (e.g. 500ms, 60s, 10m, 2h, 7d, PT1M)");
      }
    }
  }
}
