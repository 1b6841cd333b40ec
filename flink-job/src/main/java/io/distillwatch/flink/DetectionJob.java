package io.distillwatch.flink;

import io.distillwatch.core.io.Exchange;
import io.distillwatch.flink.sink.LogSink;
import io.distillwatch.flink.source.ScenarioSource;
import io.distillwatch.flink.source.ScenarioSpec;
import io.distillwatch.flink.stage.AccountActivity;
import io.distillwatch.flink.stage.ParseExchanges;
import java.time.Duration;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * SPIKE of the detection job: lines in (synthetic scenario, JSON-lines files or Kafka), parsed,
 * event-time stamped, keyed by account, out to an alerts sink, with rejected and late records to a
 * dead-letter sink. The per-account stage is a placeholder for the detector.
 *
 * <p>The job takes its source and sinks as arguments, so {@code main} plugs in Kafka and tests plug
 * in files and collecting sinks.
 */
public final class DetectionJob {
  public static final Duration DEFAULT_OUT_OF_ORDERNESS = Duration.ofSeconds(60);
  public static final Duration DEFAULT_IDLENESS = Duration.ofSeconds(30);
  public static final Duration DEFAULT_ACCOUNT_EXPIRY = Duration.ofDays(7);

  private DetectionJob() {}

  /** Settings every run gets: no Kryo fallback, exactly-once checkpoints, the state backend. */
  public static Configuration baseConfiguration(boolean rocksDb) {
    Configuration conf = new Configuration();
    // Fail at job build time on any type that would fall back to Kryo, rather than run slowly.
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(StateBackendOptions.STATE_BACKEND, rocksDb ? "rocksdb" : "hashmap");
    return conf;
  }

  /** Enables exactly-once checkpoints; Kafka transactions and file commits happen on them. */
  public static void enableCheckpointing(StreamExecutionEnvironment env, Duration interval) {
    env.enableCheckpointing(interval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
  }

  /**
   * Wires the pipeline onto {@code env}.
   *
   * @param sourceParallelism parallelism of the source, or -1 for the environment's
   */
  public static void build(
      StreamExecutionEnvironment env,
      Source<String, ?, ?> source,
      int sourceParallelism,
      Sink<String> alerts,
      Sink<String> deadLetters,
      Duration outOfOrderness,
      Duration idleness,
      Duration accountExpiry) {
    var lines = env.fromSource(source, WatermarkStrategy.noWatermarks(), "lines", Types.STRING);
    if (sourceParallelism > 0) {
      lines.setParallelism(sourceParallelism);
    }
    SingleOutputStreamOperator<Exchange> parsed =
        lines.process(new ParseExchanges()).name("parse").uid("parse");
    // Timestamps come from the parsed exchange, so watermarks are assigned after parsing; idle
    // subtasks (a single-split source, quiet Kafka partitions) must not hold the watermark back.
    SingleOutputStreamOperator<Exchange> stamped =
        parsed
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<Exchange>forBoundedOutOfOrderness(outOfOrderness)
                    .withTimestampAssigner((e, previous) -> e.timestamp())
                    .withIdleness(idleness))
            .name("watermarks")
            .uid("watermarks");
    SingleOutputStreamOperator<String> out =
        stamped
            .keyBy(Exchange::accountId)
            .process(new AccountActivity(accountExpiry))
            .name("accounts")
            .uid("accounts");
    out.sinkTo(alerts).name("alerts").uid("alerts-sink");
    parsed
        .getSideOutput(ParseExchanges.DEAD_LETTERS)
        .union(out.getSideOutput(ParseExchanges.DEAD_LETTERS))
        .sinkTo(deadLetters)
        .name("dead-letters")
        .uid("dead-letters-sink");
  }

  /** The synthetic scenario, one split. */
  public static Source<String, ?, ?> scenarioSource(ScenarioSpec spec) {
    return new ScenarioSource(spec);
  }

  /** A bounded source over a JSON-lines file or every file in a folder. */
  public static Source<String, ?, ?> fileSource(String path) {
    return FileSource.forRecordStreamFormat(new TextLineInputFormat(), new Path(path)).build();
  }

  /** JSON lines into a folder; part files become visible when a checkpoint commits them. */
  public static Sink<String> fileSink(String folder) {
    return FileSink.forRowFormat(new Path(folder), new SimpleStringEncoder<String>()).build();
  }

  public static Sink<String> logSink(String label) {
    return new LogSink(label);
  }

  /**
   * Lines from a Kafka topic.
   *
   * @param bounded stop at the offsets current at start (tests, backfills)
   */
  public static KafkaSource<String> kafkaSource(
      String bootstrap,
      String topic,
      String groupId,
      OffsetsInitializer startingOffsets,
      boolean bounded,
      Properties extra) {
    var b =
        KafkaSource.<String>builder()
            .setBootstrapServers(bootstrap)
            .setTopics(topic)
            .setGroupId(groupId)
            .setStartingOffsets(startingOffsets)
            .setValueOnlyDeserializer(new SimpleStringSchema())
            .setProperties(extra);
    if (bounded) {
      b.setBounded(OffsetsInitializer.latest());
    }
    return b.build();
  }

  /**
   * Exactly-once lines to a Kafka topic: each checkpoint commits one transaction per subtask.
   * Readers must use {@code isolation.level=read_committed}.
   */
  public static KafkaSink<String> kafkaSink(
      String bootstrap, String topic, String transactionalIdPrefix, Properties extra) {
    Properties producer = new Properties();
    // Flink's default (1 h) exceeds the broker's transaction.max.timeout.ms (15 min) and the
    // producer would be refused; keep it above the checkpoint interval and below the broker's.
    producer.setProperty("transaction.timeout.ms", "600000");
    producer.putAll(extra);
    return KafkaSink.<String>builder()
        .setBootstrapServers(bootstrap)
        .setKafkaProducerConfig(producer)
        .setRecordSerializer(
            KafkaRecordSerializationSchema.builder()
                .setTopic(topic)
                .setValueSerializationSchema(new SimpleStringSchema())
                .build())
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(transactionalIdPrefix)
        .build();
  }

  /** Runs the built-in scenario locally with alerts and dead letters to the log. */
  public static void main(String[] args) throws Exception {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(baseConfiguration(false));
    enableCheckpointing(env, Duration.ofSeconds(10));
    build(
        env,
        scenarioSource(ScenarioSpec.builtIn()),
        1,
        logSink("alert"),
        logSink("dead-letter"),
        DEFAULT_OUT_OF_ORDERNESS,
        DEFAULT_IDLENESS,
        DEFAULT_ACCOUNT_EXPIRY);
    env.execute("distillwatch-detection");
  }
}
