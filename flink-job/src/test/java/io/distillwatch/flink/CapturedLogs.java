package io.distillwatch.flink;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Every log event of the JVM at INFO and above while open (Flink, Kafka clients and broker, our
 * code), with its logger, message, and any exception's stack trace as text, so a test can look for
 * what must never be logged. Closing restores the previous root level.
 */
final class CapturedLogs extends AbstractAppender implements AutoCloseable {
  private final List<String> events = new ArrayList<>();
  private final Level previous;
  private final java.util.Map<String, org.apache.logging.log4j.core.Appender> quietened;

  private CapturedLogs() {
    super("captured-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    Configuration config = ctx.getConfiguration();
    LoggerConfig root = config.getRootLogger();
    previous = root.getLevel();
    start();
    // The other appenders (the console) keep printing only what they printed before.
    quietened = new java.util.LinkedHashMap<>(root.getAppenders());
    for (var a : quietened.values()) {
      root.removeAppender(a.getName());
      root.addAppender(a, previous, null);
    }
    root.addAppender(this, Level.INFO, null);
    root.setLevel(Level.INFO);
    ctx.updateLoggers();
  }

  static CapturedLogs capture() {
    return new CapturedLogs();
  }

  @Override
  public void append(LogEvent event) {
    StringBuilder line = new StringBuilder();
    line.append(event.getLevel())
        .append(' ')
        .append(event.getLoggerName())
        .append(" - ")
        .append(event.getMessage().getFormattedMessage());
    if (event.getThrown() != null) {
      StringWriter trace = new StringWriter();
      event.getThrown().printStackTrace(new PrintWriter(trace));
      line.append('\n').append(trace);
    }
    synchronized (events) {
      events.add(line.toString());
    }
  }

  /** The events captured so far. */
  List<String> events() {
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }

  /** The captured events that contain {@code text}. */
  List<String> containing(String text) {
    return events().stream().filter(e -> e.contains(text)).toList();
  }

  @Override
  public void close() {
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    LoggerConfig root = ctx.getConfiguration().getRootLogger();
    root.removeAppender(getName());
    for (var a : quietened.values()) {
      root.removeAppender(a.getName());
      root.addAppender(a, null, null);
    }
    root.setLevel(previous);
    ctx.updateLoggers();
    stop();
  }
}
