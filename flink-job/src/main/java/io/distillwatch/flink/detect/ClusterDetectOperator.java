package io.distillwatch.flink.detect;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.alert.AlertKind;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The cluster stage at parallelism 1: calibrates evaluations, merges links into clusters, scores
 * them and de-duplicates alerts. It sees only what the link stage passes on, never every exchange.
 * Its state (the calibration, the union-find and cluster scores) is operator state, one entry,
 * named as by the {@code ProcessFunction} this replaced ({@code cluster-stage}), so its checkpoints
 * restore into this operator.
 *
 * <p>Order. With one link subtask before it, the stage reads messages as they come: one channel, in
 * the source's order at parallelism 1, as the core detector does. With several, messages from
 * different link subtasks arrive interleaved as the network delivers them, and the calibration
 * learns in arrival order, so an account near the bar could be flagged in one run and not the next
 * (at parallelism 2 and 8 on the built-in scenario, an IDE user in some runs). So it holds them,
 * and at each watermark, before each checkpoint barrier and at the end of input, processes what it
 * holds in the order of {@link Stages#compare} (event time, account, the account's exchange count,
 * then the message's own fields). Watermarks and aligned barriers are cut points of every source's
 * stream, so each batch is the messages of a prefix of the input; which batch a message falls in
 * still depends on timing, so two messages whose exchanges arrived out of event-time order, one on
 * each side of a cut, can come in either order; nothing else does. Nothing is held across a
 * checkpoint (the flush happens before the barrier goes on), so no state holds messages. When no
 * message has come for {@link #IDLE_FLUSH_MILLIS} of wall-clock time, what is held is processed
 * too, so a quiet input (no watermark advances) does not hold its last alerts back.
 *
 * <p>The cost: alerts wait for the next watermark, up to the source's watermark interval (200 ms by
 * default) longer; the messages held are those of that interval, a small share of the exchanges
 * (evaluations and links, not exchanges).
 */
public final class ClusterDetectOperator<M> extends AbstractStreamOperator<Alert>
    implements OneInputStreamOperator<M, Alert> {
  private static final long serialVersionUID = 1L;

  /** Wall-clock time with no message after which held messages are processed anyway. */
  static final long IDLE_FLUSH_MILLIS = 1_000;

  private final Stages<?, M, ?> stages;
  private final boolean ordered;

  private transient ListState<byte[]> stageState;
  private transient int lastSnapshotBytes;
  private transient Stages.ClusterLogic<M> stage;
  private transient List<Alert> alerts;
  private transient List<Held<M>> held;
  private transient StreamRecord<Alert> reuse;
  private transient long lastArrival;
  private transient boolean idleCheckPending;
  private transient Counter accountAlerts;
  private transient Counter clusterAlerts;
  private transient LongCounter alertTotal;

  /**
   * @param ordered whether the input comes from several link subtasks, so it is put in order before
   *     it is processed (see the class comment)
   */
  public ClusterDetectOperator(Stages<?, M, ?> stages, boolean ordered) {
    this.stages = stages;
    this.ordered = ordered;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    stageState =
        context
            .getOperatorStateStore()
            .getListState(
                new ListStateDescriptor<>(
                    "cluster-stage", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    stage = null;
    if (context.isRestored()) {
      Iterator<byte[]> it = stageState.get().iterator();
      if (it.hasNext()) {
        stage = stages.restoreClusterStage(new DataInputDeserializer(it.next()));
      }
    }
    if (stage == null) {
      stage = stages.newClusterStage();
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    alerts = new ArrayList<>();
    held = new ArrayList<>();
    reuse = new StreamRecord<>(null);
    var metrics = getRuntimeContext().getMetricGroup();
    accountAlerts = metrics.counter("alertsAccount");
    clusterAlerts = metrics.counter("alertsCluster");
    metrics.gauge("liveClusters", () -> stage.liveClusters());
    metrics.gauge("heldMessages", () -> held.size());
    alertTotal = new LongCounter();
    getRuntimeContext().addAccumulator("alerts", alertTotal);
  }

  @Override
  public void processElement(StreamRecord<M> record) {
    long timestamp = record.hasTimestamp() ? record.getTimestamp() : Long.MIN_VALUE;
    if (!ordered) {
      process(record.getValue(), timestamp);
      return;
    }
    held.add(new Held<>(record.getValue(), timestamp));
    lastArrival = getProcessingTimeService().getCurrentProcessingTime();
    if (!idleCheckPending) {
      idleCheckPending = true;
      getProcessingTimeService().registerTimer(lastArrival + IDLE_FLUSH_MILLIS, this::idleCheck);
    }
  }

  /** Processes what is held if nothing came for a while; otherwise looks again later. */
  private void idleCheck(long now) {
    idleCheckPending = false;
    if (held.isEmpty()) {
      return;
    }
    if (now - lastArrival >= IDLE_FLUSH_MILLIS) {
      flush();
    } else {
      idleCheckPending = true;
      getProcessingTimeService().registerTimer(lastArrival + IDLE_FLUSH_MILLIS, this::idleCheck);
    }
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    flush();
    super.processWatermark(mark);
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    flush();
  }

  @Override
  public void finish() throws Exception {
    flush();
    super.finish();
  }

  /** Processes every held message, in the stages' order. */
  private void flush() {
    if (held.isEmpty()) {
      return;
    }
    held.sort((a, b) -> stages.compare(a.message(), b.message()));
    for (int i = 0; i < held.size(); i++) {
      process(held.get(i).message(), held.get(i).timestamp());
    }
    held.clear();
  }

  /** A message held for ordering, with its record's timestamp (MIN_VALUE for none). */
  private record Held<M>(M message, long timestamp) {}

  /** Processes one message; its alerts carry the message's record timestamp, as before. */
  private void process(M m, long timestamp) {
    alerts.clear();
    // detector-core ClusterStage.process, through the seam.
    stage.process(m, alerts);
    for (int i = 0; i < alerts.size(); i++) {
      Alert a = alerts.get(i);
      (a.kind() == AlertKind.ACCOUNT ? accountAlerts : clusterAlerts).inc();
      alertTotal.add(1);
      if (timestamp == Long.MIN_VALUE) {
        reuse.replace(a);
        reuse.eraseTimestamp();
      } else {
        reuse.replace(a, timestamp);
      }
      output.collect(reuse);
    }
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    if (!held.isEmpty()) {
      // prepareSnapshotPreBarrier processed them; a message now would have come after the barrier.
      throw new IllegalStateException(held.size() + " messages held at a checkpoint");
    }
    // Sized from the last snapshot, so a large stage is not regrown at every checkpoint.
    DataOutputSerializer out = new DataOutputSerializer(Math.max(1 << 16, lastSnapshotBytes));
    stage.writeTo(out);
    lastSnapshotBytes = out.length();
    stageState.update(List.of(out.getCopyOfBuffer()));
  }
}
