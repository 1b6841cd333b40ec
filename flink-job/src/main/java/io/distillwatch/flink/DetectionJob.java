package io.distillwatch.flink;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.AlertJson;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ParseResult;
import io.distillwatch.examples.cli.DistillwatchCli;
import io.distillwatch.flink.detect.AccountDetectOperator;
import io.distillwatch.flink.detect.ClusterDetectOperator;
import io.distillwatch.flink.detect.CoreStages;
import io.distillwatch.flink.detect.LinkDetectFunction;
import io.distillwatch.flink.detect.OrderBatches;
import io.distillwatch.flink.detect.PairMarks;
import io.distillwatch.flink.detect.PromptDetectFunction;
import io.distillwatch.flink.detect.SequenceExchanges;
import io.distillwatch.flink.detect.Stages;
import io.distillwatch.flink.sink.LogSink;
import io.distillwatch.flink.sink.WriteTimeRecords;
import io.distillwatch.flink.source.ScenarioSource;
import io.distillwatch.flink.source.ScenarioSpec;
import io.distillwatch.flink.stage.JsonLinesFormat;
import io.distillwatch.flink.stage.ParseExchanges;
import io.distillwatch.flink.stage.ParsingSource;
import io.distillwatch.flink.stage.RawLine;
import io.distillwatch.flink.stage.SourceWatermarks;
import io.distillwatch.flink.types.JobTypes;
import io.distillwatch.flink.types.MarkedExchange;
import io.distillwatch.flink.types.NoveltyMark;
import io.distillwatch.flink.types.PromptProbe;
import io.distillwatch.flink.types.SequencedExchange;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.fs.Path;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import picocli.CommandLine;

/**
 * The detection job: JSON lines in (the built-in synthetic scenario, a file or folder, or Kafka),
 * parsed once, stamped with event time and watermarked per split in the source, then
 * detector-core's four stages, each a Flink stage:
 *
 * <pre>
 * source (parses, watermarks per split) -> parse --(rejected)--------------> dead letters
 *                          | sequence (chained): late rule, encode --(late)--> dead letters
 *                          |                        \ probe: prompt key, account, sequence
 *                          |       keyBy(prompt) PromptDetectFunction
 *                          | exchange bytes         / verdict: novel or not
 *                  keyBy(account) PairMarks (in the exchanges' order)
 *                          | chained: AccountDetectOperator
 *                          | stage messages
 *                       keyBy(route) LinkDetectFunction
 *                          | stage messages
 *                       global, parallelism 1: [OrderBatches at p > 1] ClusterDetectOperator
 *                          | alerts (JSON lines)
 * </pre>
 *
 * <p>The job takes its source and sinks as arguments: {@link #main} (what {@code flink run} calls)
 * and {@code distillwatch run} plug in the flags' choices, tests plug in files and Kafka.
 */
public final class DetectionJob {
  public static final Duration DEFAULT_OUT_OF_ORDERNESS = Duration.ofSeconds(60);
  public static final Duration DEFAULT_IDLENESS = Duration.ofSeconds(30);
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);

  /**
   * Account profiles each account-stage subtask keeps as objects in front of RocksDB (about 2.3 KB
   * of heap each, so about 23 MB), written back to the state on eviction and at checkpoints: see
   * {@link AccountDetectOperator}. Off on the heap backend.
   */
  public static final int ROCKSDB_PROFILE_CACHE = 10_000;

  /** Logger names of the log sinks. */
  public static final String ALERT_LOGGER = "io.distillwatch.alerts";

  public static final String REJECTED_LOGGER = "io.distillwatch.rejected";

  private DetectionJob() {}

  /** The job's two outputs before they reach sinks. */
  public record Streams(DataStream<Alert> alerts, DataStream<String> deadLetters) {}

  /**
   * Settings every run gets: no Kryo fallback, the state backend (with RocksDB, timers on the
   * heap), a fixed-delay restart strategy (3 attempts, 10 s apart), then any extra Flink options,
   * which win.
   *
   * <p>Timers on the heap with RocksDB: the link stage holds one idle-expiry timer per link key
   * (about 175 k keys per million exchanges of the built-in scenario, each registered once and
   * fired once or more), and RocksDB timers cost a write on registration and a read, a delete and a
   * seek on firing. On the heap they cost a priority-queue operation. Timers are about 100 bytes of
   * heap each (a few seconds' worth of exchanges per megabyte), and they are still checkpointed
   * with the keyed state.
   */
  public static Configuration configuration(
      JobOptions.StateBackend backend, Map<String, String> extra) {
    Configuration conf = new Configuration();
    // Fail at job build time on any type that would fall back to Kryo, rather than run slowly.
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(StateBackendOptions.STATE_BACKEND, backend.name());
    if (backend == JobOptions.StateBackend.rocksdb) {
      conf.set(
          RocksDBOptions.TIMER_SERVICE_FACTORY,
          EmbeddedRocksDBStateBackend.PriorityQueueStateType.HEAP);
    }
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(10));
    conf.addAll(Configuration.fromMap(extra));
    return conf;
  }

  /**
   * For local runs: checkpoints to files under {@code dir} unless the options name a storage. The
   * JobManager's in-memory storage refuses state over 5 MiB, and the account stage's population
   * statistics (novelty filter, calibrators) exceed that on any real trace.
   */
  public static void localCheckpointStorage(Configuration conf, java.nio.file.Path dir) {
    if (!conf.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)) {
      conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
      conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.toUri().toString());
    }
  }

  /** Enables exactly-once checkpoints; Kafka transactions and file commits happen on them. */
  public static void enableCheckpointing(StreamExecutionEnvironment env, Duration interval) {
    env.enableCheckpointing(interval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
  }

  /** The detection stages the job runs: detector-core's. */
  public static Stages<?, ?, ?> stages(DetectorSettings settings) {
    return new CoreStages(settings);
  }

  /** Parsed exchanges with event time, and the lines the parser rejected. */
  public record Parsed(DataStream<Exchange> exchanges, DataStream<String> rejected) {}

  /**
   * A source of parsed records. Every source of the job (Kafka, files, the generated ones) delivers
   * undecoded bytes ({@link RawLine}) and is wrapped in a {@link ParsingSource}, so all take one
   * parsing path, and each record is parsed once, in the source.
   *
   * @param parallelism parallelism of the source, or -1 for the environment's
   */
  public record Input(Source<ParseResult, ?, ?> source, int parallelism) {
    public static Input rawLines(Source<RawLine, ?, ?> source, int parallelism) {
      return new Input(ParsingSource.of(source), parallelism);
    }
  }

  /**
   * Source, event time and parsing: the part every variant of the job shares, the benchmark's
   * trivial job included. The source's reader parses each record ({@link ParsingSource}) and the
   * source gets the watermark strategy ({@link SourceWatermarks}), which reads event time from the
   * parse result, so watermarks are generated per split (per Kafka partition) and idle splits are
   * left out; the parse stage, chained to the source, counts the results and passes each exchange
   * on with the timestamp it was given, each rejection to the dead letters.
   */
  public static Parsed parse(
      StreamExecutionEnvironment env, Input input, Duration outOfOrderness, Duration idleness) {
    int sourceParallelism = input.parallelism();
    var records =
        env.fromSource(
            input.source(),
            SourceWatermarks.of(outOfOrderness, idleness),
            "lines",
            JobTypes.PARSE_RESULT);
    if (sourceParallelism > 0) {
      records.setParallelism(sourceParallelism);
    }
    records.uid("source");
    SingleOutputStreamOperator<Exchange> parsed =
        records.process(new ParseExchanges(), JobTypes.EXCHANGE).name("parse").uid("parse");
    if (sourceParallelism > 0) {
      parsed.setParallelism(sourceParallelism); // chained to the source, no shuffle before keyBy
    }
    return new Parsed(parsed, parsed.getSideOutput(ParseExchanges.DEAD_LETTERS));
  }

  /** Wires source, event time, parsing and the three detection stages onto {@code env}. */
  public static <P, M, L> Streams detect(
      StreamExecutionEnvironment env,
      Input input,
      Stages<P, M, L> stages,
      Duration outOfOrderness,
      Duration idleness) {
    return detect(parse(env, input, outOfOrderness, idleness), stages);
  }

  /**
   * The three detection stages over parsed exchanges. Tests put a stage of their own between {@link
   * #parse} and this (e.g. one that fails once, to test recovery).
   */
  public static <P, M, L> Streams detect(Parsed parsed, Stages<P, M, L> stages) {
    DataStream<Exchange> stamped = parsed.exchanges();
    DataStream<String> rejected = parsed.rejected();
    String unaligned = unalignedCheckpointProblem(stamped.getExecutionEnvironment());
    if (unaligned != null) {
      throw new IllegalArgumentException(unaligned);
    }
    // The profile cache only where the state holds bytes: the job's configuration names the
    // backend (state.backend.type, "hashmap" unless set); any other backend goes without.
    String backend =
        stamped.getExecutionEnvironment().getConfiguration().get(StateBackendOptions.STATE_BACKEND);
    int profileCache = "rocksdb".equalsIgnoreCase(backend) ? ROCKSDB_PROFILE_CACHE : 0;
    // Chained to the parse stage (same parallelism, forward): the late rule and one encoding per
    // exchange; the exchange goes to its account, a probe of it to its prompt's subtask.
    SingleOutputStreamOperator<SequencedExchange> sequenced =
        stamped
            .process(new SequenceExchanges(), JobTypes.SEQUENCED_EXCHANGE)
            .name("sequence")
            .uid("sequence")
            .setParallelism(stamped.getParallelism());
    SingleOutputStreamOperator<NoveltyMark> prompts =
        sequenced
            .getSideOutput(SequenceExchanges.PROBES)
            .keyBy(PROBE_KEY, Types.LONG)
            .process(new PromptDetectFunction(stages), JobTypes.NOVELTY_MARK)
            .name("prompts")
            .uid("prompts");
    // Each exchange meets its verdict at its account's subtask, in the order the source sent the
    // exchanges (PairMarks); the account stage is chained to it. Keyed by the account id's
    // hashCode(), an Integer whose own hashCode() it is, the pair lands where keyBy(account_id)
    // would put the exchange (Flink places a key by its hashCode()), so the account stage may take
    // the pair's output as keyed by account without a shuffle (AccountKeysTest checks it).
    SingleOutputStreamOperator<MarkedExchange> paired =
        sequenced
            .keyBy(SEQUENCED_ACCOUNT_KEY, Types.INT)
            .connect(prompts.keyBy(MARK_ACCOUNT_KEY, Types.INT))
            .transform("pair", JobTypes.MARKED_EXCHANGE, new PairMarks())
            .uid("pair");
    SingleOutputStreamOperator<M> accounts =
        DataStreamUtils.reinterpretAsKeyedStream(paired, MARKED_ACCOUNT_KEY, Types.STRING)
            .transform(
                "accounts", stages.messageType(), new AccountDetectOperator<>(stages, profileCache))
            .uid("accounts");
    SingleOutputStreamOperator<M> links =
        accounts
            .keyBy(new RouteKey<>(stages), Types.LONG)
            .process(new LinkDetectFunction<>(stages), stages.messageType())
            .name("links")
            .uid("links");
    // With several link subtasks before it, the cluster stage reads its input a watermark at a
    // time in one order (OrderBatches, chained in front of it), not as the network interleaved
    // it; with one, in the order it comes, which is the source's, as in the core.
    DataStream<M> toClusters = links.global();
    if (links.getParallelism() > 1) {
      toClusters =
          toClusters
              .transform("order-clusters", stages.messageType(), new OrderBatches<>(stages))
              .uid("order-clusters")
              .setParallelism(1)
              .setMaxParallelism(1);
    }
    SingleOutputStreamOperator<Alert> alerts =
        toClusters
            .transform("clusters", JobTypes.ALERT, new ClusterDetectOperator<>(stages))
            .uid("clusters")
            .setParallelism(1)
            .setMaxParallelism(1);
    DataStream<String> dead =
        rejected.union(
            sequenced.getSideOutput(ParseExchanges.DEAD_LETTERS),
            accounts.getSideOutput(ParseExchanges.DEAD_LETTERS));
    return new Streams(alerts, dead);
  }

  /** Alerts as JSON lines into {@code sink}, at parallelism 1 so one writer keeps their order. */
  public static void sinkAlerts(Streams streams, Sink<String> sink) {
    sinkAlerts(streams, sink, "alert-json", "alerts");
  }

  /**
   * {@link #sinkAlerts(Streams, Sink)} under other operator names, for a second copy of the alerts:
   * the JSON step is named and identified {@code json}, the sink {@code name} (uid {@code name +
   * "-sink"}).
   */
  public static void sinkAlerts(Streams streams, Sink<String> sink, String json, String name) {
    streams
        .alerts()
        .map(AlertJson::toJson, Types.STRING)
        .name(json)
        .uid(json)
        .setParallelism(1)
        .sinkTo(sink)
        .name(name)
        .uid(name + "-sink")
        .setParallelism(1);
  }

  public static void sinkDeadLetters(Streams streams, Sink<String> sink) {
    streams.deadLetters().sinkTo(sink).name("dead-letters").uid("dead-letters-sink");
  }

  /** The synthetic scenario, one split. */
  public static Source<RawLine, ?, ?> scenarioSource(ScenarioSpec spec) {
    return new ScenarioSource(spec);
  }

  /**
   * A bounded source over a JSON-lines file or every file in a folder, framed and left undecoded as
   * the replay reads it (see {@link JsonLinesFormat}).
   */
  public static Source<RawLine, ?, ?> fileSource(String path) {
    return FileSource.forRecordStreamFormat(new JsonLinesFormat(), new Path(path)).build();
  }

  /** {@link #fileSource} with its parser, at the environment's parallelism. */
  public static Input fileInput(String path) {
    return Input.rawLines(fileSource(path), -1);
  }

  /**
   * JSON lines into a folder, all part files directly in it (no time buckets); part files become
   * visible when a checkpoint commits them, including the final one of a bounded run.
   */
  public static Sink<String> fileSink(String folder) {
    return FileSink.forRowFormat(new Path(folder), new SimpleStringEncoder<String>())
        .withBucketAssigner(new BasePathBucketAssigner<>())
        .build();
  }

  public static Sink<String> logSink(String logger) {
    return new LogSink(logger);
  }

  /** The offsets initializer of a {@code --starting-offsets} choice. */
  public static OffsetsInitializer offsets(JobOptions.StartingOffsets choice) {
    return switch (choice) {
      case earliest -> OffsetsInitializer.earliest();
      case latest -> OffsetsInitializer.latest();
      case committed -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
    };
  }

  /**
   * Lines from a Kafka topic.
   *
   * @param bounded stop at the offsets current at start (tests, backfills)
   */
  public static KafkaSource<RawLine> kafkaSource(
      String bootstrap,
      String topic,
      String groupId,
      OffsetsInitializer startingOffsets,
      boolean bounded,
      Properties extra) {
    var b =
        KafkaSource.<RawLine>builder()
            .setBootstrapServers(bootstrap)
            .setTopics(topic)
            .setGroupId(groupId)
            .setStartingOffsets(startingOffsets)
            // Values as bytes: the parser, not a decoder, rejects invalid UTF-8.
            .setDeserializer(new RawValues())
            .setProperties(extra);
    if (bounded) {
      b.setBounded(OffsetsInitializer.latest());
    }
    return b.build();
  }

  /**
   * Exactly-once lines to a Kafka topic: each checkpoint commits one transaction per subtask.
   * Readers must use {@code isolation.level=read_committed}. Records carry the time they were
   * written, not the event time, so that the topic's retention does not delete alerts about old
   * traffic as soon as they are committed ({@link WriteTimeRecords}).
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
        // Stamped when written, not with the event time: see WriteTimeRecords.
        .setRecordSerializer(
            new WriteTimeRecords<>(
                KafkaRecordSerializationSchema.<String>builder()
                    .setTopic(topic)
                    .setValueSerializationSchema(new SimpleStringSchema())
                    .build()))
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(transactionalIdPrefix)
        .build();
  }

  /**
   * Builds the job the flags describe onto {@code env}.
   *
   * @param alertFolder where file alerts go (a folder of part files), or null for the flag's
   * @param rejectedFolder the same for rejected records
   */
  public static Streams build(
      StreamExecutionEnvironment env,
      JobOptions o,
      java.nio.file.Path alertFolder,
      java.nio.file.Path rejectedFolder) {
    env.setParallelism(o.parallelism);
    enableCheckpointing(env, o.checkpointInterval);
    Streams streams = detect(env, input(o), stages(o), o.outOfOrderness, o.idleness);
    return sink(streams, o, alertFolder, rejectedFolder);
  }

  /** The source the flags name, with its parser. */
  public static Input input(JobOptions o) {
    if (o.inputTopic != null) {
      Properties kafka = new Properties();
      kafka.putAll(o.kafkaProperties);
      return Input.rawLines(
          kafkaSource(
              o.kafkaBootstrap,
              o.inputTopic,
              o.groupId,
              offsets(o.startingOffsets),
              o.kafkaBounded,
              kafka),
          -1);
    }
    if (o.input != null) {
      return fileInput(o.input.toAbsolutePath().toString());
    }
    return Input.rawLines(scenarioSource(ScenarioSpec.builtIn()), 1); // one sequential generator
  }

  /** The detection stages with the flags' detector settings. */
  public static Stages<?, ?, ?> stages(JobOptions o) {
    return stages(DetectorSettings.of(o.detector.config()));
  }

  /** Connects the sinks the flags name. */
  public static Streams sink(
      Streams streams,
      JobOptions o,
      java.nio.file.Path alertFolder,
      java.nio.file.Path rejectedFolder) {
    Properties kafka = new Properties();
    kafka.putAll(o.kafkaProperties);
    java.nio.file.Path alerts = alertFolder != null ? alertFolder : o.alerts;
    java.nio.file.Path rejected = rejectedFolder != null ? rejectedFolder : o.rejected;
    sinkAlerts(
        streams,
        o.alertsTopic != null
            ? kafkaSink(o.kafkaBootstrap, o.alertsTopic, o.transactionalIdPrefix + "-alerts", kafka)
            : alerts != null ? fileSink(alerts.toString()) : logSink(ALERT_LOGGER));
    sinkDeadLetters(
        streams,
        o.deadLetterTopic != null
            ? kafkaSink(
                o.kafkaBootstrap, o.deadLetterTopic, o.transactionalIdPrefix + "-dead", kafka)
            : rejected != null ? fileSink(rejected.toString()) : logSink(REJECTED_LOGGER));
    return streams;
  }

  /**
   * The job's entry point on a Flink cluster ({@code flink run distillwatch-job.jar [flags]}); the
   * flags are those of {@code distillwatch run}, with {@code --alerts} and {@code --rejected}
   * naming folders of part files. The parallelism is {@code flink run}'s ({@code -p}, else the
   * cluster's {@code parallelism.default}) unless {@code --parallelism} is given: its default of 2
   * is {@code distillwatch run}'s, for the local cluster. A job with no checkpoint storage
   * configured is refused before it is submitted ({@link #checkpointStorageProblem}).
   */
  public static void main(String[] args) throws Exception {
    JobOptions o = new JobOptions();
    CommandLine cli = new CommandLine(o).setCommandName("distillwatch-job");
    try {
      cli.parseArgs(args);
      o.validate(cli);
    } catch (CommandLine.ParameterException e) {
      System.err.println("error: " + e.getMessage());
      cli.usage(System.err);
      System.exit(DistillwatchCli.EXIT_USAGE);
    }
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(configuration(o.stateBackend, o.flink));
    if (!cli.getParseResult().hasMatchedOption("--parallelism")) {
      o.parallelism = env.getParallelism();
    }
    String problem = checkpointStorageProblem(env.getConfiguration());
    if (problem != null) {
      System.err.println("error: " + problem);
      System.exit(DistillwatchCli.EXIT_USAGE);
    }
    build(env, o, null, null);
    env.execute("distillwatch-detection");
  }

  /**
   * Why the job cannot run with this environment's checkpointing, or null if it can: unaligned
   * checkpoints, with which an exchange and the prompt stage's verdict on it can fall on two sides
   * of a checkpoint, which {@link PairMarks} does not keep (it would fail every such checkpoint).
   */
  static String unalignedCheckpointProblem(StreamExecutionEnvironment env) {
    if (!env.getCheckpointConfig().isUnalignedCheckpointsEnabled()) {
      return null;
    }
    return "unaligned checkpoints (execution.checkpointing.unaligned.enabled) are not supported:"
        + " the account stage pairs each exchange with the prompt stage's verdict on it, and"
        + " only aligned checkpoints (the default for exactly-once) keep the two on one side of a"
        + " checkpoint; leave the option off.";
  }

  /**
   * Why a job with this configuration cannot checkpoint on a cluster, or null if it can. With
   * neither a checkpoint directory nor a checkpoint storage configured, Flink keeps checkpoints in
   * the JobManager's memory, which refuses an operator's state over 5 MB; the prompt stage's
   * novelty table alone is up to 32 MiB per instance, so every checkpoint would fail, and after the
   * tolerated failures the job with them (seen on a standalone cluster: {@code FlinkRunITCase}). A
   * storage set explicitly, even the JobManager's, is the operator's choice and is not refused.
   */
  static String checkpointStorageProblem(ReadableConfig conf) {
    if (conf.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY).isPresent()
        || conf.getOptional(CheckpointingOptions.CHECKPOINT_STORAGE).isPresent()) {
      return null;
    }
    return "no checkpoint storage is configured, so Flink would keep checkpoints in the"
        + " JobManager's memory, which refuses more than 5 MB of an operator's state; this job's"
        + " state is larger (the prompt stage's novelty table alone is up to 32 MiB per instance),"
        + " so its checkpoints and then the job would fail. Set a durable directory, in the"
        + " cluster's config.yaml or with --flink execution.checkpointing.dir=s3://bucket/path"
        + " (any file system the cluster can write: hdfs://, file:// on a shared mount, ...).";
  }

  /** The account stage's key; the benchmark's trivial job keys the same way. */
  public static final KeySelector<Exchange, String> ACCOUNT_KEY = new AccountKey();

  /** Keys exchanges by account; a class rather than a lambda so its key type is explicit. */
  static final class AccountKey implements KeySelector<Exchange, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(Exchange e) {
      return e.accountId();
    }
  }

  /** Kafka record values as {@link RawLine}s; a null value (tombstone) is an empty record. */
  static final class RawValues implements KafkaRecordDeserializationSchema<RawLine> {
    private static final long serialVersionUID = 1L;
    private static final byte[] EMPTY = new byte[0];

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawLine> out) {
      out.collect(RawLine.of(record.value() == null ? EMPTY : record.value()));
    }

    @Override
    public TypeInformation<RawLine> getProducedType() {
      return ParseExchanges.RAW_LINE;
    }
  }

  /** The account stage's key on the prompt stage's output. */
  static final KeySelector<MarkedExchange, String> MARKED_ACCOUNT_KEY = new MarkedAccountKey();

  /** Keys marked exchanges by account. */
  static final class MarkedAccountKey implements KeySelector<MarkedExchange, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(MarkedExchange m) {
      return m.encoded().accountId();
    }
  }

  /** Keys prompt probes by their route, for the prompt stage. */
  static final KeySelector<PromptProbe, Long> PROBE_KEY = new ProbeKey();

  /** Keys prompt probes by their route ({@link PromptProbe#route}). */
  static final class ProbeKey implements KeySelector<PromptProbe, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long getKey(PromptProbe p) {
      return p.route();
    }
  }

  /** The pair's key on the exchanges sent to it directly: the account id's hashCode(). */
  static final KeySelector<SequencedExchange, Integer> SEQUENCED_ACCOUNT_KEY =
      new SequencedAccountKey();

  /** Keys sequenced exchanges by {@link SequencedExchange#accountKey}. */
  static final class SequencedAccountKey implements KeySelector<SequencedExchange, Integer> {
    private static final long serialVersionUID = 1L;

    @Override
    public Integer getKey(SequencedExchange x) {
      return x.accountKey();
    }
  }

  /** The pair's key on the prompt stage's verdicts: the account id's hashCode(). */
  static final KeySelector<NoveltyMark, Integer> MARK_ACCOUNT_KEY = new MarkAccountKey();

  /** Keys novelty marks by {@link NoveltyMark#accountKey}. */
  static final class MarkAccountKey implements KeySelector<NoveltyMark, Integer> {
    private static final long serialVersionUID = 1L;

    @Override
    public Integer getKey(NoveltyMark m) {
      return m.accountKey();
    }
  }

  /** Keys stage messages by their route, the link key. */
  static final class RouteKey<M> implements KeySelector<M, Long> {
    private static final long serialVersionUID = 1L;
    private final Stages<?, M, ?> stages;

    RouteKey(Stages<?, M, ?> stages) {
      this.stages = stages;
    }

    @Override
    public Long getKey(M m) {
      return stages.route(m);
    }
  }
}
