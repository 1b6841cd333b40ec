package io.distillwatch.flink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Kafka 4.1 broker in KRaft mode (one combined controller+broker), in the test JVM, from
 * Kafka's own test kit; listeners are {@code localhost:0}, which is 127.0.0.1 here. Its finalized
 * {@code transaction.version} is 1, as the README asks of a production cluster.
 */
final class KafkaBroker implements BeforeAllCallback, AfterAllCallback {
  private KafkaClusterTestKit cluster;
  private long startupMillis;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    long t0 = System.nanoTime();
    cluster =
        new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    // Transactions protocol V1. flink-connector-kafka 5.0.0-2.2 commits a
                    // checkpoint's transaction on restore by resuming its producer id and epoch,
                    // which V2 (the default of a new Kafka 4 cluster) bumps at every commit: under
                    // load, when a restore had to commit, an alert went missing from
                    // read_committed (cf. FLINK-40689). The README tells operators the same.
                    .setFeature("transaction.version", (short) 1)
                    .build())
            // One broker: the internal topics cannot have the default replication of 3.
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            // Retention checked every second, not every 5 minutes (30 s after startup first):
            // records stamped with a trace's event time, months old, are then deleted within a
            // second of their segment rolling, in every run rather than in the few that happen to
            // straddle a check. That is how the exactly-once sink seemed to lose the first alerts
            // on the standalone cluster (see WriteTimeRecords).
            .setConfigProp("log.retention.check.interval.ms", "1000")
            .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    startupMillis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("kafka: started in %d ms at %s%n", startupMillis, cluster.bootstrapServers());
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  long startupMillis() {
    return startupMillis;
  }

  /** Sends the lines to the topic, in order, and waits until all are written. */
  void produce(String topic, List<String> lines) {
    Properties pp = new Properties();
    pp.put("bootstrap.servers", bootstrapServers());
    pp.put("linger.ms", "20");
    pp.put("compression.type", "lz4");
    try (var producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
      for (String line : lines) {
        producer.send(new ProducerRecord<>(topic, line));
      }
    }
  }

  /** Sends the lines to one partition of the topic, in order, and waits until all are written. */
  void produce(String topic, int partition, List<String> lines) {
    Properties pp = new Properties();
    pp.put("bootstrap.servers", bootstrapServers());
    try (var producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
      for (String line : lines) {
        producer.send(new ProducerRecord<>(topic, partition, null, line));
      }
    }
  }

  /**
   * Every committed record of the topic, read with {@code read_committed} up to the end offsets
   * (the last stable offsets) current when reading starts: no guessing from an idle wait, which
   * would stop early if the broker were slow to answer.
   */
  List<String> readCommitted(String topic) {
    return read(topic, "read_committed");
  }

  /**
   * Every record of the topic, read with {@code read_uncommitted}: also what open and aborted
   * transactions wrote. For failure messages: an alert missing from {@link #readCommitted} but here
   * was written and then lost with its transaction, not never written.
   */
  List<String> readUncommitted(String topic) {
    return read(topic, "read_uncommitted");
  }

  private List<String> read(String topic, String isolation) {
    return records(topic, isolation).stream().map(ConsumerRecord::value).toList();
  }

  /**
   * Every committed record of the topic, with its offset and timestamp, as {@link #readCommitted}.
   */
  List<ConsumerRecord<String, String>> readCommittedRecords(String topic) {
    return records(topic, "read_committed");
  }

  private List<ConsumerRecord<String, String>> records(String topic, String isolation) {
    Properties cp = new Properties();
    cp.put("bootstrap.servers", bootstrapServers());
    cp.put("isolation.level", isolation);
    cp.put("enable.auto.commit", "false");
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer
          .partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to " + end);
        }
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          records.add(r);
        }
      }
    }
    return records;
  }

  /**
   * The log start offset of partition 0 of the topic: above 0 once retention (or a delete) has
   * removed its first records. For failure messages.
   */
  long startOffset(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      TopicPartition p = new TopicPartition(topic, 0);
      return admin.listOffsets(Map.of(p, OffsetSpec.earliest())).partitionResult(p).get().offset();
    }
  }

  int partitions(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      return admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get()
          .get(topic)
          .partitions()
          .size();
    }
  }

  /** The end offset of partition 0 of the topic. */
  long endOffset(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      TopicPartition p = new TopicPartition(topic, 0);
      return admin.listOffsets(Map.of(p, OffsetSpec.latest())).partitionResult(p).get().offset();
    }
  }

  /** The offset the consumer group committed for partition 0 of the topic, or -1. */
  long committedOffset(String group, String topic) throws Exception {
    return committedOffset(group, topic, 0);
  }

  /** The offset the consumer group committed for a partition of the topic, or -1. */
  long committedOffset(String group, String topic, int partition) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      var offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      var committed = offsets.get(new TopicPartition(topic, partition));
      return committed == null ? -1 : committed.offset();
    }
  }

  void createTopic(String name, int partitions) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrapServers());
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }
  }
}
