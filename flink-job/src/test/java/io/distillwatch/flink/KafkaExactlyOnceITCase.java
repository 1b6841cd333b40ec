package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillwatch.core.io.ExchangeJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
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
  void kafkaToKafka_exactlyOnce_readCommittedSeesEveryRecordOnce() throws Exception {
    long t0 = System.nanoTime();
    KAFKA.createTopic("exchanges", 2);
    KAFKA.createTopic("alerts", 2);
    KAFKA.createTopic("dead-letters", 1);

    List<String> lines = new ArrayList<>();
    for (var e : DetectionJobITCase.SMALL.generator()) {
      lines.add(ExchangeJson.toJson(e));
      if (lines.size() == 1_000) {
        break;
      }
    }
    Properties pp = new Properties();
    pp.put("bootstrap.servers", KAFKA.bootstrapServers());
    try (var producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
      for (String line : lines) {
        producer.send(new ProducerRecord<>("exchanges", line));
      }
    }

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.configure(DetectionJob.baseConfiguration(false));
    env.setParallelism(2);
    DetectionJob.enableCheckpointing(env, Duration.ofSeconds(1));
    DetectionJob.build(
        env,
        DetectionJob.kafkaSource(
            KAFKA.bootstrapServers(),
            "exchanges",
            "distillwatch-it",
            OffsetsInitializer.earliest(),
            true,
            new Properties()),
        -1,
        DetectionJob.kafkaSink(KAFKA.bootstrapServers(), "alerts", "dw-alerts", new Properties()),
        DetectionJob.kafkaSink(
            KAFKA.bootstrapServers(), "dead-letters", "dw-dead", new Properties()),
        DetectionJob.DEFAULT_OUT_OF_ORDERNESS,
        DetectionJob.DEFAULT_IDLENESS,
        DetectionJob.DEFAULT_ACCOUNT_EXPIRY);
    long jobStart = System.nanoTime();
    env.execute("kafka-to-kafka");
    long jobMillis = (System.nanoTime() - jobStart) / 1_000_000;

    long alerts = countCommitted("alerts");
    long dead = countCommitted("dead-letters");
    System.out.printf(
        "kafka-to-kafka: broker start %d ms, job %d ms, test %d ms (after start);"
            + " alerts=%d dead=%d%n",
        KAFKA.startupMillis(), jobMillis, (System.nanoTime() - t0) / 1_000_000, alerts, dead);
    assertEquals(1_000, alerts + dead);
  }

  private static long countCommitted(String topic) {
    Properties cp = new Properties();
    cp.put("bootstrap.servers", KAFKA.bootstrapServers());
    cp.put("group.id", "verify-" + topic);
    cp.put("auto.offset.reset", "earliest");
    cp.put("isolation.level", "read_committed");
    long n = 0;
    try (var consumer =
        new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long idleSince = System.nanoTime();
      while (System.nanoTime() - idleSince < 3_000_000_000L) {
        var records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, String> ignored : records) {
          n++;
        }
        if (!records.isEmpty()) {
          idleSince = System.nanoTime();
        }
      }
    }
    return n;
  }
}
