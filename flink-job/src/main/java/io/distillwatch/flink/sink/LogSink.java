package io.distillwatch.flink.sink;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes each record to the log at INFO under a logger name: the default sink for alerts. */
public final class LogSink implements Sink<String> {
  private static final long serialVersionUID = 1L;

  private final String logger;

  /**
   * @param logger name of the logger, e.g. {@code io.distillwatch.alerts}
   */
  public LogSink(String logger) {
    this.logger = logger;
  }

  @Override
  public SinkWriter<String> createWriter(WriterInitContext context) {
    Logger log = LoggerFactory.getLogger(logger);
    return new SinkWriter<>() {
      @Override
      public void write(String element, Context ctx) {
        log.info("{}", element);
      }

      @Override
      public void flush(boolean endOfInput) {}

      @Override
      public void close() {}
    };
  }
}
