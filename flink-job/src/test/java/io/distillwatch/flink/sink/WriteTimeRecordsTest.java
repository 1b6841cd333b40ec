package io.distillwatch.flink.sink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacetProvider;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class WriteTimeRecordsTest {
  /** An alert's event time in the default trace: 2026-04-18, months before any run. */
  private static final long EVENT_TIME = 1_776_475_023_738L;

  private static final KafkaRecordSerializationSchema.KafkaSinkContext CONTEXT =
      new KafkaRecordSerializationSchema.KafkaSinkContext() {
        @Override
        public int getParallelInstanceId() {
          return 0;
        }

        @Override
        public int getNumberOfParallelInstances() {
          return 1;
        }

        @Override
        public int[] getPartitionsForTopic(String topic) {
          return new int[] {0};
        }
      };

  @Test
  void builderSchema_eventTimeIsDropped_restIsKept() {
    KafkaRecordSerializationSchema<String> builder = alertsSchema();
    // The builder's own schema stamps the record with the event time it is given.
    assertEquals(EVENT_TIME, builder.serialize("{}", CONTEXT, EVENT_TIME).timestamp());

    ProducerRecord<byte[], byte[]> r =
        new WriteTimeRecords<>(builder).serialize("{\"kind\":\"ACCOUNT\"}", CONTEXT, EVENT_TIME);

    assertNull(r.timestamp(), "the producer stamps it when it is written");
    assertEquals("alerts", r.topic());
    assertNull(r.partition());
    assertNull(r.key());
    assertArrayEquals("{\"kind\":\"ACCOUNT\"}".getBytes(StandardCharsets.UTF_8), r.value());
  }

  @Test
  void otherSchema_recordCopiedWithoutItsTimestamp() {
    RecordHeaders headers = new RecordHeaders(List.of(new RecordHeader("h", new byte[] {1})));
    KafkaRecordSerializationSchema<String> stamping =
        (element, context, timestamp) ->
            new ProducerRecord<>(
                "t", 3, 42L, new byte[] {7}, element.getBytes(StandardCharsets.UTF_8), headers);

    ProducerRecord<byte[], byte[]> r =
        new WriteTimeRecords<>(stamping).serialize("v", CONTEXT, EVENT_TIME);

    assertNull(r.timestamp());
    assertEquals("t", r.topic());
    assertEquals(3, r.partition());
    assertArrayEquals(new byte[] {7}, r.key());
    assertArrayEquals(new byte[] {'v'}, r.value());
    assertEquals(headers, r.headers());
  }

  @Test
  void lineage_isTheDelegates() {
    KafkaRecordSerializationSchema<String> builder = alertsSchema();
    var facet = new WriteTimeRecords<>(builder).getKafkaDatasetFacet();
    assertTrue(facet.isPresent());
    assertEquals(
        ((KafkaDatasetFacetProvider) builder).getKafkaDatasetFacet().get().getTopicIdentifier(),
        facet.get().getTopicIdentifier());
    assertTrue(new WriteTimeRecords<String>((e, c, t) -> null).getKafkaDatasetFacet().isEmpty());
  }

  /** The schema DetectionJob.kafkaSink wraps: the alerts topic, values as UTF-8 strings. */
  private static KafkaRecordSerializationSchema<String> alertsSchema() {
    return KafkaRecordSerializationSchema.<String>builder()
        .setTopic("alerts")
        .setValueSerializationSchema(new SimpleStringSchema())
        .build();
  }
}
