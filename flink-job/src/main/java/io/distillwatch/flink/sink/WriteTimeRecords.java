package io.distillwatch.flink.sink;

import java.util.Objects;
import java.util.Optional;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacetProvider;
import org.apache.flink.connector.kafka.lineage.TypeDatasetFacet;
import org.apache.flink.connector.kafka.lineage.TypeDatasetFacetProvider;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Kafka records whose timestamp is the time they are written, not the event time of the element.
 *
 * <p>Flink's Kafka sink stamps each record with the element's event-time timestamp. An alert's or
 * dead letter's event time is that of the exchange that raised it, which is days or months old when
 * a trace or a backlog is replayed; the broker's time-based retention ({@code retention.ms}, 7 days
 * by default) then deletes the committed records within minutes (its next retention check), segment
 * by segment, starting with the first alerts. With a null timestamp the producer stamps the record
 * with its own clock, so a topic keeps what the job wrote for its retention period from when it was
 * written. The event time is in the payload ({@code detected_at}).
 *
 * <p>Everything else (topic, partition, key, value, headers, lineage facets) is the delegate's.
 */
public final class WriteTimeRecords<T>
    implements KafkaRecordSerializationSchema<T>,
        KafkaDatasetFacetProvider,
        TypeDatasetFacetProvider {
  private static final long serialVersionUID = 1L;

  private final KafkaRecordSerializationSchema<T> delegate;

  /**
   * Wraps {@code delegate}, for example one from {@link KafkaRecordSerializationSchema#builder}.
   */
  public WriteTimeRecords(KafkaRecordSerializationSchema<T> delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext)
      throws Exception {
    delegate.open(context, sinkContext);
  }

  /** The delegate's record for {@code element}, with no timestamp of its own. */
  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      T element, KafkaSinkContext context, Long eventTime) {
    // The builder's schema maps a null timestamp to a record without one; any other delegate's
    // record is copied without its timestamp.
    ProducerRecord<byte[], byte[]> r = delegate.serialize(element, context, null);
    if (r == null || r.timestamp() == null) {
      return r;
    }
    return new ProducerRecord<>(r.topic(), r.partition(), null, r.key(), r.value(), r.headers());
  }

  @Override
  public Optional<KafkaDatasetFacet> getKafkaDatasetFacet() {
    return delegate instanceof KafkaDatasetFacetProvider p
        ? p.getKafkaDatasetFacet()
        : Optional.empty();
  }

  @Override
  public Optional<TypeDatasetFacet> getTypeDatasetFacet() {
    return delegate instanceof TypeDatasetFacetProvider p
        ? p.getTypeDatasetFacet()
        : Optional.empty();
  }
}
