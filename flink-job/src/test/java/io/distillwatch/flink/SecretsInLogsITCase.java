package io.distillwatch.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Kafka credential passed with {@code --kafka-property} and a bad input line never reach the log:
 * the whole JVM's log output at INFO (Flink, Kafka clients, the broker, our code) is captured while
 * the job runs Kafka to Kafka; the bad line appears in the dead-letter topic and nowhere else.
 */
class SecretsInLogsITCase {
  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  @RegisterExtension static final MiniClusterExtension FLINK = TestClusters.twoSlots();

  private static final String PASSWORD = "pw-7c41d9e0-never-log-me";
  private static final String MARKER = "marker-5b0f2a-raw-line-never-log-me";

  @Test
  void kafkaJob_credentialAndBadLine_neverLogged() throws Exception {
    KAFKA.createTopic("secret-in", 1);
    KAFKA.createTopic("secret-alerts", 1);
    KAFKA.createTopic("secret-dead", 1);
    List<String> lines = new ArrayList<>(SmallTrace.get().lines.subList(0, 2000));
    String bad =
        "{\"timestamp\":1776211200000,\"account_id\":\"" + MARKER + "\",\"output_tokens\":-1}";
    lines.add(1000, bad);
    KAFKA.produce("secret-in", lines);

    JobOptions o = new JobOptions();
    o.kafkaBootstrap = KAFKA.bootstrapServers();
    o.inputTopic = "secret-in";
    o.groupId = "secret";
    o.startingOffsets = JobOptions.StartingOffsets.earliest;
    o.kafkaBounded = true;
    o.alertsTopic = "secret-alerts";
    o.deadLetterTopic = "secret-dead";
    o.transactionalIdPrefix = "dw-secret";
    o.parallelism = 1;
    o.checkpointInterval = Duration.ofMillis(500);
    // Credentials as a SASL deployment passes them; on this PLAINTEXT broker the clients do not
    // use them, which is when Kafka lists "supplied but not used" configurations.
    o.kafkaProperties.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"dw\""
            + " password=\""
            + PASSWORD
            + "\";");
    o.kafkaProperties.put("ssl.truststore.password", PASSWORD);
    o.kafkaProperties.put("basic.auth.user.info", "dw:" + PASSWORD);

    List<String> logged;
    try (CapturedLogs logs = CapturedLogs.capture()) {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.configure(DetectionJob.configuration(o.stateBackend, Map.of()));
      DetectionJob.build(env, o, null, null);
      env.execute("secrets-in-logs");
      logged = logs.events();
      System.out.printf("secrets: %d log events captured%n", logged.size());
      assertTrue(logged.size() > 50, "the capture works: " + logged.size() + " events");
      assertEquals(List.of(), logs.containing(PASSWORD), "the credential was logged");
      assertEquals(List.of(), logs.containing(MARKER), "the raw bad line was logged");
    }
    List<String> dead = KAFKA.readCommitted("secret-dead");
    assertEquals(1, dead.size());
    assertTrue(dead.get(0).contains(MARKER), "the raw line is in the rejected output: " + dead);
  }
}
