package io.distillwatch.flink;

import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Kafka 4.1 broker in KRaft mode (one combined controller+broker), in the test JVM, from
 * Kafka's own test kit; listeners are {@code localhost:0}, which is 127.0.0.1 here.
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
                    .build())
            // One broker: the internal topics cannot have the default replication of 3.
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
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

  void createTopic(String name, int partitions) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrapServers());
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }
  }
}
