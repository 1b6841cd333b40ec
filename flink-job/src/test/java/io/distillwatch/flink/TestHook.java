package io.distillwatch.flink;

import io.distillwatch.core.io.Exchange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

/**
 * A pass-through stage the recovery tests put between parsing and detection, with no static state:
 *
 * <ul>
 *   <li>{@link Mode#FAIL_ONCE}: throws once, on the first attempt, at the first record after {@code
 *       after} records once a checkpoint has completed, so the job restarts from that checkpoint.
 *   <li>{@link Mode#SLOW_DOWN}: after {@code after} records, writes {@code marker} and then sleeps
 *       1 ms per record, so the test can stop the job with a savepoint mid-stream.
 *   <li>{@link Mode#PASS}: nothing (the same uid, so a savepoint of a slowed run restores).
 * </ul>
 */
final class TestHook extends RichMapFunction<Exchange, Exchange> implements CheckpointListener {
  private static final long serialVersionUID = 1L;

  enum Mode {
    PASS,
    FAIL_ONCE,
    SLOW_DOWN
  }

  private final Mode mode;
  private final long after;
  private final String marker;
  private transient long seen;
  private transient long checkpointsDone;

  TestHook(Mode mode, long after, Path marker) {
    this.mode = mode;
    this.after = after;
    this.marker = marker == null ? null : marker.toString();
  }

  @Override
  public Exchange map(Exchange e) throws Exception {
    seen++;
    if (seen < after) {
      return e;
    }
    switch (mode) {
      case FAIL_ONCE -> {
        if (getRuntimeContext().getTaskInfo().getAttemptNumber() == 0 && checkpointsDone > 0) {
          touch();
          throw new IllegalStateException("injected failure after " + seen + " records");
        }
      }
      case SLOW_DOWN -> {
        if (seen == after) {
          touch();
        }
        Thread.sleep(1);
      }
      case PASS -> {}
    }
    return e;
  }

  private void touch() {
    try {
      Files.writeString(Path.of(marker), Long.toString(seen));
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    checkpointsDone++;
  }
}
