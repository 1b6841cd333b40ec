package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka to Kafka through a real Kafka 4.1 broker (KRaft, in this JVM, loopback only): the trace is
 * produced to a topic, the job runs exactly-once at parallelism 1, and the alerts read with {@code
 * read_committed} are exactly the core replay's.
 */
class KafkaExactlyOnceITCase {
  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  @RegisterExtension
  static final MiniClusterExtension FLINK =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  @Test
  void kafkaToKafka_exactlyOnce_readCommittedAlertsEqualCoreReplay() throws Exception {
    SmallTrace trace = SmallTrace.get();
    KAFKA.createTopic("exchanges", 1); // one partition: the replay's order
    KAFKA.createTopic("alerts", 1);
    KAFKA.createTopic("dead-letters", 1);
    Properties pp = new Properties();
    pp.put("bootstrap.servers", KAFKA.bootstrapServers());
    pp.put("linger.ms", "20");
    pp.put("compression.type", "lz4");
    long t0 = System.nanoTime();
    try (var producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
      for (String line : trace.lines) {
        producer.send(new ProducerRecord<>("exchanges", line));
      }
    }
    long produced = System.nanoTime();

    JobOptions o = new JobOptions();
    o.kafkaBootstrap = KAFKA.bootstrapServers();
    o.inputTopic = "exchanges";
    o.groupId = "distillwatch-it";
    o.startingOffsets = JobOptions.StartingOffsets.earliest;
    o.kafkaBounded = true;
    o.alertsTopic = "alerts";
    o.deadLetterTopic = "dead-letters";
    o.transactionalIdPrefix = "dw-it";
    o.parallelism = 1;
    o.checkpointInterval = Duration.ofSeconds(1);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.configure(DetectionJob.configuration(o.stateBackend, Map.of()));
    DetectionJob.build(env, o, null, null);
    env.execute("kafka-to-kafka");
    long ran = System.nanoTime();

    List<String> alerts = readCommitted("alerts");
    List<String> dead = readCommitted("dead-letters");
    System.out.printf(
        "kafka-to-kafka: broker start %d ms, produce %d records %d ms, job %d ms; alerts=%d"
            + " dead=%d%n",
        KAFKA.startupMillis(),
        trace.lines.size(),
        (produced - t0) / 1_000_000,
        (ran - produced) / 1_000_000,
        alerts.size(),
        dead.size());
    var missing = new HashSet<>(trace.replayAlerts);
    missing.removeAll(alerts);
    var extra = new HashSet<>(alerts);
    extra.removeAll(trace.replayAlerts);
    assertEquals(Set.of(), missing, "alerts of the replay missing from Kafka; extra: " + extra);
    assertEquals(Set.of(), extra, "alerts on Kafka the replay did not raise");
    assertEquals(trace.replayAlerts.size(), alerts.size(), "each alert exactly once");
    assertEquals(SmallTrace.BAD_LINES.size(), dead.size());
  }

  private static List<String> readCommitted(String topic) {
    Properties cp = new Properties();
    cp.put("bootstrap.servers", KAFKA.bootstrapServers());
    cp.put("group.id", "verify-" + topic);
    cp.put("auto.offset.reset", "earliest");
    cp.put("isolation.level", "read_committed");
    List<String> values = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long idleSince = System.nanoTime();
      while (System.nanoTime() - idleSince < 3_000_000_000L) {
        var records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, String> r : records) {
          values.add(r.value());
        }
        if (!records.isEmpty()) {
          idleSince = System.nanoTime();
        }
      }
    }
    return values;
  }
}
