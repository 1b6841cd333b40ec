package io.distillwatch.flink.sink;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes each record to the log at INFO, under a label: the default sink for alerts. */
public final class LogSink implements Sink<String> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(LogSink.class);

  private final String label;

  public LogSink(String label) {
    this.label = label;
  }

  @Override
  public SinkWriter<String> createWriter(WriterInitContext context) {
    return new SinkWriter<>() {
      @Override
      public void write(String element, Context ctx) {
        LOG.info("{} {}", label, element);
      }

      @Override
      public void flush(boolean endOfInput) {}

      @Override
      public void close() {}
    };
  }
}
